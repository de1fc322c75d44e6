import './env.js';

// A short wait, so the test sees $submit give up on a workflow that has not decided (SPEC 8: A4, queued).
process.env.PAS_SUBMIT_WAIT_MS = '60';

import { createHash } from 'node:crypto';
import { SendTaskSuccessCommand, StartExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { pasBundle } from '../fhir/bundles.js';
import { r4IssuesDeep } from '../fhir/validator.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody, TODAY } from '../fixtures.js';
import {
  answer,
  apiEvent,
  CLAIMS,
  REFERRAL_ID,
  storedReferral,
  storeForBatchGet,
  transactItems,
  useAwsMocks,
} from './support.js';

const { ddb, sfn } = useAwsMocks();
const { handler } = await import('../../functions/api-fhir/index.js');

const bundle = () =>
  pasBundle({
    claimId: 'C-42',
    memberId: 'M-1001',
    renderingProviderNpi: RENDERING_NPI,
    orderingProviderNpi: ORDERING_NPI,
    urgency: 'standard',
    startDate: TODAY,
    requestedVisits: 6,
    diagnoses: [{ code: 'M54.50' }],
    cpts: ['97124'],
    clinical: referralBody().clinical,
  });

const submit = (body: unknown, claims = CLAIMS.portal) =>
  handler(apiEvent('POST', { resource: '/fhir/Claim/$submit', body, claims })).then(answer);

describe('api-fhir $submit', () => {
  it('stores the referral as POST /referrals does, starts its execution, and answers A4 queued when the workflow has not decided in time', async () => {
    // The workflow never records anything: the referral stays RECEIVED.
    storeForBatchGet(ddb, (key) =>
      key.SK === 'REFERRAL'
        ? storedReferral({
            referralId: key.PK.slice('REFERRAL#'.length),
            status: 'RECEIVED',
            lines: [],
            reasons: [],
            authorization: undefined,
          })
        : undefined,
    );
    const started = performance.now();
    const res = await submit(bundle());
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    const cr = res.body.entry[0].resource;
    expect(cr.outcome).toBe('queued');
    expect(cr.item[0].adjudication[0].extension[0].extension[0].valueCodeableConcept.coding[0].code).toBe(
      'A4',
    );
    expect(r4IssuesDeep(res.body)).toEqual([]);

    // The referral's case and head, one conditional write each: its id is derived from the Claim identifier's key.
    const first = ddb.commandCalls(PutCommand).map((c) => String(c.args[0].input.Item?.SK ?? ''));
    expect(first).toEqual(['CASE', 'REFERRAL']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toMatchObject(
      {
        referralId: cr.preAuthRef,
        reads: { memberId: expect.any(String) },
      },
    );
    // Then the Claim identifier → referral record and the echo, in a transaction.
    const pas = transactItems(ddb, 0).map((i) => String(i.Put?.Item?.PK ?? ''));
    expect(pas).toEqual([
      expect.stringMatching(/^IDEMPOTENCY#PAS#P-100#[0-9a-f]{64}$/),
      `IDEMPOTENCY#PAS-RESPONSE#${cr.preAuthRef}`,
    ]);
  });

  it('a DynamoDB outage is a 503 OperationOutcome (transient), not a 500', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const res = await submit(bundle());
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
  });

  it('refuses a portal user without a portalId claim (403) and changes nothing', async () => {
    const res = await submit(bundle(), { sub: 'u', 'cognito:groups': 'portal' } as never);
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('api-fhir Claim update (SPEC 8, 10)', () => {
  const claimHash = (value: string) =>
    createHash('sha256').update(`urn:trnorg:1234567890|${value}`).digest('hex');
  const { clinical: _none, ...withoutClinical } = storedReferral().request;
  // The first request (C-42) is known and waits for its questionnaire with the workflow's token.
  const pending = () =>
    storedReferral({
      status: 'PENDING_INFORMATION',
      request: withoutClinical,
      reasons: ['INFORMATION_REQUESTED'],
      lines: [
        {
          cpt: '97124',
          unitsPerVisit: 1,
          status: 'PENDING_REVIEW',
          reasons: ['INFORMATION_REQUESTED'],
          separatelyPayable: true,
        },
      ],
      authorization: undefined,
      decidedAt: undefined,
      decidedBy: undefined,
      informationTaskToken: 'token-1',
      informationRequests: [
        {
          round: 0,
          requestedAt: '2026-11-20T10:00:01.000Z',
          requestedBy: 'system',
          requested: [{ code: 'CLINICAL_NOTES', text: 'the questionnaire' }],
          dueAt: '2026-12-04T10:00:01.000Z',
          pausedDecisionDueAt: '2026-11-23T10:00:00.000Z',
        },
      ],
    });
  const known = (input: { Key: { PK: string; SK: string } }) => {
    if (input.Key.PK === `IDEMPOTENCY#PAS#P-100#${claimHash('C-42')}`)
      return {
        Item: {
          bodyHash: 'first',
          expiresAt: 4_000_000_000,
          response: {
            referralId: REFERRAL_ID,
            echo: { claimIdentifiers: [], items: [], memberId: 'M-1001' },
          },
        },
      };
    return input.Key.SK === 'REFERRAL' ? { Item: pending() } : {};
  };
  const update = () =>
    pasBundle({
      claimId: 'C-43',
      updates: 'C-42',
      memberId: withoutClinical.memberId,
      renderingProviderNpi: withoutClinical.renderingProviderNpi,
      orderingProviderNpi: withoutClinical.orderingProviderNpi,
      urgency: withoutClinical.urgency,
      startDate: withoutClinical.startDate,
      requestedVisits: withoutClinical.requestedVisits,
      diagnoses: withoutClinical.diagnoses,
      cpts: withoutClinical.services.map((s) => s.cpt),
      clinical: referralBody().clinical,
    });

  it('merges the QuestionnaireResponse into the case and resumes the waiting workflow with its token', async () => {
    ddb.on(GetCommand).callsFake(known);
    storeForBatchGet(ddb, (key) => (key.SK === 'REFERRAL' ? pending() : undefined));
    const res = await submit(update());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The (mocked) workflow has not re-evaluated within the wait: still pended (A4).
    expect(res.body.entry[0].resource.outcome).toBe('queued');
    expect(r4IssuesDeep(res.body)).toEqual([]);
    const sends = sfn.commandCalls(SendTaskSuccessCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.args[0].input.taskToken).toBe('token-1');
    expect(JSON.parse(sends[0]?.args[0].input.output ?? '')).toEqual({ referralId: REFERRAL_ID, round: 1 });
    const items = transactItems(ddb, 0);
    // The case (clinical body) is its own item beside the referral's head.
    const kase = items.find((i) => i.Put?.Item?.SK === 'CASE')?.Put?.Item;
    expect(kase?.request.clinical.purpose).toBe('rehabilitation');
    const written = items.find((i) => i.Put?.Item?.SK === 'REFERRAL')?.Put?.Item;
    expect(written).not.toHaveProperty('informationTaskToken');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a workflow that no longer waits (its 14 days ran out) is a 409 and the referral is put back', async () => {
    ddb.on(GetCommand).callsFake(known);
    storeForBatchGet(ddb, (key) => (key.SK === 'REFERRAL' ? pending() : undefined));
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    const res = await submit(update());
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
    const items = transactItems(ddb, 1);
    const restored = items.find((i) => i.Put?.Item?.SK === 'REFERRAL')?.Put?.Item;
    expect(restored?.informationTaskToken).toBe('token-1');
    const kase = items.find((i) => i.Put?.Item?.SK === 'CASE')?.Put?.Item;
    expect(kase?.request).toBeDefined();
    expect(kase?.request).not.toHaveProperty('clinical');
  });
});

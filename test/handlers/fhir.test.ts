import './env.js';

// A short wait, so the test sees $submit give up on a workflow that has not decided (SPEC 8: A4, queued).
process.env.PAS_SUBMIT_WAIT_MS = '60';

import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { pasBundle } from '../fhir/bundles.js';
import { r4IssuesDeep } from '../fhir/validator.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody, TODAY } from '../fixtures.js';
import { answer, apiEvent, CLAIMS, storedReferral, transactItems, useAwsMocks } from './support.js';

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
    ddb.on(GetCommand).callsFake((input: { Key: { PK: string; SK: string } }) =>
      input.Key.SK === 'REFERRAL'
        ? {
            Item: storedReferral({
              referralId: input.Key.PK.slice('REFERRAL#'.length),
              status: 'RECEIVED',
              lines: [],
              reasons: [],
              authorization: undefined,
            }),
          }
        : {},
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

    const first = transactItems(ddb, 0).map((i) => String(i.Put?.Item?.SK ?? ''));
    expect(first).toEqual(expect.arrayContaining(['REFERRAL', 'IDEMPOTENCY']));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toEqual({
      referralId: cr.preAuthRef,
    });
    // Then the Claim identifier → referral record and the echo, in a second transaction.
    const pas = transactItems(ddb, 1).map((i) => String(i.Put?.Item?.PK ?? ''));
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

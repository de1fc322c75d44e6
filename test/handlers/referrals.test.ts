import './env.js';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { MAX_BODY_BYTES } from '../../shared/http.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody } from '../fixtures.js';
import {
  answer,
  apiEvent,
  awsErrors,
  CLAIMS,
  type Claims,
  errorOf,
  REFERRAL_ID,
  storedReferral,
  storedReview,
  storedVisit,
  storeForBatchGet,
  TABLE,
  TASK_TOKEN,
  useAwsMocks,
  WORKFLOW_ARN,
  writeCalls,
} from './support.js';

const { ddb, sfn } = useAwsMocks();
const { handler } = await import('../../functions/api-referrals/index.js');

const KEY = 'submit-2026-11-22-0001';

function submit(body: unknown, opts: { key?: string; claims?: Claims | null } = {}) {
  return handler(
    apiEvent('POST', {
      resource: '/referrals',
      body,
      claims: opts.claims,
      headers: opts.key ? { 'Idempotency-Key': opts.key } : {},
    }),
  ).then(answer);
}

function read(id: string, claims: Claims) {
  return handler(apiEvent('GET', { resource: '/referrals/{id}', params: { id }, claims })).then(answer);
}

/** Nothing reached DynamoDB's write path and no workflow was started. */
function expectNothingChanged() {
  expect(writeCalls(ddb)).toHaveLength(0);
  expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
}

describe('POST /referrals', () => {
  it('answers 202 RECEIVED after writing the referral with two conditional writes (its case, then its head), reading nothing first, then starts the workflow', async () => {
    const res = await submit(referralBody(), { key: KEY });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ referralId: expect.stringMatching(/^ref-/), status: 'RECEIVED' });
    const { referralId } = res.body;

    // The referral's own conditional writes are what refuse a second submission: nothing is read first,
    // and no transaction is needed.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.SK)).toEqual(['CASE', 'REFERRAL']);
    // The case (the clinical body) is an item of its own, written once; the head is what later writes change.
    expect(puts[0]).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: {
        PK: `REFERRAL#${referralId}`,
        referralId,
        request: { memberId: 'M-1001', requestedVisits: 8 },
        idempotency: { key: KEY, bodyHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      },
    });
    expect(puts[1]?.Item).not.toHaveProperty('request');
    expect(puts[1]).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: {
        PK: `REFERRAL#${referralId}`,
        referralId,
        portalId: 'P-100',
        submittedBy: 'portal-user-1',
        status: 'RECEIVED',
        receivedAt: '2026-11-22T15:00:00.000Z',
        decisionDueAt: '2026-11-25T15:00:00.000Z',
        version: 1,
        // what a second submission with the key is compared with
        idempotency: { key: KEY, bodyHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
        // the reconciliation's work list finds a referral whose workflow never started
        GSI2PK: 'RECONCILE#REFERRAL',
      },
    });

    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.args[0].input).toMatchObject({ stateMachineArn: WORKFLOW_ARN, name: referralId });
    // what Evaluate will read besides the referral, ids only, so it reads everything in one round trip
    expect(JSON.parse(starts[0]!.args[0].input.input!)).toEqual({
      referralId,
      reads: { memberId: 'M-1001', year: 2026, npis: [RENDERING_NPI, ORDERING_NPI] },
    });
    // the workflow never starts for a referral that is not stored yet
    expect(ddb.commandCalls(PutCommand)[1]!.calledBefore(starts[0]!)).toBe(true);
  });

  it('without an Idempotency-Key writes the case and the head only, under a fresh id, and reads nothing first', async () => {
    const first = await submit(referralBody());
    const second = await submit(referralBody());
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.referralId).not.toBe(first.body.referralId);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(0);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(puts.map((i) => i.SK)).toEqual(['CASE', 'REFERRAL', 'CASE', 'REFERRAL']);
    for (const item of puts) expect(item).not.toHaveProperty('idempotency');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('a head that cannot be written after its case is 503 and starts nothing: the unanswered case is never read', async () => {
    ddb.on(PutCommand, { Item: { SK: 'REFERRAL' } }).rejects(awsErrors.throttling());
    const res = await submit(referralBody(), { key: KEY });
    expect(res.status).toBe(503);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('treats an execution that already exists under the referral id as started', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const res = await submit(referralBody());
    expect(res.status).toBe(202);
  });

  describe('rejected requests change nothing', () => {
    it('malformed JSON is 400 MALFORMED_JSON', async () => {
      const res = await submit('{"memberId": "M-1001",', { key: KEY });
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('MALFORMED_JSON');
      expect(ddb.calls()).toHaveLength(0);
      expectNothingChanged();
    });

    it('a schema violation is 422 with details naming each bad field', async () => {
      const body = referralBody({ requestedVisits: 0, renderingProviderNpi: '1234567890' });
      body.clinical.purpose = 'relaxation';
      const res = await submit(body, { key: KEY });
      expect(res.status).toBe(422);
      const error = errorOf(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details?.map((d) => d.field).sort()).toEqual([
        'clinical.purpose',
        'renderingProviderNpi',
        'requestedVisits',
      ]);
      expectNothingChanged();
    });

    it('a start date more than 180 days ahead is 422 on startDate', async () => {
      const res = await submit(referralBody({ startDate: '2027-06-01' }));
      expect(res.status).toBe(422);
      expect(errorOf(res).details?.map((d) => d.field)).toEqual(['startDate']);
      expectNothingChanged();
    });

    it('an unusable Idempotency-Key is 422 naming the header', async () => {
      const res = await submit(referralBody(), { key: 'has spaces and/slashes' });
      expect(res.status).toBe(422);
      expect(errorOf(res).details?.map((d) => d.field)).toEqual(['Idempotency-Key']);
      expectNothingChanged();
    });

    it('a body over 256 KiB is 413', async () => {
      const body = JSON.stringify(referralBody({ padding: 'x'.repeat(MAX_BODY_BYTES) }));
      const res = await submit(body, { key: KEY });
      expect(res.status).toBe(413);
      expect(errorOf(res).code).toBe('PAYLOAD_TOO_LARGE');
      expectNothingChanged();
    });

    it('no authorizer claims is 401', async () => {
      const res = await submit(referralBody(), { claims: null });
      expect(res.status).toBe(401);
      expect(errorOf(res).code).toBe('UNAUTHORIZED');
      expectNothingChanged();
    });

    it.each([
      ['a reviewer', CLAIMS.reviewer],
      ['an admin', CLAIMS.admin],
      ['a portal user without a portalId claim', { sub: 'u-9', 'cognito:groups': 'portal' }],
    ])('%s is 403', async (_who, claims) => {
      const res = await submit(referralBody(), { claims });
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('FORBIDDEN');
      expectNothingChanged();
    });
  });

  describe('Idempotency-Key', () => {
    const written = () => ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    /** The table after the first submission: a second write of its case or head is refused. */
    function stored(items: Record<string, unknown>[]) {
      ddb.resetHistory();
      sfn.resetHistory();
      storeForBatchGet(ddb, items);
      for (const item of items) {
        ddb
          .on(PutCommand, { Item: { PK: item.PK, SK: item.SK } })
          .rejects(awsErrors.conditionalCheckFailed());
      }
    }

    it('the same key and the same body answer as the first time, with no second referral or start', async () => {
      const body = referralBody();
      const first = await submit(body, { key: KEY });
      stored(written());

      // the same content with its keys in another order is the same body
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const second = await submit(reordered, { key: KEY });

      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);
      // the second request's case write (the same referral id's) was refused; no head was tried
      expect(written().map((i) => [i.referralId, i.SK])).toEqual([[first.body.referralId, 'CASE']]);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
      await submit(referralBody(), { key: KEY });
      stored(written());

      const res = await submit(referralBody({ requestedVisits: 4 }), { key: KEY });
      expect(res.status).toBe(409);
      expect(errorOf(res).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('a repeat after a first attempt that stored only its case completes the referral and starts it', async () => {
      const body = referralBody();
      const first = await submit(body, { key: KEY });
      const [kase] = written();
      stored([kase!]);

      const second = await submit(body, { key: KEY });
      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);
      expect(written().map((i) => i.SK)).toEqual(['CASE', 'REFERRAL']);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });

    it('another body after a first attempt that stored only its case is 409 IDEMPOTENCY_KEY_REUSED', async () => {
      await submit(referralBody(), { key: KEY });
      const [kase] = written();
      stored([kase!]);

      const res = await submit(referralBody({ requestedVisits: 4 }), { key: KEY });
      expect(res.status).toBe(409);
      expect(errorOf(res).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(written().map((i) => i.SK)).toEqual(['CASE']);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('losing the race for the head to a concurrent repeat answers as the winner did', async () => {
      const body = referralBody();
      const first = await submit(body, { key: KEY });
      const items = written();
      ddb.resetHistory();
      sfn.resetHistory();
      storeForBatchGet(ddb, items);
      ddb.on(PutCommand, { Item: { SK: 'REFERRAL' } }).rejects(awsErrors.conditionalCheckFailed());

      const second = await submit(body, { key: KEY });
      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);
      // the winner started its own workflow
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('the same key from another portal is another referral', async () => {
      const mine = await submit(referralBody(), { key: KEY });
      const theirs = await submit(referralBody(), { key: KEY, claims: CLAIMS.otherPortal });
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect(theirs.body.referralId).not.toBe(mine.body.referralId);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
    });

    it("a refused write whose stored referral is not this key's is not answered as a replay", async () => {
      await submit(referralBody(), { key: KEY });
      stored(written().map((i) => ({ ...i, idempotency: undefined })));
      const res = await submit(referralBody(), { key: KEY });
      expect(res.status).toBe(409);
      expect(errorOf(res).code).toBe('CONCURRENT_UPDATE');
    });
  });

  describe('throttling', () => {
    it.each([
      ['ProvisionedThroughputExceededException', awsErrors.provisionedThroughputExceeded],
      ['ThrottlingException', awsErrors.throttling],
    ])("%s on the referral's write is 503 and starts no workflow", async (_name, error) => {
      ddb.on(PutCommand).rejects(error());
      const res = await submit(referralBody(), { key: KEY });
      expect(res.status).toBe(503);
      expect(errorOf(res).code).toBe('SERVICE_UNAVAILABLE');
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('throttling on the read that answers a repeated key is 503 and starts nothing', async () => {
      ddb.on(PutCommand).rejects(awsErrors.conditionalCheckFailed());
      ddb.on(BatchGetCommand).rejects(awsErrors.throttling());
      const res = await submit(referralBody(), { key: KEY });
      expect(res.status).toBe(503);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });

  it('a failed workflow start still answers 202: the referral is stored for the reconciliation to re-drive', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const res = await submit(referralBody(), { key: KEY });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('RECEIVED');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    const head = ddb.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.SK === 'REFERRAL');
    expect(head?.args[0].input.Item).toMatchObject({
      referralId: res.body.referralId,
      status: 'RECEIVED',
      GSI2PK: 'RECONCILE#REFERRAL',
    });
  });
});

describe('GET /referrals/{id}', () => {
  const review = storedReview({
    status: 'DECIDED',
    decision: {
      outcome: 'APPROVE',
      reasonCodes: [],
      reviewer: { id: 'reviewer-7', credential: 'MD' },
      decidedAt: '2026-11-22T10:00:00.000Z',
    },
  });
  const referral = storedReferral({ reviewIds: [review.reviewId] });
  const history = {
    ...keys.history(REFERRAL_ID, '2026-11-20T10:00:00.000Z', 'a1b2c3d4'),
    at: '2026-11-20T10:00:00.000Z',
    actor: { id: 'portal-user-1', role: 'portal' },
    event: 'RECEIVED',
    status: 'RECEIVED',
  };
  const visit = storedVisit();

  function stored() {
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `REFERRAL#${REFERRAL_ID}` } })
      .resolves({ Items: [referral, history, visit] });
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [review] } });
  }

  it('the owning portal reads its referral, with authorization, visits, reviews and history', async () => {
    stored();
    const res = await read(REFERRAL_ID, CLAIMS.portal);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      referralId: REFERRAL_ID,
      status: 'APPROVED',
      reasons: ['CRITERIA_A_MET'],
      policyVersion: 'kpwa-massage-2023-03-07',
      decidedBy: 'system',
      authorization: { status: 'ACTIVE', visitsAuthorized: 6, visitsUsed: 0, visitsRemaining: 6 },
      visits: [{ visitId: visit.visitId, visitNumber: 1 }],
      reviews: [{ reviewId: review.reviewId, decision: { outcome: 'APPROVE' } }],
      history: [{ event: 'RECEIVED', actor: { id: 'portal-user-1', role: 'portal' } }],
    });
    // storage keys and index attributes stay inside
    expect(res.raw).not.toMatch(/"(PK|SK|GSI1PK|GSI2PK|version)"/);
  });

  it('shows the arrival as the first history entry from the referral itself: an intake stores no entry of its own', async () => {
    const determined = {
      ...keys.history(REFERRAL_ID, '2026-11-20T10:00:05.000Z', 'e5f6a7b8'),
      at: '2026-11-20T10:00:05.000Z',
      actor: 'system',
      event: 'DETERMINED',
      status: 'APPROVED',
      reasons: ['CRITERIA_A_MET'],
    };
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `REFERRAL#${REFERRAL_ID}` } })
      .resolves({ Items: [referral, determined] });
    const res = await read(REFERRAL_ID, CLAIMS.reviewer);
    expect(res.status).toBe(200);
    expect(res.body.history).toEqual([
      {
        at: referral.receivedAt,
        actor: { id: 'portal-user-1', role: 'portal' },
        event: 'RECEIVED',
        status: 'RECEIVED',
      },
      {
        at: '2026-11-20T10:00:05.000Z',
        actor: 'system',
        event: 'DETERMINED',
        status: 'APPROVED',
        reasons: ['CRITERIA_A_MET'],
      },
    ]);
  });

  it('never contains a task token, even when a review holds one', async () => {
    const open = storedReview();
    ddb
      .on(QueryCommand)
      .resolves({ Items: [storedReferral({ status: 'PENDING_REVIEW', reviewIds: [open.reviewId] })] });
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [open] } });
    for (const claims of [CLAIMS.portal, CLAIMS.reviewer]) {
      const res = await read(REFERRAL_ID, claims);
      expect(res.status).toBe(200);
      expect(res.body.reviews).toHaveLength(1);
      expect(res.raw).not.toContain(TASK_TOKEN);
      expect(res.raw).not.toContain('taskToken');
    }
  });

  it('a reviewer reads any portal’s referral', async () => {
    stored();
    const res = await read(REFERRAL_ID, CLAIMS.reviewer);
    expect(res.status).toBe(200);
    expect(res.body.referralId).toBe(REFERRAL_ID);
  });

  it('another portal gets 404, exactly as for a referral that does not exist', async () => {
    stored();
    const other = await read(REFERRAL_ID, CLAIMS.otherPortal);
    expect(other.status).toBe(404);
    expect(errorOf(other).code).toBe('NOT_FOUND');

    ddb.on(QueryCommand).resolves({ Items: [] });
    const unknown = await read(REFERRAL_ID, CLAIMS.portal);
    expect(unknown.status).toBe(404);
    expect(other.body).toEqual(unknown.body);
  });

  it('an admin gets 403', async () => {
    stored();
    const res = await read(REFERRAL_ID, CLAIMS.admin);
    expect(res.status).toBe(403);
  });
});

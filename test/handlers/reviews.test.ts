import './env.js';
import { SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
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
  TABLE,
  TASK_TOKEN,
  transactItems,
  useAwsMocks,
  writeCalls,
} from './support.js';

const { ddb, sfn } = useAwsMocks();
const { handler } = await import('../../functions/api-reviews/index.js');

const REVIEW_ID = `rv-${REFERRAL_ID}`;

function decide(body: unknown, claims: Claims = CLAIMS.reviewer, reviewId = REVIEW_ID) {
  return handler(
    apiEvent('POST', {
      resource: '/reviews/{reviewId}/decision',
      params: { reviewId },
      body,
      claims,
    }),
  ).then(answer);
}

function storeReview(review = storedReview()) {
  ddb.on(GetCommand, { Key: keys.review(review.reviewId) }).resolves({ Item: review });
  return review;
}

function expectNothingChanged() {
  expect(writeCalls(ddb)).toHaveLength(0);
  expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
}

const deny = {
  outcome: 'DENY',
  reasonCodes: ['A4_NOT_MET'],
  note: 'No expected improvement within 12 weeks is documented.',
};

describe('POST /reviews/{reviewId}/decision', () => {
  it('records the decision, then sends it with the stored task token, and answers 200', async () => {
    storeReview();
    const res = await decide(deny);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      reviewId: REVIEW_ID,
      referralId: REFERRAL_ID,
      kind: 'INITIAL',
      outcome: 'DENY',
      decidedBy: { id: 'reviewer-7', credential: 'MD' },
      decidedAt: '2026-11-22T15:00:00.000Z',
    });

    // OPEN → DECIDED, guarded so that of two racing decisions only one is written
    const [put] = transactItems(ddb);
    expect(put?.Put).toMatchObject({
      ConditionExpression: '#status = :open',
      ExpressionAttributeValues: { ':open': 'OPEN' },
      Item: {
        ...keys.review(REVIEW_ID),
        status: 'DECIDED',
        decision: { outcome: 'DENY', note: deny.note, reviewer: { id: 'reviewer-7', credential: 'MD' } },
      },
    });

    const sends = sfn.commandCalls(SendTaskSuccessCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.args[0].input.taskToken).toBe(TASK_TOKEN);
    expect(JSON.parse(sends[0]!.args[0].input.output ?? '')).toEqual({
      reviewId: REVIEW_ID,
      outcome: 'DENY',
      reasonCodes: ['A4_NOT_MET'],
      note: deny.note,
      reviewer: { id: 'reviewer-7', credential: 'MD' },
      decidedAt: '2026-11-22T15:00:00.000Z',
    });
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.calledBefore(sends[0]!)).toBe(true);
    expect(res.raw).not.toContain(TASK_TOKEN);
  });

  it('a CONTINUE on a continuation review passes approvedVisits through', async () => {
    storeReview(
      storedReview({
        reviewId: 'rv-visit-v1',
        kind: 'CONTINUATION',
        visitId: 'v1',
        recommendation: 'STOP',
        reasons: ['NO_MEANINGFUL_PROGRESS'],
      }),
    );
    const res = await decide({ outcome: 'CONTINUE', approvedVisits: 4 }, CLAIMS.reviewer, 'rv-visit-v1');
    expect(res.status).toBe(200);
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output ?? '');
    expect(output).toMatchObject({ outcome: 'CONTINUE', approvedVisits: 4, reasonCodes: [] });
  });

  describe('rejected decisions change nothing', () => {
    it.each([
      ['DENY without a note', { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'] }, ['note']],
      ['DENY without reason codes', { outcome: 'DENY', note: 'not needed' }, ['reasonCodes']],
      ['STOP with neither', { outcome: 'STOP' }, ['note', 'reasonCodes']],
      ['an unknown outcome', { outcome: 'MAYBE' }, ['outcome']],
      ['an unknown reason code', { outcome: 'APPROVE', reasonCodes: ['LOOKS_FINE'] }, ['reasonCodes.0']],
    ])('%s is 422 naming the fields', async (_case, body, fields) => {
      storeReview();
      const res = await decide(body);
      expect(res.status).toBe(422);
      expect(
        errorOf(res)
          .details?.map((d) => d.field)
          .sort(),
      ).toEqual(fields);
      expectNothingChanged();
    });

    it('an outcome of the other kind (CONTINUE on an INITIAL review) is 422 on outcome', async () => {
      storeReview();
      const res = await decide({ outcome: 'CONTINUE' });
      expect(res.status).toBe(422);
      expect(errorOf(res).details).toEqual([
        { field: 'outcome', message: expect.stringContaining('APPROVE or DENY') },
      ]);
      expectNothingChanged();
    });

    it('malformed JSON is 400', async () => {
      storeReview();
      const res = await decide('{"outcome":');
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('MALFORMED_JSON');
      expectNothingChanged();
    });

    it.each([
      ['a portal user', CLAIMS.portal],
      ['an admin', CLAIMS.admin],
      ['a reviewer without a credential claim', CLAIMS.reviewerWithoutCredential],
    ])('%s is 403', async (_who, claims) => {
      storeReview();
      const res = await decide({ outcome: 'APPROVE' }, claims);
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('FORBIDDEN');
      expectNothingChanged();
    });

    it('an unknown review is 404', async () => {
      const res = await decide({ outcome: 'APPROVE' }, CLAIMS.reviewer, 'rv-nope');
      expect(res.status).toBe(404);
      expectNothingChanged();
    });

    it('a review already decided is 409 REVIEW_ALREADY_DECIDED', async () => {
      storeReview(storedReview({ status: 'DECIDED' }));
      const res = await decide({ outcome: 'APPROVE' });
      expect(res.status).toBe(409);
      expect(errorOf(res).code).toBe('REVIEW_ALREADY_DECIDED');
      expectNothingChanged();
    });
  });

  it('losing the race to another reviewer (conditional check failed) is 409 REVIEW_ALREADY_DECIDED and sends nothing', async () => {
    storeReview();
    ddb.on(TransactWriteCommand).rejects(awsErrors.transactionCanceled(['ConditionalCheckFailed']));
    const res = await decide({ outcome: 'APPROVE' });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('REVIEW_ALREADY_DECIDED');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('when the workflow has gone (%s) it is 409 REVIEW_NOT_AWAITING_DECISION and the review is put back OPEN', async (_name, error) => {
    storeReview();
    sfn.on(SendTaskSuccessCommand).rejects(error());
    const res = await decide({ outcome: 'APPROVE' });

    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('REVIEW_NOT_AWAITING_DECISION');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    const restored = transactItems(ddb, 1)[0]?.Put?.Item;
    expect(restored).toMatchObject({ ...keys.review(REVIEW_ID), status: 'OPEN', taskToken: TASK_TOKEN });
    expect(restored?.decision).toBeUndefined();
    // back in the open-reviews queue
    expect(restored?.GSI1PK).toBe('REVIEWS#OPEN');
    expect(res.raw).not.toContain(TASK_TOKEN);
  });

  it('throttling on the decision write is 503 and sends nothing', async () => {
    storeReview();
    ddb.on(TransactWriteCommand).rejects(awsErrors.provisionedThroughputExceeded());
    const res = await decide({ outcome: 'APPROVE' });
    expect(res.status).toBe(503);
    expect(errorOf(res).code).toBe('SERVICE_UNAVAILABLE');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});

describe('reading reviews', () => {
  const read = (resource: string, params: Record<string, string> = {}, query?: Record<string, string>) =>
    handler(apiEvent('GET', { resource, params, query, claims: CLAIMS.reviewer })).then(answer);

  it('GET /reviews/{reviewId} shows the review and its evidence, never the task token', async () => {
    const review = storeReview();
    ddb
      .on(QueryCommand)
      .resolves({ Items: [storedReferral({ status: 'PENDING_REVIEW', reviewIds: [REVIEW_ID] })] });
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [review] } });
    const res = await read('/reviews/{reviewId}', { reviewId: REVIEW_ID });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      reviewId: REVIEW_ID,
      allowedOutcomes: ['APPROVE', 'DENY', 'REQUEST_INFORMATION'],
      evidence: { referral: { referralId: REFERRAL_ID, reviews: [{ reviewId: REVIEW_ID }] } },
    });
    expect(res.raw).not.toContain(TASK_TOKEN);
    expect(res.raw).not.toContain('taskToken');
  });

  it('GET /reviews/{reviewId} shows every review of the referral when DynamoDB leaves keys unprocessed', async () => {
    const review = storeReview();
    const later = storedReview({
      reviewId: 'rv-visit-1',
      kind: 'CONTINUATION',
      visitId: 'visit-1',
      createdAt: '2026-11-23T09:00:00.000Z',
    });
    ddb.on(QueryCommand).resolves({
      Items: [storedReferral({ status: 'PENDING_REVIEW', reviewIds: [REVIEW_ID, later.reviewId] })],
    });
    // Throttled: the first batch answers one review and hands the other back unprocessed.
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [review] },
        UnprocessedKeys: { [TABLE]: { Keys: [keys.review(later.reviewId)], ConsistentRead: true } },
      })
      .resolves({ Responses: { [TABLE]: [{ ...keys.review(later.reviewId), ...later }] } });
    const res = await read('/reviews/{reviewId}', { reviewId: REVIEW_ID });
    expect(res.status).toBe(200);
    expect(res.body.evidence.referral.reviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([
      REVIEW_ID,
      later.reviewId,
    ]);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(2);
  });

  it('GET /reviews?status=open lists open reviews without their task tokens', async () => {
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: [storedReview()] });
    const res = await read('/reviews', {}, { status: 'open' });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ reviewId: REVIEW_ID, kind: 'INITIAL' })]);
    expect(res.raw).not.toContain(TASK_TOKEN);
  });

  it('a portal user cannot list reviews', async () => {
    const res = await handler(
      apiEvent('GET', { resource: '/reviews', query: { status: 'open' }, claims: CLAIMS.portal }),
    ).then(answer);
    expect(res.status).toBe(403);
  });
});

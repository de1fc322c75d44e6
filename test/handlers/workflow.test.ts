import './env.js';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { parseReferral } from '../../shared/schemas.js';
import {
  member,
  ORDERING_NPI,
  provider,
  RENDERING_NPI,
  referralBody,
  TODAY,
  visitBody,
} from '../fixtures.js';
import {
  awsErrors,
  putWithSk,
  REFERRAL_ID,
  storedReferral,
  storedReview,
  storedVisit,
  storeForBatchGet,
  TABLE,
  transactItems,
  useAwsMocks,
  writeCalls,
} from './support.js';

const { ddb } = useAwsMocks();
const evaluate = (await import('../../functions/wf-evaluate/index.js')).handler;
const reReview = (await import('../../functions/wf-rereview/index.js')).handler;

/** What Evaluate reads: the referral, the member, both providers and the member's yearly ledger. */
function storeEvaluationInputs(clinical: Record<string, unknown> = {}) {
  const body = referralBody();
  const request = parseReferral({ ...body, clinical: { ...body.clinical, ...clinical } }, TODAY);
  const referral = storedReferral({
    status: 'RECEIVED',
    receivedAt: '2026-11-22T14:59:00.000Z',
    decisionDueAt: '2026-11-25T14:59:00.000Z',
    request,
    reasons: [],
    lines: [],
    authorization: undefined,
    decidedBy: undefined,
    decidedAt: undefined,
    version: 1,
  });
  // The referral (head and case) in one BatchGetItem; then the member, the yearly ledger and both
  // providers in another.
  const { request: stored, ...head } = referral;
  const items = [
    head,
    { ...keys.referralCase(REFERRAL_ID), referralId: REFERRAL_ID, request: stored },
    { ...keys.member('M-1001'), ...member() },
    { ...keys.provider(RENDERING_NPI), ...provider({ credentials: ['LMT'] }) },
    { ...keys.provider(ORDERING_NPI), ...provider({ credentials: ['MD'] }) },
    { ...keys.memberYear('M-1001', 2026), visitsUsed: 1 },
  ];
  storeForBatchGet(ddb, items);
  return items;
}

describe('wf-evaluate', () => {
  it('a clean commercial referral needs no review: approved on criteria A, reading only', async () => {
    storeEvaluationInputs();
    const out = await evaluate({ referralId: REFERRAL_ID });
    expect(out).toMatchObject({
      referralId: REFERRAL_ID,
      needsReview: false,
      alreadyFinal: false,
      determination: {
        status: 'APPROVED',
        reasons: ['CRITERIA_A_MET'],
        authorization: { visitsAuthorized: 6, validFrom: '2026-12-01' },
      },
    });
    // the due time is 72 h after receipt, one minute after it was received
    expect(out.reviewTimeoutSeconds).toBe(72 * 3600 - 60);
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('expected improvement beyond 12 weeks (A4 unmet) needs a reviewer, recommending DENY', async () => {
    storeEvaluationInputs({ expectedImprovement: { withinWeeks: 20 } });
    const out = await evaluate({ referralId: REFERRAL_ID });
    expect(out.needsReview).toBe(true);
    expect(out.determination).toMatchObject({
      status: 'PENDING_REVIEW',
      reasons: ['A4_NOT_MET'],
      recommendation: 'DENY',
    });
    expect(out.determination.criteria.find((c) => c.id === 'A4')?.met).toBe(false);
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('a referral already decided is not sent to review again', async () => {
    const items = storeEvaluationInputs({ expectedImprovement: { withinWeeks: 20 } });
    storeForBatchGet(ddb, [{ ...items[0], status: 'DENIED' }, ...items.slice(1)]);
    const out = await evaluate({ referralId: REFERRAL_ID });
    expect(out).toMatchObject({ alreadyFinal: true, needsReview: false });
  });

  it('told what it reads (the execution input), reads the referral, member, ledger and providers in one BatchGetItem', async () => {
    storeEvaluationInputs();
    const reads = { memberId: 'M-1001', year: 2026, npis: [RENDERING_NPI, ORDERING_NPI] };
    const out = await evaluate({ referralId: REFERRAL_ID, reads });
    expect(out.determination).toMatchObject({ status: 'APPROVED', authorization: { visitsAuthorized: 6 } });
    const batches = ddb.commandCalls(BatchGetCommand);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.args[0].input.RequestItems?.[TABLE]?.Keys).toHaveLength(6);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('told reads the case no longer names (another member), reads what the case names instead', async () => {
    storeEvaluationInputs();
    const out = await evaluate({
      referralId: REFERRAL_ID,
      reads: { memberId: 'M-OTHER', year: 2026, npis: [RENDERING_NPI, ORDERING_NPI] },
    });
    // decided on M-1001 (covered, 1 visit used), not on the absent M-OTHER (which would deny)
    expect(out.determination).toMatchObject({ status: 'APPROVED', authorization: { visitsAuthorized: 6 } });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(2);
  });

  it('input without a referralId fails with ValidationError (the workflow routes it to its failure path)', async () => {
    await expect(evaluate({ referral: REFERRAL_ID })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('an unknown referral fails with NotFoundError', async () => {
    await expect(evaluate({ referralId: 'ref-missing' })).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('throttling fails with TransientError, the one error the workflow retries', async () => {
    ddb.on(BatchGetCommand).rejects(awsErrors.provisionedThroughputExceeded());
    await expect(evaluate({ referralId: REFERRAL_ID })).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('wf-rereview', () => {
  const visitCompleted = (body = visitBody(), id = 'event-1') => ({
    version: '0',
    id,
    source: 'prior-auth.visits',
    'detail-type': 'VisitCompleted',
    detail: { schemaVersion: '1', referralId: REFERRAL_ID, visit: body },
  });

  const recordedReferral = () =>
    storedReferral({ authorization: { ...storedReferral().authorization!, visitsUsed: 1 }, version: 4 });

  function storeMember() {
    // The member and their yearly ledger, read together in one BatchGetItem.
    storeForBatchGet(ddb, [
      { ...keys.member('M-1001'), ...member() },
      { ...keys.memberYear('M-1001', 2026), visitsUsed: 1 },
    ]);
  }

  it.each([
    ['no detail', { id: 'e1', source: 'prior-auth.visits' }],
    [
      'an unknown schema version',
      { detail: { schemaVersion: '2', referralId: REFERRAL_ID, visit: visitBody() } },
    ],
    [
      'a visit that is not valid',
      { detail: { schemaVersion: '1', referralId: REFERRAL_ID, visit: { visitId: 'x' } } },
    ],
    ['not an object', 'VisitCompleted'],
  ])('an event with %s fails with ValidationError (→ DLQ) and writes nothing', async (_case, event) => {
    const error = await reReview(event).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ValidationError');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('claims the visit and re-reviews it: an early visit with progress continues', async () => {
    ddb.on(QueryCommand).resolves({ Items: [recordedReferral(), storedVisit()] });
    storeMember();
    const out = await reReview(visitCompleted());
    expect(out).toMatchObject({
      duplicate: false,
      needsReview: false,
      referralId: REFERRAL_ID,
      visitId: visitBody().visitId,
      outcome: { action: 'CONTINUE' },
    });
    const claims = ddb.commandCalls(UpdateCommand);
    expect(claims).toHaveLength(1);
    expect(claims[0]!.args[0].input).toMatchObject({
      Key: keys.visit(REFERRAL_ID, visitBody().visitId),
      ConditionExpression: expect.stringContaining('attribute_not_exists(reReviewClaim)'),
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('a duplicate delivery (the claim’s conditional update fails) returns duplicate:true and re-reviews nothing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [recordedReferral(), storedVisit()] });
    storeMember();
    ddb.on(UpdateCommand).rejects(awsErrors.conditionalCheckFailed());
    const out = await reReview(visitCompleted(visitBody(), 'event-2'));
    expect(out).toMatchObject({ duplicate: true, needsReview: false });
    expect(out.outcome).toBeUndefined();
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('the delivery that holds the claim, coming again (a retry, a redrive), re-reviews the visit without claiming it twice', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [recordedReferral(), storedVisit(visitBody(), { reReviewClaim: 'event-1' })],
    });
    storeMember();
    const out = await reReview(visitCompleted(visitBody(), 'event-1'));
    expect(out).toMatchObject({ duplicate: false, needsReview: false, outcome: { action: 'CONTINUE' } });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('another delivery finds the visit claimed and is a duplicate, without writing', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [recordedReferral(), storedVisit(visitBody(), { reReviewClaim: 'event-1' })],
    });
    storeMember();
    const out = await reReview(visitCompleted(visitBody(), 'event-2'));
    expect(out).toMatchObject({ duplicate: true, needsReview: false });
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('claimed, review open, not recorded: the claiming delivery waits on the same review again', async () => {
    const reviewId = `rv-visit-${visitBody().visitId}`;
    const pending = {
      action: 'REVIEW' as const,
      reasons: ['NO_MEANINGFUL_PROGRESS' as const],
      explanation: 'No meaningful improvement.',
      at: '2026-11-22T10:00:00.000Z',
      reviewId,
    };
    ddb.on(QueryCommand).resolves({
      Items: [recordedReferral(), storedVisit(visitBody(), { reReviewClaim: 'event-1', reReview: pending })],
    });
    const dueAt = new Date(Date.now() + 3600_000).toISOString();
    ddb
      .on(GetCommand, { Key: keys.review(reviewId) })
      .resolves({ Item: storedReview({ reviewId, kind: 'CONTINUATION', dueAt, recommendation: 'STOP' }) });
    const out = await reReview(visitCompleted(visitBody(), 'event-1'));
    expect(out).toMatchObject({
      duplicate: false,
      needsReview: true,
      dueAt,
      outcome: { action: 'REVIEW', recommendation: 'STOP', reasons: ['NO_MEANINGFUL_PROGRESS'] },
    });
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('a visit published straight onto the bus by a clinic is recorded first, then claimed', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [storedReferral()] })
      .resolves({ Items: [recordedReferral(), storedVisit()] });
    storeMember();
    const out = await reReview(visitCompleted());
    expect(out.duplicate).toBe(false);
    const items = transactItems(ddb);
    expect(putWithSk(items, 'VISIT#')?.Item).toMatchObject({ visitId: visitBody().visitId });
    expect(putWithSk(items, 'HISTORY#')?.Item).toMatchObject({ event: 'VISIT_RECORDED', actor: 'system' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('the same visitId with another body from the bus is refused with a domain error, not retried', async () => {
    ddb.on(QueryCommand).resolves({ Items: [recordedReferral(), storedVisit()] });
    const other = visitBody({ outcomeMeasures: [{ instrument: 'ODI', score: 20 }] });
    await expect(reReview(visitCompleted(other))).rejects.toMatchObject({ code: 'VISIT_ID_CONFLICT' });
    expect(writeCalls(ddb)).toHaveLength(0);
  });
});

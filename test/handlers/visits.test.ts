import './env.js';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import type { AuthorizationRecord } from '../../shared/model.js';
import { member, visitBody } from '../fixtures.js';
import {
  answer,
  apiEvent,
  awsErrors,
  BUS,
  CLAIMS,
  type Claims,
  errorOf,
  putWithSk,
  REFERRAL_ID,
  storedReferral,
  storedVisit,
  storeForBatchGet,
  TABLE,
  transactItems,
  useAwsMocks,
  writeCalls,
} from './support.js';

const { ddb, events } = useAwsMocks();
const { handler } = await import('../../functions/api-visits/index.js');

const VISIT_ID = visitBody().visitId;

function record(body: unknown, claims: Claims | null = CLAIMS.portal, id = REFERRAL_ID) {
  return handler(apiEvent('POST', { resource: '/referrals/{id}/visits', params: { id }, body, claims })).then(
    answer,
  );
}

/** The referral's partition (referral and visits), the member and the member's yearly ledger. */
function stored(
  opts: {
    referral?: ReturnType<typeof storedReferral>;
    visits?: Record<string, unknown>[];
    visitsUsed?: number;
  } = {},
) {
  ddb
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `REFERRAL#${REFERRAL_ID}` } })
    .resolves({ Items: [opts.referral ?? storedReferral(), ...(opts.visits ?? [])] });
  // The member and their yearly ledger, read together in one BatchGetItem.
  storeForBatchGet(ddb, [
    { ...keys.member('M-1001'), ...member() },
    ...(opts.visitsUsed === undefined
      ? []
      : [{ ...keys.memberYear('M-1001', 2026), visitsUsed: opts.visitsUsed }]),
  ]);
}

function withAuthorization(auth: Partial<AuthorizationRecord> | null) {
  const base = storedReferral();
  return storedReferral(
    auth === null
      ? { status: 'PENDING_REVIEW', authorization: undefined }
      : { authorization: { ...base.authorization!, ...auth } },
  );
}

function expectNothingChanged() {
  expect(writeCalls(ddb)).toHaveLength(0);
  expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
}

describe('POST /referrals/{id}/visits', () => {
  it('records the visit, the authorization count, the yearly ledger and history in one transaction, then announces VisitCompleted', async () => {
    stored({ visitsUsed: 2 });
    const res = await record(visitBody());

    expect(res.status).toBe(202);
    // Reads: the referral's partition, then the member and their ledger together (no GetItem).
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems)).toEqual([
      { [TABLE]: { Keys: [keys.member('M-1001'), keys.memberYear('M-1001', 2026)], ConsistentRead: true } },
    ]);
    expect(res.body).toEqual({
      visitId: VISIT_ID,
      billing: {
        method: 'PER_CODE',
        lines: [
          {
            cpt: '97124',
            minutes: 30,
            units: 2,
            modifiers: [],
            // chiropractic manipulation the same day and no 59/XS modifier
            separatelyPayable: false,
            edits: ['NCCI_MODIFIER_REQUIRED'],
          },
        ],
      },
    });

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = transactItems(ddb);
    expect(items).toHaveLength(4);
    expect(putWithSk(items, 'VISIT#')).toMatchObject({
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: { ...keys.visit(REFERRAL_ID, VISIT_ID), visitNumber: 1, visit: { date: '2026-11-21' } },
    });
    // The authorization's count changes in place, version-checked; the referral's case is not rewritten.
    const referral = items.find((i) => i.Update?.Key?.SK === 'REFERRAL')?.Update;
    expect(referral?.Key).toEqual(keys.referral(REFERRAL_ID));
    const names = referral?.ExpressionAttributeNames ?? {};
    const alias = (name: string) => Object.keys(names).find((k) => names[k] === name);
    const values = referral?.ExpressionAttributeValues ?? {};
    expect(referral?.ConditionExpression).toBe(
      `${alias('version')} = ${Object.keys(values).find((k) => values[k] === 3)}`,
    );
    expect(referral?.UpdateExpression).toContain(
      `${alias('authorization')}.${alias('visitsUsed')} = ${alias('authorization')}.${alias('visitsUsed')} + `,
    );
    expect(Object.values(values)).toEqual(expect.arrayContaining([1, 4]));
    expect(items.some((i) => i.Put?.Item?.SK === 'CASE')).toBe(false);
    expect(items.find((i) => i.Update && i.Update.Key?.SK !== 'REFERRAL')?.Update).toMatchObject({
      Key: keys.memberYear('M-1001', 2026),
      UpdateExpression: 'ADD visitsUsed :one',
      ExpressionAttributeValues: { ':one': 1, ':allowance': 12 },
    });
    expect(putWithSk(items, 'HISTORY#')?.Item).toMatchObject({
      event: 'VISIT_RECORDED',
      actor: { id: 'portal-user-1', role: 'portal' },
    });

    const published = events.commandCalls(PutEventsCommand);
    expect(published).toHaveLength(1);
    const [entry] = published[0]!.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({
      EventBusName: BUS,
      Source: 'prior-auth.visits',
      DetailType: 'VisitCompleted',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toMatchObject({
      schemaVersion: '1',
      referralId: REFERRAL_ID,
      visit: { visitId: VISIT_ID, date: '2026-11-21' },
    });
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.calledBefore(published[0]!)).toBe(true);
  });

  it('a visit dated tomorrow is 422 on date and reads or writes nothing', async () => {
    stored();
    const res = await record(visitBody({ date: '2026-11-23' }));
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(['date']);
    expect(ddb.calls()).toHaveLength(0);
    expectNothingChanged();
  });

  it('a score outside its instrument’s range is 422 naming the field', async () => {
    stored();
    const res = await record(visitBody({ outcomeMeasures: [{ instrument: 'NDI', score: 51 }] }));
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(['outcomeMeasures.0.score']);
    expectNothingChanged();
  });

  it.each([
    ['no authorization', null],
    ['an authorization pending review', { status: 'PENDING_REVIEW' as const }],
    ['no visits left', { visitsUsed: 6 }],
    ['a date before validFrom', { validFrom: '2026-11-22' }],
    ['a code not approved', { approvedCpts: ['97140'] }],
  ])('%s is 409 VISIT_NOT_AUTHORIZED and changes nothing', async (_case, auth) => {
    stored({ referral: withAuthorization(auth) });
    const res = await record(visitBody());
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('VISIT_NOT_AUTHORIZED');
    expectNothingChanged();
  });

  it('a member with no visits left this year is 409 VISIT_NOT_AUTHORIZED', async () => {
    stored({ visitsUsed: 12 });
    const res = await record(visitBody());
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('VISIT_NOT_AUTHORIZED');
    expectNothingChanged();
  });

  it('the same visitId with the same body answers as the first time, with no write and no second event', async () => {
    const first = storedVisit();
    stored({ visits: [first] });
    const res = await record(visitBody());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ visitId: VISIT_ID, billing: first.billing });
    expectNothingChanged();
  });

  it('the same visitId with another body is 409 VISIT_ID_CONFLICT', async () => {
    stored({ visits: [storedVisit()] });
    const res = await record(visitBody({ outcomeMeasures: [{ instrument: 'ODI', score: 30 }] }));
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('VISIT_ID_CONFLICT');
    expectNothingChanged();
  });

  it('another portal’s referral is 404 and nothing is recorded', async () => {
    stored();
    const res = await record(visitBody(), CLAIMS.otherPortal);
    expect(res.status).toBe(404);
    expectNothingChanged();
  });

  it('an unknown referral is 404', async () => {
    const res = await record(visitBody(), CLAIMS.portal, 'ref-missing');
    expect(res.status).toBe(404);
    expectNothingChanged();
  });

  it.each([
    ['a reviewer', CLAIMS.reviewer],
    ['no claims', null],
  ])('%s cannot record a visit', async (_who, claims) => {
    stored();
    const res = await record(visitBody(), claims);
    expect(res.status).toBe(claims ? 403 : 401);
    expectNothingChanged();
  });

  it('throttling on the transaction is 503 and announces nothing', async () => {
    stored();
    ddb.on(TransactWriteCommand).rejects(awsErrors.provisionedThroughputExceeded());
    const res = await record(visitBody());
    expect(res.status).toBe(503);
    expect(errorOf(res).code).toBe('SERVICE_UNAVAILABLE');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('a transaction cancelled for a conflicting transaction is 503 (worth a retry), not a conflict', async () => {
    stored();
    ddb
      .on(TransactWriteCommand)
      .rejects(awsErrors.transactionCanceled(['TransactionConflict', 'None', 'None', 'None']));
    const res = await record(visitBody());
    expect(res.status).toBe(503);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('an event the bus refuses still answers 202: the visit is stored and marked for the reconciliation', async () => {
    stored();
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const res = await record(visitBody());
    expect(res.status).toBe(202);
    expect(putWithSk(transactItems(ddb), 'VISIT#')?.Item).toMatchObject({ GSI2PK: 'RECONCILE#VISIT' });
  });
});

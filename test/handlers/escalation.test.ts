import './env.js';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { REFERRAL_ID, storedReview, TASK_TOKEN, transactItems, useAwsMocks } from './support.js';

const { ddb, events } = useAwsMocks();
const escalate = (await import('../../functions/wf-escalate-review/index.js')).handler;

describe('wf-escalate-review', () => {
  it('flags the overdue review, notes it in the history and puts ReviewOverdue — without deciding it', async () => {
    ddb
      .on(GetCommand, { Key: keys.review(`rv-${REFERRAL_ID}`) })
      .resolves({ Item: storedReview({ dueAt: '2026-11-22T09:00:00.000Z' }) });
    await escalate({ state: { referralId: REFERRAL_ID }, kind: 'INITIAL' });

    const items = transactItems(ddb);
    const review = items.find((i) => String(i.Put?.Item?.SK) === 'REVIEW')?.Put?.Item;
    expect(review).toMatchObject({ status: 'OPEN', escalated: true, escalatedAt: expect.any(String) });
    expect(review?.decision).toBeUndefined();
    expect(
      items.some(
        (i) => String(i.Put?.Item?.SK).startsWith('HISTORY#') && i.Put?.Item?.event === 'REVIEW_ESCALATED',
      ),
    ).toBe(true);

    const put = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(put).toMatchObject({ Source: 'prior-auth.reviews', DetailType: 'ReviewOverdue' });
    const detail = JSON.parse(put?.Detail ?? '{}');
    expect(detail).toEqual({
      schemaVersion: '1',
      reviewId: `rv-${REFERRAL_ID}`,
      referralId: REFERRAL_ID,
      kind: 'INITIAL',
      dueAt: '2026-11-22T09:00:00.000Z',
      escalatedAt: expect.any(String),
    });
    expect(JSON.stringify(detail)).not.toContain(TASK_TOKEN);
  });

  it('leaves a review that was decided in the meantime alone', async () => {
    ddb
      .on(GetCommand, { Key: keys.review(`rv-${REFERRAL_ID}`) })
      .resolves({ Item: storedReview({ status: 'DECIDED' }) });
    const result = await escalate({ state: { referralId: REFERRAL_ID }, kind: 'INITIAL' });
    expect(result).toMatchObject({ escalated: false });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

import './env.js';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { referralBody } from '../fixtures.js';

const events = mockClient(EventBridgeClient);
afterEach(() => events.reset());

const { handler } = await import('../../functions/notify-publish/index.js');

const referralItem = (overrides: Record<string, unknown>) => ({
  PK: 'REFERRAL#ref-1',
  SK: 'REFERRAL',
  referralId: 'ref-1',
  portalId: 'P-100',
  request: referralBody(),
  reasons: [],
  version: 1,
  status: 'PENDING_REVIEW',
  ...overrides,
});

function streamEvent(before: Record<string, unknown>, after: Record<string, unknown>): DynamoDBStreamEvent {
  return {
    Records: [
      {
        eventID: '1',
        eventName: 'MODIFY',
        dynamodb: {
          ApproximateCreationDateTime: 1_796_000_000,
          Keys: marshall({ PK: 'REFERRAL#ref-1', SK: 'REFERRAL' }) as never,
          OldImage: marshall(before, { removeUndefinedValues: true }) as never,
          NewImage: marshall(after, { removeUndefinedValues: true }) as never,
        },
      },
    ],
  };
}

describe('notify-publish (the outbox publisher)', () => {
  it('puts the notifications a referral change announces on the bus, ids and codes only', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }, { EventId: 'e2' }] });
    await handler(
      streamEvent(
        referralItem({}),
        referralItem({
          version: 2,
          status: 'APPROVED',
          reasons: ['REVIEWER_APPROVED'],
          decidedAt: '2026-12-01T10:00:00.000Z',
          authorization: { status: 'ACTIVE', reasons: [], visitsAuthorized: 6 },
        }),
      ),
    );
    const entries = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['prior-auth-test-bus', 'prior-auth.notifications', 'NotificationRaised'],
      ['prior-auth-test-bus', 'prior-auth.notifications', 'NotificationRaised'],
    ]);
    const details = entries.map((e) => JSON.parse(e.Detail ?? '{}'));
    expect(details[0]).toEqual({
      schemaVersion: '1',
      portalId: 'P-100',
      event: {
        id: expect.stringMatching(/^evt-[0-9a-f]{32}$/),
        type: 'referral.decided',
        occurredAt: '2026-12-01T10:00:00.000Z',
        referralId: 'ref-1',
        status: 'APPROVED',
        reasons: ['REVIEWER_APPROVED'],
      },
    });
    expect(details[1].event).toMatchObject({ type: 'authorization.changed', status: 'ACTIVE' });
    // The images carry the clinical request; none of it leaves.
    expect(JSON.stringify(entries)).not.toMatch(/M-1001|M54|lumbar|sitting/);
  });

  it('puts nothing for a change that announces nothing, and fails the batch when the bus refuses', async () => {
    await handler(streamEvent(referralItem({}), referralItem({ version: 2 })));
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);

    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(
      handler(streamEvent(referralItem({}), referralItem({ version: 2, status: 'DENIED', reasons: ['X'] }))),
    ).rejects.toThrow(/refused/);
  });
});

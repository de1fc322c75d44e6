import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createEventsProtocolHandler,
  createLocalEventBridge,
  type EventEnvelope,
  type EventRule,
  matchesPattern,
} from '../../infra/local/eventbridge.js';
import { serveAwsJson } from '../../infra/local/sfn-endpoint.js';
import type { RuleTarget } from '../../infra/local/template.js';

// A DynamoDB stream record as the notifications mapping's filter sees it.
const record = {
  eventName: 'MODIFY',
  dynamodb: { Keys: { PK: { S: 'REFERRAL#R-1' }, SK: { S: 'REFERRAL' } } },
  tags: ['a', 'b'],
};

describe('matchesPattern (exact values, as the templates use them)', () => {
  it.each([
    ['a listed value', { eventName: ['INSERT', 'MODIFY'] }, true],
    ['an unlisted value', { eventName: ['REMOVE'] }, false],
    ['every field (AND)', { eventName: ['MODIFY'], dynamodb: { Keys: { SK: { S: ['REFERRAL'] } } } }, true],
    [
      'a nested field that differs',
      { eventName: ['MODIFY'], dynamodb: { Keys: { SK: { S: ['VISIT'] } } } },
      false,
    ],
    ['a missing field', { dynamodb: { NewImage: { status: { S: ['APPROVED'] } } } }, false],
    ['one element of an array', { tags: ['b'] }, true],
    ['no element of an array', { tags: ['c'] }, false],
  ])('matches %s: %j', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, record)).toBe(expected);
  });
});

const visitRule = (targets: RuleTarget[], eventBusName = 'prior-auth'): EventRule => ({
  name: 'visit-completed',
  eventBusName,
  eventPattern: { source: ['prior-auth.visits'], 'detail-type': ['VisitCompleted'] },
  targets,
});

const visitEntry = (extra: Record<string, unknown> = {}) => ({
  Source: 'prior-auth.visits',
  DetailType: 'VisitCompleted',
  Detail: JSON.stringify({ referralId: 'R-1', visitId: 'V-1' }),
  EventBusName: 'prior-auth',
  ...extra,
});

function collectingBus(rules: EventRule[]) {
  const deliveries: { target: string; event: EventEnvelope }[] = [];
  const bus = createLocalEventBridge({
    rules,
    deliver: (target, event) => {
      deliveries.push({ target: target.id, event });
    },
  });
  return { bus, deliveries };
}

describe('createLocalEventBridge', () => {
  it('builds the event envelope and delivers to matching rules on the same bus only', async () => {
    const { bus, deliveries } = collectingBus([
      visitRule([{ id: 'workflow', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Continuation' }]),
      visitRule([{ id: 'default-bus', arn: 'arn:aws:sqs:us-east-1:000000000000:q' }], 'default'),
      {
        name: 'other',
        eventBusName: 'prior-auth',
        eventPattern: { source: ['prior-auth.reviews'] },
        targets: [{ id: 'never', arn: 'arn:x' }],
      },
    ]);
    const response = await bus.putEvents([visitEntry({ Resources: ['arn:aws:states:::execution:x'] })]);
    expect(response).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(deliveries).toHaveLength(0); // delivery is asynchronous
    await bus.idle();
    expect(deliveries.map((d) => d.target)).toEqual(['workflow']);
    expect(deliveries[0]?.event).toEqual({
      version: '0',
      id: response.Entries[0]?.EventId,
      'detail-type': 'VisitCompleted',
      source: 'prior-auth.visits',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:aws:states:::execution:x'],
      detail: { referralId: 'R-1', visitId: 'V-1' },
    });
  });

  it("sends a delivery that failed to the target's dead-letter queue, logging ids only", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const deadLetter = vi.fn();
    try {
      const bus = createLocalEventBridge({
        rules: [
          visitRule([
            { id: 'with-dlq', arn: 'arn:a', deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
            { id: 'without', arn: 'arn:b' },
          ]),
        ],
        deliver: () => {
          throw new Error('down');
        },
        deadLetter,
      });
      const { Entries } = await bus.putEvents([visitEntry()]);
      await bus.idle();
      expect(deadLetter).toHaveBeenCalledTimes(1);
      const [queueArn, body] = deadLetter.mock.calls[0] as [string, string];
      expect(queueArn).toBe('arn:aws:sqs:us-east-1:000000000000:dlq');
      expect(JSON.parse(body)).toMatchObject({ id: Entries[0]?.EventId, detail: { referralId: 'R-1' } });
      expect(warn).toHaveBeenCalledTimes(2);
      for (const [line] of warn.mock.calls) expect(line).not.toContain('R-1');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('EventBridge AWS JSON protocol with the real @aws-sdk/client-eventbridge', () => {
  let server: Server;
  let client: EventBridgeClient;
  const { bus, deliveries } = collectingBus([visitRule([{ id: 'workflow', arn: 'arn:sm' }])]);

  beforeAll(async () => {
    const serve = serveAwsJson(createEventsProtocolHandler(bus));
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new EventBridgeClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise((r) => server.close(r));
  });

  it('puts events and returns AWS-shaped results', async () => {
    const out = await client.send(new PutEventsCommand({ Entries: [visitEntry(), visitEntry()] }));
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.map((e) => e.EventId)).toEqual([expect.any(String), expect.any(String)]);
    await bus.idle();
    expect(deliveries.map((d) => d.event.id)).toEqual(out.Entries?.map((e) => e.EventId));
  });
});

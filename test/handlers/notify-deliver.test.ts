/**
 * notify-deliver, the notification queue's consumer, as Lambda runs it: SQS records in, partial batch
 * failures out. The table (`./dynamodb-mock.ts`), KMS and SQS are mocked at the SDK; the receivers are real HTTP servers on
 * 127.0.0.1, so the POST, its signature header and the redirect handling are the real ones.
 */
import './env.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_ATTEMPTS, retryDelaySeconds } from '../../shared/notify/backoff.js';
import { verifySignature } from '../../shared/notify/signing.js';
import { startReceiver } from '../e2e/receiver.js';
import { mockDynamoDb } from './dynamodb-mock.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications';
const SECRET = 'whsec_test-secret-for-the-handler-test';
Object.assign(process.env, {
  NOTIFICATION_QUEUE_URL: QUEUE_URL,
  SECRET_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/data',
});

const ddb = mockDynamoDb();
const kms = mockClient(KMSClient);
const sqs = mockClient(SQSClient);

/** The handler as a stack builds it: loopback receivers allowed (the local stack) or not (AWS). */
async function loadHandler(allowLoopback: boolean) {
  process.env.ALLOW_LOOPBACK_ENDPOINTS = String(allowLoopback);
  vi.resetModules();
  return (await import('../../functions/notify-deliver/index.js')).handler;
}

const event = (n: number) => ({
  id: `evt-${String(n).padStart(32, '0')}`,
  type: 'referral.decided' as const,
  occurredAt: '2026-12-01T10:00:00.000Z',
  referralId: `ref-${n}`,
  status: 'APPROVED',
  reasons: ['REVIEWER_APPROVED'],
});

function record(messageId: string, body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:notifications',
    awsRegion: 'us-east-1',
  };
}
const delivery = (portalId: string, n: number) => ({
  kind: 'delivery',
  portalId,
  endpointId: 'webhook',
  event: event(n),
});
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The portal's webhook item, as the table returns it. */
function webhookAt(portalId: string, url: string) {
  ddb.on(GetCommand, { Key: { PK: `PORTAL#${portalId}`, SK: 'WEBHOOK' } }).resolves({
    Item: {
      PK: `PORTAL#${portalId}`,
      SK: 'WEBHOOK',
      portalId,
      url,
      secretCiphertext: Buffer.from(`sealed:${portalId}`).toString('base64'),
      createdAt: '2026-11-01T00:00:00.000Z',
    },
  });
}

/** The ledger updates made, as [portal, endpoint key, status, attempt result]. */
function ledger() {
  return ddb.commandCalls(UpdateCommand).map((c) => {
    const input = c.args[0].input;
    const values = input.ExpressionAttributeValues ?? {};
    return [
      String(input.Key?.PK),
      String(input.Key?.SK),
      values[':status'],
      (values[':attempt'] as { result: string }[] | undefined)?.[0]?.result,
    ];
  });
}

beforeEach(() => {
  ddb.on(GetCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET, 'utf8') });
  sqs.onAnyCommand().resolves({});
});
afterEach(() => {
  ddb.reset();
  kms.reset();
  sqs.reset();
});
afterAll(() => {
  ddb.restore();
  kms.restore();
  sqs.restore();
});

describe('notify-deliver (notification queue consumer)', () => {
  it('posts a signed event, fails only the records that failed, and backs each off by its receive count', async () => {
    const handler = await loadHandler(true);
    const ok = await startReceiver(() => 204);
    const down = await startReceiver(() => 503);
    try {
      webhookAt('P-OK', ok.url);
      webhookAt('P-DOWN', down.url);
      const res = await handler(
        batch(
          record('m-ok', delivery('P-OK', 1)),
          record('m-down', delivery('P-DOWN', 2), 3),
          record('m-bad', '{"kind":"delivery","portalId":"P-OK"}'),
        ),
      );
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm-down' }, { itemIdentifier: 'm-bad' }]);

      // The delivered one: the event as the body, signed with the portal's secret, its id in a header.
      expect(ok.received).toHaveLength(1);
      const [got] = ok.received;
      expect(JSON.parse(got?.body ?? '')).toEqual(event(1));
      expect(got?.headers['x-event-id']).toBe(event(1).id);
      const signature = String(got?.headers['x-signature']);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, signature, got?.body ?? '', Math.floor(Date.now() / 1000))).toEqual({
        ok: true,
      });
      // The secret was opened under the portal's encryption context only.
      expect(
        kms
          .commandCalls(DecryptCommand)
          .map((c) => c.args[0].input.EncryptionContext?.portalId)
          .sort(),
      ).toEqual(['P-DOWN', 'P-OK']);

      // The failed one: hidden for the third attempt's backoff (per endpoint, via the visibility timeout).
      expect(down.received).toHaveLength(1);
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
        { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-m-down', VisibilityTimeout: retryDelaySeconds(3) },
      ]);
      expect(retryDelaySeconds(3)).toBe(120);
      // The records ran side by side: the ledger's order is the receivers', not the batch's.
      expect(ledger().sort()).toEqual([
        ['PORTAL#P-DOWN', `DELIVERY#${event(2).id}#webhook`, 'RETRYING', '503'],
        ['PORTAL#P-OK', `DELIVERY#${event(1).id}#webhook`, 'DELIVERED', '204'],
      ]);
    } finally {
      await ok.stop();
      await down.stop();
    }
  });

  it('runs the records of a batch side by side: two slow receivers cost one wait, not two', async () => {
    const handler = await loadHandler(true);
    const slow = () => {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => setTimeout(() => res.writeHead(204).end(), 1000));
      });
      return new Promise<typeof server>((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
    };
    const servers = [await slow(), await slow()];
    try {
      for (const [i, s] of servers.entries()) {
        webhookAt(`P-SLOW${i}`, `http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
      }
      const started = Date.now();
      const res = await handler(
        batch(record('m-0', delivery('P-SLOW0', 20)), record('m-1', delivery('P-SLOW1', 21))),
      );
      const took = Date.now() - started;
      expect(res.batchItemFailures).toEqual([]);
      expect(took).toBeGreaterThanOrEqual(1000);
      expect(took).toBeLessThan(1900);
    } finally {
      for (const s of servers) await new Promise<void>((ok) => s.close(() => ok()));
    }
  });

  it('does not follow a redirect: a 3xx is a failed attempt and the Location is never asked', async () => {
    const handler = await loadHandler(true);
    const elsewhere = await startReceiver(() => 200);
    let asked = 0;
    const redirecting = createServer((req, res) => {
      asked += 1;
      req.resume();
      req.on('end', () => res.writeHead(307, { location: elsewhere.url }).end());
    });
    await new Promise<void>((ok) => redirecting.listen(0, '127.0.0.1', () => ok()));
    try {
      const { port } = redirecting.address() as AddressInfo;
      webhookAt('P-R', `http://127.0.0.1:${port}/hook`);
      const res = await handler(batch(record('m-r', delivery('P-R', 3))));
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm-r' }]);
      expect(asked).toBe(1);
      expect(elsewhere.received).toHaveLength(0);
      expect(ledger()).toEqual([['PORTAL#P-R', `DELIVERY#${event(3).id}#webhook`, 'RETRYING', 'REDIRECT']]);
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
    } finally {
      await elsewhere.stop();
      await new Promise<void>((ok) => redirecting.close(() => ok()));
    }
  });

  it('on AWS refuses loopback, private and metadata addresses without connecting', async () => {
    const handler = await loadHandler(false);
    const local = await startReceiver(() => 200);
    try {
      const port = new URL(local.url).port;
      const targets = {
        'P-LOOP': `https://127.0.0.1:${port}/hook`,
        'P-PLAIN': local.url,
        'P-META': 'https://169.254.169.254/latest/meta-data/',
        'P-PRIV': 'https://10.1.2.3/hook',
        'P-V6': 'https://[::ffff:192.168.0.1]/hook',
      };
      for (const [portalId, url] of Object.entries(targets)) webhookAt(portalId, url);
      const portals = Object.keys(targets);
      const res = await handler(batch(...portals.map((p, i) => record(`m-${p}`, delivery(p, 10 + i)))));
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(portals.map((p) => `m-${p}`));
      expect(local.received).toHaveLength(0);
      expect(
        ledger()
          .map(([pk, , status, result]) => [pk, status, result])
          .sort(),
      ).toEqual(portals.map((p) => [`PORTAL#${p}`, 'RETRYING', 'REFUSED']).sort());
    } finally {
      await local.stop();
    }
  });

  it('after the last attempt marks the delivery dead-lettered and leaves the message to the redrive policy', async () => {
    const handler = await loadHandler(true);
    const down = await startReceiver(() => 500);
    try {
      webhookAt('P-D', down.url);
      const res = await handler(batch(record('m-d', delivery('P-D', 4), MAX_ATTEMPTS)));
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm-d' }]);
      expect(ledger()).toEqual([['PORTAL#P-D', `DELIVERY#${event(4).id}#webhook`, 'DEAD_LETTERED', '500']]);
      // No new visibility timeout: the next receive exceeds maxReceiveCount and SQS moves it to the DLQ.
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    } finally {
      await down.stop();
    }
  });

  it('cancels, without an error, a subscription delivery whose subscription was deleted meanwhile', async () => {
    const handler = await loadHandler(true);
    const receiver = await startReceiver(() => 200);
    try {
      ddb.on(GetCommand, { Key: { PK: 'PORTAL#P-S', SK: 'SUBSCRIPTION#sub-9' } }).resolves({
        Item: {
          portalId: 'P-S',
          subscriptionId: 'sub-9',
          status: 'active',
          endpoint: receiver.url,
          resource: {},
        },
      });
      // The DELETE landed between the read and the event count.
      ddb
        .on(UpdateCommand, { Key: { PK: 'PORTAL#P-S', SK: 'SUBSCRIPTION#sub-9' } })
        .rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
      const message = { ...delivery('P-S', 6), endpointId: 'subscription:sub-9' };
      expect((await handler(batch(record('m-s', message)))).batchItemFailures).toEqual([]);
      expect(receiver.received).toHaveLength(0);
      expect(ledger().at(-1)).toEqual([
        'PORTAL#P-S',
        `DELIVERY#${event(6).id}#subscription:sub-9`,
        'CANCELLED',
        undefined,
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it('fans a bus event out into one queued message per endpoint, and a repeat of it into none', async () => {
    const handler = await loadHandler(true);
    // The portal's webhook and subscriptions, as one Query over its partition returns them.
    ddb.on(QueryCommand).resolves({
      Items: [
        { PK: 'PORTAL#P-F', SK: 'SUBSCRIPTION#sub-1', subscriptionId: 'sub-1', status: 'active' },
        { PK: 'PORTAL#P-F', SK: 'SUBSCRIPTION#sub-2', subscriptionId: 'sub-2', status: 'off' },
        { PK: 'PORTAL#P-F', SK: 'WEBHOOK', portalId: 'P-F', url: 'https://clinic.example/hook' },
      ],
    });
    const busEvent = (n: number) => ({
      version: '0',
      source: 'prior-auth.notifications',
      'detail-type': 'NotificationRaised',
      detail: { schemaVersion: '1', portalId: 'P-F', event: event(n) },
    });
    const bus = busEvent(5);
    const res = await handler(batch(record('m-f', bus)));
    expect(res.batchItemFailures).toEqual([]);
    const sent = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => JSON.parse(c.args[0].input.MessageBody ?? ''));
    expect(sent.map((m) => [m.kind, m.endpointId, m.event.id])).toEqual([
      ['delivery', 'webhook', event(5).id],
      ['delivery', 'subscription:sub-1', event(5).id],
    ]);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.SK)).toEqual([
      `DELIVERY#${event(5).id}#webhook`,
      `DELIVERY#${event(5).id}#subscription:sub-1`,
    ]);
    // One read of the portal's endpoints, not a GetItem of the webhook and a Query of subscriptions.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.KeyConditionExpression)).toEqual([
      'PK = :pk AND SK BETWEEN :from AND :to',
    ]);

    // Three events of the portal in one batch are fanned out against one read of its endpoints.
    ddb.resetHistory();
    sqs.resetHistory();
    const three = await handler(
      batch(record('m-6', busEvent(6)), record('m-7', busEvent(7)), record('m-8', busEvent(8))),
    );
    expect(three.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(6);

    // The same event again (a re-driven rule target): its ledger entries exist, nothing is queued twice.
    sqs.resetHistory();
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
    expect((await handler(batch(record('m-f2', bus)))).batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

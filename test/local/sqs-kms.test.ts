import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createKmsProtocolHandler } from '../../infra/local/kms.js';
import { createLocalSqs, createSqsProtocolHandler } from '../../infra/local/sqs.js';

const dir = mkdtempSync(join(tmpdir(), 'local-sqs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const queues = [
  {
    name: 'work',
    arn: 'arn:aws:sqs:us-east-1:000000000000:work',
    url: 'http://127.0.0.1/000000000000/work',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 3600,
    redrive: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', maxReceiveCount: 2 },
  },
  {
    name: 'dlq',
    arn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    url: 'http://127.0.0.1/000000000000/dlq',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 3600,
  },
];

describe('local SQS', () => {
  it('hides received messages for the visibility timeout, honours ChangeMessageVisibility and redrives after maxReceiveCount', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
    const sqs = createLocalSqs({ queues });
    sqs.send('http://127.0.0.1:9999/000000000000/work', 'hello');
    const [first] = sqs.receive(queues[0]!.arn, 10);
    expect(first).toMatchObject({ body: 'hello', receiveCount: 1 });
    expect(sqs.receive(queues[0]!.arn, 10)).toEqual([]);
    sqs.changeVisibility(queues[0]!.url, first!.receiptHandle!, 5);
    advance(4_000);
    expect(sqs.receive(queues[0]!.arn, 10)).toEqual([]);
    advance(1_001);
    const [second] = sqs.receive(queues[0]!.arn, 10);
    expect(second?.receiveCount).toBe(2);
    advance(30_001);
    // Received twice (maxReceiveCount 2): the next receive moves it to the dead-letter queue.
    expect(sqs.receive(queues[0]!.arn, 10)).toEqual([]);
    expect(sqs.messages('dlq').map((m) => m.body)).toEqual(['hello']);
    expect(() => sqs.delete('work', 'no-such-handle')).toThrow(/receipt handle/);
    advance(3_600_001);
    expect(sqs.messages('dlq')).toHaveLength(1);
    // Past the queue's retention period a message is gone.
    expect(sqs.receive('dlq', 10)).toEqual([]);
    expect(sqs.messages('dlq')).toEqual([]);
    vi.useRealTimers();
  });

  it('long-polls as Lambda does: a waiting receiver wakes when a message is sent or its visibility timeout ends, not later', async () => {
    const sqs = createLocalSqs({ queues });
    const waited = async (wait: Promise<void>) => {
      const t0 = performance.now();
      await wait;
      return performance.now() - t0;
    };
    // Nothing arrives: the wait lasts its whole length.
    expect(await waited(sqs.waitForMessages('work', 150))).toBeGreaterThanOrEqual(140);
    // A message sent meanwhile ends it at once.
    const wait = sqs.waitForMessages('work', 5_000);
    setTimeout(() => sqs.send('work', 'hello'), 20);
    expect(await waited(wait)).toBeLessThan(1_000);
    // A received message hidden for 0.2 s: the next wait ends when it is visible again.
    const [m] = sqs.receive('work', 10);
    sqs.changeVisibility('work', m!.receiptHandle!, 0.2);
    const hidden = await waited(sqs.waitForMessages('work', 5_000));
    expect(hidden).toBeGreaterThanOrEqual(150);
    expect(hidden).toBeLessThan(1_000);
    expect(sqs.receive('work', 10).map((r) => r.body)).toEqual(['hello']);
    // Stopping the poller (the signal) ends a wait too.
    const stop = new AbortController();
    const stopped = sqs.waitForMessages('work', 60_000, stop.signal);
    stop.abort();
    expect(await waited(stopped)).toBeLessThan(1_000);
  });

  it('keeps every acknowledged change in its journal: a new instance (after kill -9) has the same messages', () => {
    const journalFile = join(dir, 'journal.jsonl');
    const before = createLocalSqs({ queues, journalFile });
    before.send('work', 'kept');
    before.send('work', 'deleted');
    const [kept, deleted] = before.receive('work', 10);
    before.delete('work', deleted!.receiptHandle!);
    const after = createLocalSqs({ queues, journalFile });
    expect(after.messages('work')).toEqual([
      expect.objectContaining({ messageId: kept?.messageId, body: 'kept', receiveCount: 1 }),
    ]);
  });

  it('answers SendMessage in the SDK protocol', async () => {
    const handler = createSqsProtocolHandler(createLocalSqs({ queues }));
    const sent = await handler('AmazonSQS.SendMessage', { QueueUrl: queues[0]!.url, MessageBody: '{}' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      MessageId: expect.any(String),
      MD5OfMessageBody: '99914b932bd37a50b983c5e7c90ae93b',
    });
    const missing = await handler('AmazonSQS.SendMessage', { QueueUrl: 'nope', MessageBody: 'x' });
    expect(missing).toMatchObject({ status: 400, body: { message: 'The queue nope does not exist.' } });
  });
});

describe('local KMS', () => {
  it('decrypts only with the encryption context the value was sealed with', async () => {
    const kms = createKmsProtocolHandler(Buffer.alloc(32, 7), 'key-1');
    const plaintext = Buffer.from('whsec_abc').toString('base64');
    const sealed = await kms('TrentService.Encrypt', {
      KeyId: 'key-1',
      Plaintext: plaintext,
      EncryptionContext: { portalId: 'P-1' },
    });
    const blob = (sealed.body as { CiphertextBlob: string }).CiphertextBlob;
    const opened = await kms('TrentService.Decrypt', {
      CiphertextBlob: blob,
      EncryptionContext: { portalId: 'P-1' },
    });
    expect((opened.body as { Plaintext: string }).Plaintext).toBe(plaintext);
    const other = await kms('TrentService.Decrypt', {
      CiphertextBlob: blob,
      EncryptionContext: { portalId: 'P-2' },
    });
    expect(other.body).toMatchObject({ __type: 'InvalidCiphertextException' });
  });
});

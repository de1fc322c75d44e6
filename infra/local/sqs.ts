/**
 * SQS for the local stack: the template's standard queues with their visibility timeout, retention
 * and redrive policy (maxReceiveCount → dead-letter queue); SendMessage and ChangeMessageVisibility
 * for the handlers, receive and delete for the event source mapping. Every change is appended to a
 * journal before it is acknowledged, so a kill -9 loses no message.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AwsJsonHandler, awsJsonError } from './sfn-endpoint.js';
import type { LocalQueue } from './template.js';

export type LocalQueueConfig = Pick<
  LocalQueue,
  'name' | 'arn' | 'visibilityTimeoutSeconds' | 'retentionSeconds' | 'redrive'
>;

export interface LocalMessage {
  messageId: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  receiptHandle?: string;
}

/** A message's new state, or its deletion. */
type JournalEntry = { queue: string; message: LocalMessage } | { queue: string; deleted: string };

export interface LocalSqsOptions {
  queues: readonly LocalQueueConfig[];
  /** JSON-lines journal; replayed (and compacted) on start. */
  journalFile?: string;
  /** Scales visibility timeouts and retention (tests); 1 = real time. */
  timeScale?: number;
}

export type LocalSqs = ReturnType<typeof createLocalSqs>;

export function createLocalSqs(opts: LocalSqsOptions) {
  const scale = opts.timeScale ?? 1;
  const store = new Map<string, Map<string, LocalMessage>>(opts.queues.map((q) => [q.name, new Map()]));
  // A queue URL ends in its name (…/000000000000/name), an ARN too (…:000000000000:name).
  const queueOf = (urlOrArn: string): LocalQueueConfig => {
    const name = urlOrArn.split(/[/:]/).at(-1);
    const q = opts.queues.find((c) => c.name === name);
    if (!q) throw new Error(`The queue ${urlOrArn} does not exist.`);
    return q;
  };
  const messagesOf = (q: LocalQueueConfig) => store.get(q.name) as Map<string, LocalMessage>;

  function apply(e: JournalEntry): void {
    if ('deleted' in e) store.get(e.queue)?.delete(e.deleted);
    else store.get(e.queue)?.set(e.message.messageId, { ...e.message });
  }

  if (opts.journalFile) {
    mkdirSync(dirname(opts.journalFile), { recursive: true });
    const text = existsSync(opts.journalFile) ? readFileSync(opts.journalFile, 'utf8') : '';
    for (const line of text.split('\n')) {
      try {
        if (line.trim()) apply(JSON.parse(line) as JournalEntry);
      } catch {
        // a torn last line from a crash: that change was never acknowledged
      }
    }
    const lines = [...store].flatMap(([queue, messages]) =>
      [...messages.values()].map((message) => `${JSON.stringify({ queue, message })}\n`),
    );
    writeFileSync(opts.journalFile, lines.join(''));
  }

  function record(e: JournalEntry): void {
    if (opts.journalFile) appendFileSync(opts.journalFile, `${JSON.stringify(e)}\n`);
    apply(e);
  }

  // Long polling: receivers waiting on a queue, woken when a message is sent to it or made visible.
  const waiters = new Map<string, Set<() => void>>();
  const wake = (q: LocalQueueConfig) => {
    const waiting = waiters.get(q.name);
    if (!waiting) return;
    waiters.delete(q.name);
    for (const w of waiting) w();
  };

  function byHandle(q: LocalQueueConfig, receiptHandle: string): LocalMessage {
    for (const m of messagesOf(q).values()) if (m.receiptHandle === receiptHandle) return m;
    throw new Error('The receipt handle is not valid.');
  }

  return {
    send(urlOrArn: string, body: string) {
      const q = queueOf(urlOrArn);
      const message = { messageId: randomUUID(), body, sentAt: Date.now(), visibleAt: 0, receiveCount: 0 };
      record({ queue: q.name, message });
      wake(q);
      return { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
    },

    /**
     * Long polling, as Lambda's poller receives: resolves when a message is sent to the queue or made
     * visible at once, when the first hidden message's visibility timeout ends, after `maxMs`, or when
     * `signal` aborts — whichever comes first.
     */
    waitForMessages(urlOrArn: string, maxMs: number, signal?: AbortSignal): Promise<void> {
      const q = queueOf(urlOrArn);
      const now = Date.now();
      let ms = maxMs;
      for (const m of messagesOf(q).values()) ms = Math.min(ms, Math.max(0, m.visibleAt - now));
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          waiters.get(q.name)?.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done);
        if (signal?.aborted) return done();
        const waiting = waiters.get(q.name) ?? new Set();
        waiting.add(done);
        waiters.set(q.name, waiting);
      });
    },

    /** Up to `max` visible messages, each hidden for the queue's visibility timeout; redrive applied first. */
    receive(urlOrArn: string, max: number): LocalMessage[] {
      const q = queueOf(urlOrArn);
      const now = Date.now();
      const out: LocalMessage[] = [];
      for (const m of [...messagesOf(q).values()].sort((a, b) => a.sentAt - b.sentAt)) {
        if (m.sentAt < now - q.retentionSeconds * 1000 * scale) {
          record({ queue: q.name, deleted: m.messageId });
          continue;
        }
        if (out.length >= max || m.visibleAt > now) continue;
        if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
          // Received maxReceiveCount times: it moves to the dead-letter queue on its next receive.
          const { receiptHandle: _, ...moved } = m;
          record({ queue: queueOf(q.redrive.deadLetterTargetArn).name, message: moved });
          record({ queue: q.name, deleted: m.messageId });
          continue;
        }
        const visibleAt = now + q.visibilityTimeoutSeconds * 1000 * scale;
        const received = { ...m, receiveCount: m.receiveCount + 1, receiptHandle: randomUUID(), visibleAt };
        record({ queue: q.name, message: received });
        out.push(received);
      }
      return out;
    },

    delete(urlOrArn: string, receiptHandle: string) {
      const q = queueOf(urlOrArn);
      record({ queue: q.name, deleted: byHandle(q, receiptHandle).messageId });
    },

    changeVisibility(urlOrArn: string, receiptHandle: string, seconds: number) {
      const q = queueOf(urlOrArn);
      const message = { ...byHandle(q, receiptHandle), visibleAt: Date.now() + seconds * 1000 * scale };
      record({ queue: q.name, message });
      // A shorter timeout (0: at once) moves the earliest redelivery forward.
      wake(q);
    },

    /** Every message a queue holds (visible or not). */
    messages: (urlOrArn: string) => [...messagesOf(queueOf(urlOrArn)).values()].map((m) => ({ ...m })),
  };
}

/** `X-Amz-Target: AmazonSQS.SendMessage | ChangeMessageVisibility` (awsJson1_0). */
export function createSqsProtocolHandler(sqs: LocalSqs): AwsJsonHandler {
  return async (target, body) => {
    const input = body as {
      QueueUrl: string;
      MessageBody: string;
      ReceiptHandle: string;
      VisibilityTimeout: number;
    };
    try {
      if (target === 'AmazonSQS.SendMessage')
        return { status: 200, body: sqs.send(input.QueueUrl, input.MessageBody) };
      sqs.changeVisibility(input.QueueUrl, input.ReceiptHandle, input.VisibilityTimeout);
      return { status: 200, body: {} };
    } catch (err) {
      return awsJsonError('com.amazonaws.sqs#InvalidParameterValue', (err as Error).message);
    }
  };
}

/**
 * SQS for the local stack: what the template and the handlers use and no more — standard queues
 * with a visibility timeout, retention, and a redrive policy (maxReceiveCount → dead-letter queue);
 * SendMessage and ChangeMessageVisibility over the AWS JSON protocol (the SDK's), and receive and
 * delete for the event source mapping. Every change is appended to a journal before it is
 * acknowledged, so a kill -9 loses no message.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AwsJsonHandler, AwsJsonResponse } from './sfn-endpoint.js';

export interface LocalQueueConfig {
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface LocalMessage {
  messageId: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

type JournalEntry =
  | { op: 'send'; queue: string; message: LocalMessage }
  | { op: 'receive'; queue: string; messageId: string; receiptHandle: string; visibleAt: number; at: number }
  | { op: 'visibility'; queue: string; messageId: string; visibleAt: number }
  | { op: 'delete'; queue: string; messageId: string };

export interface LocalSqsOptions {
  queues: LocalQueueConfig[];
  /** JSON-lines journal; replayed on start. */
  journalFile?: string;
  /** Scales visibility timeouts and delays (tests); 1 = real time. */
  timeScale?: number;
  now?: () => number;
}

export class SqsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface LocalSqs {
  send(queueUrlOrArn: string, body: string): { MessageId: string; MD5OfMessageBody: string };
  /** Up to `max` visible messages, each hidden for the queue's visibility timeout; redrive applied first. */
  receive(queueUrlOrArn: string, max: number): LocalMessage[];
  delete(queueUrlOrArn: string, receiptHandle: string): void;
  changeVisibility(queueUrlOrArn: string, receiptHandle: string, seconds: number): void;
  /** Every message a queue holds (visible or not). */
  messages(queueUrlOrArn: string): LocalMessage[];
  config(queueUrlOrArn: string): LocalQueueConfig;
  /** Milliseconds until the next message of the queue becomes visible (undefined: empty). */
  nextVisibleInMs(queueUrlOrArn: string): number | undefined;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function createLocalSqs(opts: LocalSqsOptions): LocalSqs {
  const scale = opts.timeScale ?? 1;
  const now = opts.now ?? Date.now;
  const byKey = new Map<string, LocalQueueConfig>();
  for (const q of opts.queues) {
    byKey.set(q.name, q);
    byKey.set(q.arn, q);
    byKey.set(q.url, q);
  }
  const store = new Map<string, Map<string, LocalMessage>>(opts.queues.map((q) => [q.name, new Map()]));

  const queueOf = (key: string): LocalQueueConfig => {
    const q =
      byKey.get(key) ?? byKey.get(key.split('/').at(-1) ?? '') ?? byKey.get(key.split(':').at(-1) ?? '');
    if (!q) throw new SqsServiceError('QueueDoesNotExist', `The specified queue ${key} does not exist.`);
    return q;
  };
  const messagesOf = (q: LocalQueueConfig) => store.get(q.name) as Map<string, LocalMessage>;

  function apply(e: JournalEntry): void {
    const messages = store.get(e.queue);
    if (!messages) return;
    switch (e.op) {
      case 'send':
        messages.set(e.message.messageId, { ...e.message });
        break;
      case 'receive': {
        const m = messages.get(e.messageId);
        if (!m) break;
        m.receiveCount += 1;
        m.firstReceivedAt ??= e.at;
        m.receiptHandle = e.receiptHandle;
        m.visibleAt = e.visibleAt;
        break;
      }
      case 'visibility': {
        const m = messages.get(e.messageId);
        if (m) m.visibleAt = e.visibleAt;
        break;
      }
      case 'delete':
        messages.delete(e.messageId);
        break;
    }
  }

  if (opts.journalFile && existsSync(opts.journalFile)) {
    for (const line of readFileSync(opts.journalFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        apply(JSON.parse(line) as JournalEntry);
      } catch {
        // a torn last line from a crash: the operation was never acknowledged
      }
    }
    // Compact: what is left, as sends.
    const lines: string[] = [];
    for (const [queue, messages] of store) {
      for (const message of messages.values()) lines.push(JSON.stringify({ op: 'send', queue, message }));
    }
    writeFileSync(opts.journalFile, lines.length ? `${lines.join('\n')}\n` : '');
  }

  function record(e: JournalEntry): void {
    if (opts.journalFile) {
      mkdirSync(dirname(opts.journalFile), { recursive: true });
      appendFileSync(opts.journalFile, `${JSON.stringify(e)}\n`);
    }
    apply(e);
  }

  function byHandle(q: LocalQueueConfig, receiptHandle: string): LocalMessage {
    for (const m of messagesOf(q).values()) if (m.receiptHandle === receiptHandle) return m;
    throw new SqsServiceError('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
  }

  function expire(q: LocalQueueConfig): void {
    const limit = now() - q.retentionSeconds * 1000 * scale;
    for (const m of messagesOf(q).values()) {
      if (m.sentAt < limit) record({ op: 'delete', queue: q.name, messageId: m.messageId });
    }
  }

  const api: LocalSqs = {
    send(key, body) {
      const q = queueOf(key);
      if (typeof body !== 'string' || body.length === 0) {
        throw new SqsServiceError('MissingParameter', 'The request must contain the parameter MessageBody.');
      }
      if (Buffer.byteLength(body) > 256 * 1024) {
        throw new SqsServiceError('InvalidParameterValue', 'The message body is longer than 262144 bytes.');
      }
      const message: LocalMessage = {
        messageId: randomUUID(),
        body,
        sentAt: now(),
        visibleAt: now(),
        receiveCount: 0,
      };
      record({ op: 'send', queue: q.name, message });
      return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
    },

    receive(key, max) {
      const q = queueOf(key);
      expire(q);
      const out: LocalMessage[] = [];
      const t = now();
      for (const m of [...messagesOf(q).values()].sort((a, b) => a.sentAt - b.sentAt)) {
        if (out.length >= max) break;
        if (m.visibleAt > t) continue;
        // Redrive: a message received maxReceiveCount times moves on its next receive.
        if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
          const target = queueOf(q.redrive.deadLetterTargetArn);
          record({
            op: 'send',
            queue: target.name,
            message: { ...m, visibleAt: t, receiptHandle: undefined },
          });
          record({ op: 'delete', queue: q.name, messageId: m.messageId });
          continue;
        }
        const receiptHandle = randomUUID();
        record({
          op: 'receive',
          queue: q.name,
          messageId: m.messageId,
          receiptHandle,
          visibleAt: t + q.visibilityTimeoutSeconds * 1000 * scale,
          at: t,
        });
        out.push({ ...m });
      }
      return out;
    },

    delete(key, receiptHandle) {
      const q = queueOf(key);
      const m = byHandle(q, receiptHandle);
      record({ op: 'delete', queue: q.name, messageId: m.messageId });
    },

    changeVisibility(key, receiptHandle, seconds) {
      const q = queueOf(key);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
        throw new SqsServiceError('InvalidParameterValue', 'VisibilityTimeout must be 0 to 43200 seconds.');
      }
      const m = byHandle(q, receiptHandle);
      if (m.visibleAt <= now()) {
        throw new SqsServiceError('MessageNotInflight', 'The message is not in flight.');
      }
      record({
        op: 'visibility',
        queue: q.name,
        messageId: m.messageId,
        visibleAt: now() + seconds * 1000 * scale,
      });
    },

    messages(key) {
      return [...messagesOf(queueOf(key)).values()].map((m) => ({ ...m }));
    },

    config: queueOf,

    nextVisibleInMs(key) {
      const times = [...messagesOf(queueOf(key)).values()].map((m) => m.visibleAt);
      return times.length ? Math.max(0, Math.min(...times) - now()) : undefined;
    },
  };
  return api;
}

const SQS_ERROR_NAMESPACE = 'com.amazonaws.sqs#';

function sqsError(err: unknown): AwsJsonResponse {
  if (err instanceof SqsServiceError) {
    return {
      status: err.status,
      body: { __type: `${SQS_ERROR_NAMESPACE}${err.code}`, message: err.message },
    };
  }
  return {
    status: 500,
    body: {
      __type: `${SQS_ERROR_NAMESPACE}InternalError`,
      message: err instanceof Error ? err.message : String(err),
    },
  };
}

/** `X-Amz-Target: AmazonSQS.<Operation>` (awsJson1_0): the operations the handlers call. */
export function createSqsProtocolHandler(sqs: LocalSqs): AwsJsonHandler {
  return async (target, body) => {
    const input = (body ?? {}) as Record<string, unknown>;
    try {
      switch (target) {
        case 'AmazonSQS.SendMessage':
          if (input.DelaySeconds) {
            throw new SqsServiceError('UnsupportedOperation', 'DelaySeconds is not used by this system.');
          }
          return { status: 200, body: sqs.send(String(input.QueueUrl ?? ''), input.MessageBody as string) };
        case 'AmazonSQS.ChangeMessageVisibility':
          sqs.changeVisibility(
            String(input.QueueUrl ?? ''),
            String(input.ReceiptHandle ?? ''),
            Number(input.VisibilityTimeout),
          );
          return { status: 200, body: {} };
        default:
          throw new SqsServiceError('UnsupportedOperation', `The local stack does not offer ${target}.`);
      }
    } catch (err) {
      return sqsError(err);
    }
  };
}

/**
 * The template's Lambda event source mappings, run locally the way Lambda runs them:
 * - DynamoDB Streams: polls the table's stream on DynamoDB Local (its JSON API, read as Lambda's poller
 *   receives it: the wire records are the event's records, so no SDK (de)serialization), applies the
 *   mapping's filter criteria, bisects a failing batch (BisectBatchOnFunctionError), retries what
 *   still fails up to MaximumRetryAttempts, then records it on the OnFailure queue; the position per shard is checkpointed in the data directory only after
 *   the batch is handled, so a kill -9 re-delivers (at least once) and never skips.
 * - SQS: receives up to BatchSize messages, deletes what the function handled and, with
 *   ReportBatchItemFailures, leaves the failed items to their visibility timeout.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sleep } from './dynamodb.js';
import { matchesPattern } from './eventbridge.js';
import type { LocalSqs } from './sqs.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalEventSourceMapping, type LocalModel } from './template.js';

interface Checkpoints {
  /**
   * LATEST means "from the first start on": the first start reads what the stream already holds
   * without delivering it (DynamoDB Local's record times are too coarse to cut by time).
   */
  positioned: boolean;
  streamArn?: string;
  /** Per shard, the sequence number of the last record handled. */
  after: Record<string, string>;
}

type RunningSource = { stop(): Promise<void> };

/** A stream record as DynamoDB Streams' JSON API returns it (and Lambda delivers it). */
interface StreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: { SequenceNumber?: string; ApproximateCreationDateTime?: number } & Record<string, unknown>;
}

/**
 * DynamoDB Streams' JSON protocol, spoken directly. Under load the SDK's schema-walking
 * deserializer of every GetRecords page (each record carries both images) was about a quarter of
 * the Node CPU a determination cost (docs/performance.md); JSON.parse of the same page is native.
 * DynamoDB Local wants an Authorization header but checks no signature.
 */
function streamsApi(endpoint: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const url = new URL(endpoint);
  const call = <T>(operation: string, input: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(input);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': Buffer.byteLength(body),
            'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
            authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            // Parsed inside try: a throw in this listener would end the process, not the poll.
            try {
              if (res.statusCode === 200) return resolve(JSON.parse(text) as T);
              const err = JSON.parse(text || '{}') as { __type?: string; message?: string; Message?: string };
              const e = new Error(`${operation}: ${err.message ?? err.Message ?? res.statusCode}`);
              e.name = err.__type?.split('#').pop() ?? 'StreamsError';
              reject(e);
            } catch {
              reject(new Error(`${operation}: HTTP ${res.statusCode}, not a JSON answer`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    listStreams: (TableName: string) =>
      call<{ Streams?: { StreamArn?: string }[] }>('ListStreams', { TableName }),
    describeStream: (StreamArn: string) =>
      call<{ StreamDescription?: { Shards?: { ShardId?: string }[] } }>('DescribeStream', { StreamArn }),
    getShardIterator: (input: {
      StreamArn: string;
      ShardId: string;
      ShardIteratorType: string;
      SequenceNumber?: string;
    }) => call<{ ShardIterator?: string }>('GetShardIterator', input),
    getRecords: (ShardIterator: string) =>
      call<{ Records?: StreamRecord[]; NextShardIterator?: string }>('GetRecords', {
        ShardIterator,
        Limit: 1000,
      }),
    destroy: () => agent.destroy(),
  };
}

/**
 * Runs `poll` until stopped; after a poll that found no work, `pause` (a fixed interval, or a long
 * poll that ends when work arrives), cut short by stopping.
 */
function pollLoop(
  name: string,
  pause: (signal: AbortSignal) => Promise<void>,
  poll: (stopped: () => boolean) => Promise<boolean>,
  log: (line: string) => void,
): RunningSource {
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  const loop = (async () => {
    while (!stopped()) {
      const busy = await poll(stopped).catch((err: Error) => {
        if (!stopped()) log(`${name}: ${err.message}`);
        return false;
      });
      if (!busy && !stopped()) await pause(stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** A fixed pause between polls, cut short by `signal` (its AbortError only ends the pause). */
const every = (ms: number) => (signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

interface Deps {
  dataDir: string;
  dynamoEndpoint: string;
  sqs: LocalSqs;
  invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  /** Called after each handled stream batch, before its checkpoint (the local bus flushes its deliveries). */
  beforeCheckpoint: () => Promise<void>;
  log: (line: string) => void;
}

/** Starts every event source mapping of the model: the table's stream and the notification queue. */
export function startEventSources(model: LocalModel, deps: Deps): RunningSource[] {
  return model.eventSourceMappings.map((mapping) =>
    mapping.kind === 'dynamodb-stream' ? startStreamMapping(mapping, deps) : startSqsMapping(mapping, deps),
  );
}

function startStreamMapping(
  mapping: Extract<LocalEventSourceMapping, { kind: 'dynamodb-stream' }>,
  opts: Deps,
): RunningSource {
  const checkpointFile = join(opts.dataDir, 'streams', `${mapping.logicalId}.json`);
  const streams = streamsApi(opts.dynamoEndpoint);
  const checkpoints: Checkpoints = existsSync(checkpointFile)
    ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoints)
    : { positioned: mapping.startingPosition === 'TRIM_HORIZON', after: {} };
  const save = () => {
    mkdirSync(dirname(checkpointFile), { recursive: true });
    writeFileSync(`${checkpointFile}.tmp`, JSON.stringify(checkpoints));
    renameSync(`${checkpointFile}.tmp`, checkpointFile);
  };

  // The wire's ApproximateCreationDateTime is already epoch seconds, as Lambda delivers it.
  const lambdaRecord = (r: StreamRecord) => ({
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    dynamodb: {
      ...r.dynamodb,
      ApproximateCreationDateTime:
        r.dynamodb?.ApproximateCreationDateTime === undefined
          ? undefined
          : Math.floor(r.dynamodb.ApproximateCreationDateTime),
    },
    eventSourceARN: checkpoints.streamArn,
  });

  async function handle(records: StreamRecord[], stopped: () => boolean): Promise<void> {
    const matching = records
      .map(lambdaRecord)
      .filter((r) => mapping.filters.length === 0 || mapping.filters.some((f) => matchesPattern(f, r)));
    for (let i = 0; i < matching.length; i += mapping.batchSize)
      await deliver(matching.slice(i, i + mapping.batchSize), stopped);
  }

  // A failing batch is split in two and each half delivered in order (BisectBatchOnFunctionError);
  // what still fails on its own is retried, then recorded on the OnFailure queue.
  async function deliver(batch: ReturnType<typeof lambdaRecord>[], stopped: () => boolean): Promise<void> {
    const once = () =>
      opts.invoke(mapping.functionLogicalId, { Records: batch }).then(
        () => '',
        (err: Error) => `${err.name}: ${err.message}`,
      );
    let error = await once();
    if (error && mapping.bisect && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await deliver(batch.slice(0, half), stopped);
      return deliver(batch.slice(half), stopped);
    }
    for (let attempt = 0; error && attempt < mapping.maximumRetryAttempts; attempt++) {
      if (stopped()) throw new Error('stopped before the batch was handled');
      await sleep(Math.min(100 * 2 ** attempt, 5000));
      error = await once();
    }
    if (!error) return;
    opts.log(`stream batch for ${mapping.functionLogicalId} failed after retries: ${error}`);
    if (!mapping.onFailureQueueArn) return;
    const record = {
      requestContext: { condition: 'RetryAttemptsExhausted', functionArn: mapping.functionLogicalId },
      DDBStreamBatchInfo: {
        startSequenceNumber: batch[0]?.dynamodb?.SequenceNumber,
        endSequenceNumber: batch.at(-1)?.dynamodb?.SequenceNumber,
        batchSize: batch.length,
        streamArn: checkpoints.streamArn,
      },
    };
    opts.sqs.send(mapping.onFailureQueueArn, JSON.stringify(record));
  }

  // Like Lambda's poller, each shard's iterator is kept from one poll to the next; the shard list is
  // read again only when a shard ends (DynamoDB Local rolls shards) or a few seconds have passed.
  const iterators = new Map<string, string>();
  let shards: string[] = [];
  let shardsReadAt = 0;

  async function poll(stopped: () => boolean): Promise<boolean> {
    checkpoints.streamArn ??= (await streams.listStreams(mapping.tableName)).Streams?.[0]?.StreamArn;
    const StreamArn = checkpoints.streamArn;
    if (!StreamArn) throw new Error(`Table ${mapping.tableName} has no stream`);
    if (Date.now() - shardsReadAt > 5_000 || shards.length === 0) {
      const { StreamDescription } = await streams.describeStream(StreamArn);
      // DynamoDB Local lists a parent shard before its children, so per-item order holds.
      shards = (StreamDescription?.Shards ?? []).flatMap((s) => (s.ShardId ? [s.ShardId] : []));
      shardsReadAt = Date.now();
    }
    for (const ShardId of shards) {
      let ShardIterator = iterators.get(ShardId);
      if (ShardIterator === undefined) {
        const after = checkpoints.after[ShardId];
        const position = after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' };
        ShardIterator = (await streams.getShardIterator({ StreamArn, ShardId, ...position })).ShardIterator;
      }
      // A closed shard read to its end has no next iterator: it is done.
      if (!ShardIterator) continue;
      try {
        while (ShardIterator && !stopped()) {
          const res: Awaited<ReturnType<typeof streams.getRecords>> = await streams.getRecords(ShardIterator);
          const records = res.Records ?? [];
          ShardIterator = res.NextShardIterator;
          if (records.length === 0) break;
          // Not yet positioned (LATEST, first start): what the stream held before is passed over.
          if (checkpoints.positioned) await handle(records, stopped);
          await opts.beforeCheckpoint();
          checkpoints.after[ShardId] = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
          save();
        }
      } catch (err) {
        // An expired iterator or an unhandled batch: the next poll starts again from the checkpoint.
        iterators.delete(ShardId);
        throw err;
      }
      iterators.set(ShardId, ShardIterator ?? '');
      if (!ShardIterator) shardsReadAt = 0;
    }
    if (!checkpoints.positioned) {
      checkpoints.positioned = true;
      save();
    }
    return false;
  }

  // Lambda polls a stream shard four times a second; so does this.
  const loop = pollLoop(`stream mapping ${mapping.functionLogicalId}`, every(250), poll, opts.log);
  return {
    async stop() {
      await loop.stop();
      streams.destroy();
    },
  };
}

function startSqsMapping(
  mapping: Extract<LocalEventSourceMapping, { kind: 'sqs' }>,
  opts: Deps,
): RunningSource {
  const { sqs } = opts;
  const name = `sqs mapping ${mapping.functionLogicalId}`;
  return pollLoop(
    name,
    // Lambda's SQS poller long-polls: a message is taken as soon as it is sent, with no polling between.
    (signal) => sqs.waitForMessages(mapping.queueArn, 1000, signal),
    async () => {
      const messages = sqs.receive(mapping.queueArn, mapping.batchSize);
      if (messages.length === 0) return false;
      const Records = messages.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: LOCAL_ACCOUNT_ID,
        },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: mapping.queueArn,
        awsRegion: LOCAL_REGION,
      }));
      type Result = { batchItemFailures?: { itemIdentifier: string }[] } | null;
      const failed = await opts.invoke(mapping.functionLogicalId, { Records }).then(
        (result) => (mapping.reportBatchItemFailures ? ((result as Result)?.batchItemFailures ?? []) : []),
        (err: Error) => {
          opts.log(`${name}: ${err.message}`);
          return messages.map((m) => ({ itemIdentifier: m.messageId }));
        },
      );
      // Handled messages are deleted; failed ones come back after their visibility timeout.
      for (const m of messages) {
        if (!failed.some((f) => f.itemIdentifier === m.messageId))
          sqs.delete(mapping.queueArn, m.receiptHandle ?? '');
      }
      return true;
    },
    opts.log,
  );
}

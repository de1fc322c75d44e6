/**
 * The template's Lambda event source mappings, run locally the way Lambda runs them:
 * - DynamoDB Streams: polls the table's stream on DynamoDB Local with the real SDK, applies the
 *   mapping's filter criteria, retries a failing batch up to MaximumRetryAttempts, then records it
 *   on the OnFailure queue; the position per shard is checkpointed in the data directory only after
 *   the batch is handled, so a kill -9 re-delivers (at least once) and never skips.
 * - SQS: receives up to BatchSize messages, deletes what the function handled and, with
 *   ReportBatchItemFailures, leaves the failed items to their visibility timeout.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesPattern } from './eventbridge.js';
import type { LocalSqs } from './sqs.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalEventSourceMapping } from './template.js';

export type StreamMappingConfig = Omit<
  Extract<LocalEventSourceMapping, { kind: 'dynamodb-stream' }>,
  'logicalId' | 'kind'
>;
export type SqsMappingConfig = Omit<Extract<LocalEventSourceMapping, { kind: 'sqs' }>, 'logicalId' | 'kind'>;

type Invoke = (functionLogicalId: string, event: unknown) => Promise<unknown>;

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunningSource {
  stop(): Promise<void>;
}

/** Runs `poll` until stopped, `pauseMs` apart (after a poll that found work, at once). */
function pollLoop(
  name: string,
  pauseMs: number,
  poll: (stopped: () => boolean) => Promise<boolean>,
  log?: (line: string) => void,
): RunningSource {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        busy = await poll(() => stopped);
      } catch (err) {
        if (!stopped) log?.(`${name}: ${(err as Error).message}`);
      }
      if (!busy) await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export function startStreamMapping(opts: {
  mapping: StreamMappingConfig;
  dynamo: DynamoDBClient;
  streamsClient: DynamoDBStreamsClient;
  checkpointFile: string;
  invoke: Invoke;
  sqs: LocalSqs;
  /** Called after each handled batch, before the checkpoint (the local bus flushes its deliveries). */
  beforeCheckpoint?: () => Promise<void>;
  log?: (line: string) => void;
}): RunningSource {
  const { mapping, streamsClient: streams } = opts;
  const checkpoints: Checkpoints = existsSync(opts.checkpointFile)
    ? (JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Checkpoints)
    : { positioned: mapping.startingPosition === 'TRIM_HORIZON', after: {} };
  const save = () => {
    mkdirSync(dirname(opts.checkpointFile), { recursive: true });
    writeFileSync(`${opts.checkpointFile}.tmp`, JSON.stringify(checkpoints));
    renameSync(`${opts.checkpointFile}.tmp`, opts.checkpointFile);
  };

  const lambdaRecord = (r: _Record) => ({
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    dynamodb: {
      ...r.dynamodb,
      ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(r.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
    eventSourceARN: checkpoints.streamArn,
  });

  async function handle(records: _Record[], stopped: () => boolean): Promise<void> {
    const matching = records
      .map(lambdaRecord)
      .filter((r) => mapping.filters.length === 0 || mapping.filters.some((f) => matchesPattern(f, r)));
    for (let i = 0; i < matching.length; i += mapping.batchSize) {
      const batch = matching.slice(i, i + mapping.batchSize);
      let error = '';
      for (let attempt = 0; attempt <= mapping.maximumRetryAttempts; attempt++) {
        if (stopped()) throw new Error('stopped before the batch was handled');
        try {
          await opts.invoke(mapping.functionLogicalId, { Records: batch });
          error = '';
          break;
        } catch (err) {
          error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          await sleep(Math.min(100 * 2 ** attempt, 5000));
        }
      }
      if (!error) continue;
      opts.log?.(`stream batch for ${mapping.functionLogicalId} failed after retries: ${error}`);
      if (mapping.onFailureQueueArn) {
        const info = {
          startSequenceNumber: batch[0]?.dynamodb?.SequenceNumber,
          endSequenceNumber: batch.at(-1)?.dynamodb?.SequenceNumber,
          batchSize: batch.length,
          streamArn: checkpoints.streamArn,
        };
        const requestContext = {
          condition: 'RetryAttemptsExhausted',
          functionArn: mapping.functionLogicalId,
        };
        opts.sqs.send(
          mapping.onFailureQueueArn,
          JSON.stringify({ requestContext, DDBStreamBatchInfo: info }),
        );
      }
    }
  }

  // A shard's iterator, kept between polls; dropped (and re-read from the checkpoint) after an error.
  const iterators = new Map<string, string>();
  async function poll(stopped: () => boolean): Promise<void> {
    if (!checkpoints.streamArn) {
      const { Table } = await opts.dynamo.send(new DescribeTableCommand({ TableName: mapping.tableName }));
      checkpoints.streamArn = Table?.LatestStreamArn;
      if (!checkpoints.streamArn) throw new Error(`Table ${mapping.tableName} has no stream`);
    }
    const StreamArn = checkpoints.streamArn;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    // DynamoDB Local lists a parent shard before its children, so per-item order holds.
    for (const { ShardId } of StreamDescription?.Shards ?? []) {
      if (!ShardId) continue;
      const after = checkpoints.after[ShardId];
      let iterator =
        iterators.get(ShardId) ??
        (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn,
              ShardId,
              ...(after
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
      iterators.delete(ShardId);
      while (iterator && !stopped()) {
        const res = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = res.Records ?? [];
        iterator = res.NextShardIterator;
        if (iterator) iterators.set(ShardId, iterator);
        if (records.length === 0) break;
        // Not yet positioned (LATEST, first start): what the stream held before is passed over.
        if (checkpoints.positioned) await handle(records, stopped);
        await opts.beforeCheckpoint?.();
        checkpoints.after[ShardId] = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
        save();
      }
    }
    if (!checkpoints.positioned) {
      checkpoints.positioned = true;
      save();
    }
  }

  // Lambda polls a stream shard four times a second; so does this.
  return pollLoop(
    `stream mapping ${mapping.functionLogicalId}`,
    250,
    async (stopped) => {
      await poll(stopped).catch((err) => {
        iterators.clear();
        throw err;
      });
      return false;
    },
    opts.log,
  );
}

export function startSqsMapping(opts: {
  mapping: SqsMappingConfig;
  sqs: LocalSqs;
  invoke: Invoke;
  log?: (line: string) => void;
}): RunningSource {
  const { mapping, sqs } = opts;
  const name = `sqs mapping ${mapping.functionLogicalId}`;
  return pollLoop(
    name,
    20,
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
      let failed = new Set(messages.map((m) => m.messageId));
      try {
        const result = (await opts.invoke(mapping.functionLogicalId, { Records })) as {
          batchItemFailures?: { itemIdentifier: string }[];
        } | null;
        const reported = mapping.reportBatchItemFailures ? (result?.batchItemFailures ?? []) : [];
        failed = new Set(reported.map((f) => f.itemIdentifier));
      } catch (err) {
        opts.log?.(`${name}: ${(err as Error).message}`);
      }
      // Handled ones are deleted; failed ones come back after their visibility timeout.
      for (const m of messages)
        if (!failed.has(m.messageId)) sqs.delete(mapping.queueArn, m.receiptHandle ?? '');
      return true;
    },
    opts.log,
  );
}

export function streamsClientFor(endpoint: string, config: Record<string, unknown>): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ ...config, endpoint });
}

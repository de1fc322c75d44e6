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
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesPattern } from './eventbridge.js';
import type { LocalSqs } from './sqs.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './template.js';

export interface StreamMappingConfig {
  functionLogicalId: string;
  tableName: string;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  batchSize: number;
  maximumRetryAttempts: number;
  filters: unknown[];
  onFailureQueueArn?: string;
}

export interface SqsMappingConfig {
  functionLogicalId: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
}

type Invoke = (functionLogicalId: string, event: unknown) => Promise<unknown>;

interface Checkpoints {
  /**
   * LATEST means "from the first start on": the first start reads what the stream already holds
   * without delivering it (DynamoDB Local's record times are too coarse to cut by time).
   */
  positioned: boolean;
  streamArn?: string;
  shards: Record<string, { after?: string; done?: boolean }>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunningSource {
  stop(): Promise<void>;
  /** Resolves when nothing is waiting to be handled right now. */
  idle(): Promise<void>;
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
  pollMs?: number;
  log?: (line: string) => void;
}): RunningSource {
  const { mapping } = opts;
  // Lambda polls a stream shard four times a second; so does this.
  const pollMs = opts.pollMs ?? 250;
  let stopped = false;
  let busy = false;
  const checkpoints: Checkpoints = existsSync(opts.checkpointFile)
    ? (JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Checkpoints)
    : { positioned: mapping.startingPosition === 'TRIM_HORIZON', shards: {} };
  const save = () => {
    mkdirSync(dirname(opts.checkpointFile), { recursive: true });
    const tmp = `${opts.checkpointFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(checkpoints));
    renameSync(tmp, opts.checkpointFile);
  };
  if (!existsSync(opts.checkpointFile)) save();
  const iterators = new Map<string, string>();

  const matches = (record: _Record) =>
    mapping.filters.length === 0 || mapping.filters.some((f) => matchesPattern(f, lambdaRecord(record)));
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

  async function handle(records: _Record[]): Promise<void> {
    // Not yet positioned (LATEST, first start): what the stream held before is passed over.
    const fresh = checkpoints.positioned ? records.filter(matches) : [];
    for (let i = 0; i < fresh.length; i += mapping.batchSize) {
      const batch = fresh.slice(i, i + mapping.batchSize).map(lambdaRecord);
      let lastError = '';
      let handled = false;
      for (let attempt = 0; attempt <= mapping.maximumRetryAttempts && !stopped; attempt++) {
        try {
          await opts.invoke(mapping.functionLogicalId, { Records: batch });
          handled = true;
          break;
        } catch (err) {
          lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          await sleep(Math.min(100 * 2 ** attempt, 5000));
        }
      }
      if (stopped && !handled) throw new Error('stopped');
      if (!handled) {
        opts.log?.(`stream batch for ${mapping.functionLogicalId} failed after retries: ${lastError}`);
        if (mapping.onFailureQueueArn) {
          opts.sqs.send(
            mapping.onFailureQueueArn,
            JSON.stringify({
              requestContext: { condition: 'RetryAttemptsExhausted', functionArn: mapping.functionLogicalId },
              DDBStreamBatchInfo: {
                shardId: 'local',
                startSequenceNumber: batch[0]?.dynamodb?.SequenceNumber,
                endSequenceNumber: batch.at(-1)?.dynamodb?.SequenceNumber,
                batchSize: batch.length,
                streamArn: checkpoints.streamArn,
              },
            }),
          );
        }
      }
    }
  }

  async function pollOnce(): Promise<void> {
    if (!checkpoints.streamArn) {
      const { Table } = await opts.dynamo.send(new DescribeTableCommand({ TableName: mapping.tableName }));
      if (!Table?.LatestStreamArn) throw new Error(`Table ${mapping.tableName} has no stream`);
      checkpoints.streamArn = Table.LatestStreamArn;
      save();
    }
    // The shard list changes rarely (DynamoDB Local rolls shards over every few hours): read it
    // every few seconds, not on every poll.
    if (Date.now() - describedAt > 5000 || shards.length === 0) {
      shards = await describeShards();
      describedAt = Date.now();
    }
    await readShards(shards);
  }

  let shards: Shard[] = [];
  let describedAt = 0;
  async function describeShards(): Promise<Shard[]> {
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const res = await opts.streamsClient.send(
        new DescribeStreamCommand({ StreamArn: checkpoints.streamArn, ExclusiveStartShardId: start }),
      );
      found.push(...(res.StreamDescription?.Shards ?? []));
      start = res.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return found;
  }

  async function readShards(shards: Shard[]): Promise<void> {
    const present = new Set(shards.map((s) => s.ShardId));
    for (const shard of shards) {
      const id = shard.ShardId as string;
      checkpoints.shards[id] ??= {};
      const state = checkpoints.shards[id];
      if (state.done) continue;
      // A child waits for its parent (per-item order).
      if (
        shard.ParentShardId &&
        present.has(shard.ParentShardId) &&
        !checkpoints.shards[shard.ParentShardId]?.done
      ) {
        continue;
      }
      let iterator = iterators.get(id);
      if (!iterator) {
        const res = await opts.streamsClient.send(
          new GetShardIteratorCommand({
            StreamArn: checkpoints.streamArn,
            ShardId: id,
            ...(state.after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        iterator = res.ShardIterator;
      }
      while (iterator && !stopped) {
        const res = await opts.streamsClient.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        const records = res.Records ?? [];
        if (records.length) {
          await handle(records);
          await opts.beforeCheckpoint?.();
          state.after = records.at(-1)?.dynamodb?.SequenceNumber;
          save();
        }
        iterator = res.NextShardIterator;
        if (!records.length) break;
      }
      if (iterator) iterators.set(id, iterator);
      else {
        iterators.delete(id);
        state.done = true;
        save();
      }
    }
    if (!checkpoints.positioned) {
      checkpoints.positioned = true;
      save();
    }
  }

  const loop = (async () => {
    while (!stopped) {
      busy = true;
      try {
        await pollOnce();
      } catch (err) {
        iterators.clear();
        describedAt = 0;
        if (!stopped) opts.log?.(`stream mapping ${mapping.functionLogicalId}: ${(err as Error).message}`);
      }
      busy = false;
      await sleep(pollMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
    },
    async idle() {
      while (busy) await sleep(10);
    },
  };
}

export function startSqsMapping(opts: {
  mapping: SqsMappingConfig;
  sqs: LocalSqs;
  invoke: Invoke;
  pollMs?: number;
  log?: (line: string) => void;
}): RunningSource {
  const { mapping, sqs } = opts;
  const pollMs = opts.pollMs ?? 20;
  let stopped = false;
  let busy = false;

  async function pollOnce(): Promise<number> {
    const messages = sqs.receive(mapping.queueArn, mapping.batchSize);
    if (!messages.length) return 0;
    const event = {
      Records: messages.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: LOCAL_ACCOUNT_ID,
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: mapping.queueArn,
        awsRegion: LOCAL_REGION,
      })),
    };
    let failed = new Set<string>(messages.map((m) => m.messageId));
    try {
      const result = (await opts.invoke(mapping.functionLogicalId, event)) as {
        batchItemFailures?: { itemIdentifier: string }[];
      } | null;
      failed = new Set(
        mapping.reportBatchItemFailures ? (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : [],
      );
    } catch (err) {
      opts.log?.(`sqs mapping ${mapping.functionLogicalId}: ${(err as Error).message}`);
    }
    for (const m of messages) {
      if (!failed.has(m.messageId) && m.receiptHandle) {
        try {
          sqs.delete(mapping.queueArn, m.receiptHandle);
        } catch {
          // already gone (a later receive took it): nothing to delete
        }
      }
    }
    return messages.length;
  }

  const loop = (async () => {
    while (!stopped) {
      busy = true;
      let n = 0;
      try {
        n = await pollOnce();
      } catch (err) {
        if (!stopped) opts.log?.(`sqs mapping ${mapping.functionLogicalId}: ${(err as Error).message}`);
      }
      busy = false;
      if (n === 0) await sleep(pollMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
    },
    async idle() {
      while (busy) await sleep(10);
    },
  };
}

export function streamsClientFor(endpoint: string, config: Record<string, unknown>): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ ...config, endpoint });
}

/**
 * The template's Lambda event source mappings, run locally the way Lambda runs them:
 * - DynamoDB Streams: polls the table's stream on DynamoDB Local with the real SDK, applies the
 *   mapping's filter criteria, bisects a failing batch (BisectBatchOnFunctionError), retries what
 *   still fails up to MaximumRetryAttempts, then records it on the OnFailure queue; the position per shard is checkpointed in the data directory only after
 *   the batch is handled, so a kill -9 re-delivers (at least once) and never skips.
 * - SQS: receives up to BatchSize messages, deletes what the function handled and, with
 *   ReportBatchItemFailures, leaves the failed items to their visibility timeout.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { localDynamoDbConfig, sleep } from './dynamodb.js';
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

/** Runs `poll` until stopped, `pauseMs` apart (at once after a poll that found work). */
function pollLoop(
  name: string,
  pauseMs: number,
  poll: (stopped: () => boolean) => Promise<boolean>,
  log: (line: string) => void,
): RunningSource {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const busy = await poll(() => stopped).catch((err: Error) => {
        if (!stopped) log(`${name}: ${err.message}`);
        return false;
      });
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
  const streams = new DynamoDBStreamsClient(localDynamoDbConfig(opts.dynamoEndpoint));
  const checkpoints: Checkpoints = existsSync(checkpointFile)
    ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoints)
    : { positioned: mapping.startingPosition === 'TRIM_HORIZON', after: {} };
  const save = () => {
    mkdirSync(dirname(checkpointFile), { recursive: true });
    writeFileSync(`${checkpointFile}.tmp`, JSON.stringify(checkpoints));
    renameSync(`${checkpointFile}.tmp`, checkpointFile);
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

  async function poll(stopped: () => boolean): Promise<boolean> {
    checkpoints.streamArn ??= (
      await streams.send(new ListStreamsCommand({ TableName: mapping.tableName }))
    ).Streams?.[0]?.StreamArn;
    const StreamArn = checkpoints.streamArn;
    if (!StreamArn) throw new Error(`Table ${mapping.tableName} has no stream`);
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    // DynamoDB Local lists a parent shard before its children, so per-item order holds.
    for (const { ShardId } of StreamDescription?.Shards ?? []) {
      if (!ShardId) continue;
      const after = checkpoints.after[ShardId];
      const position = after
        ? ({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } as const)
        : ({ ShardIteratorType: 'TRIM_HORIZON' } as const);
      let { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn, ShardId, ...position }),
      );
      while (ShardIterator && !stopped()) {
        const res = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
        const records = res.Records ?? [];
        if (records.length === 0) break;
        // Not yet positioned (LATEST, first start): what the stream held before is passed over.
        if (checkpoints.positioned) await handle(records, stopped);
        await opts.beforeCheckpoint();
        checkpoints.after[ShardId] = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
        save();
        ShardIterator = res.NextShardIterator;
      }
    }
    if (!checkpoints.positioned) {
      checkpoints.positioned = true;
      save();
    }
    return false;
  }

  // Lambda polls a stream shard four times a second; so does this.
  const loop = pollLoop(`stream mapping ${mapping.functionLogicalId}`, 250, poll, opts.log);
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

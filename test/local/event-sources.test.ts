import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  ensureTables,
  localDynamoDbConfig,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb.js';
import { startEventSources } from '../../infra/local/event-sources.js';
import { createLocalSqs } from '../../infra/local/sqs.js';
import type { LocalEventSourceMapping, LocalModel } from '../../infra/local/template.js';

const DLQ = {
  name: 'dlq',
  arn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
  visibilityTimeoutSeconds: 30,
  retentionSeconds: 3600,
};

/**
 * The stream mapping as the notifications outbox is configured (BisectBatchOnFunctionError, OnFailure):
 * one bad record must not hold back, or dead-letter, the good records batched with it.
 */
describe('a DynamoDB stream mapping, run locally', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'event-sources-'));
  let ddb: DynamoDbLocal;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    ddb = await startDynamoDbLocal({ dataDir });
    const client = new DynamoDBClient(localDynamoDbConfig(ddb.endpoint));
    doc = DynamoDBDocumentClient.from(client);
    const definition = {
      BillingMode: 'PAY_PER_REQUEST' as const,
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' as const }],
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' as const }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
    };
    await ensureTables(client, [
      { tableName: 'bisect', definition: { ...definition, TableName: 'bisect' } },
      { tableName: 'whole', definition: { ...definition, TableName: 'whole' } },
    ]);
  });
  afterAll(async () => {
    await ddb?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(tableName: string, bisect: boolean) {
    const mapping: LocalEventSourceMapping = {
      logicalId: `Map${tableName}`,
      kind: 'dynamodb-stream',
      functionLogicalId: 'Publisher',
      tableName,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 4,
      maximumRetryAttempts: 1,
      filters: [],
      onFailureQueueArn: DLQ.arn,
      bisect,
    };
    // Written before the mapping starts, so they arrive as one batch of four.
    for (const PK of ['a', 'b', 'poison', 'c'])
      await doc.send(new PutCommand({ TableName: tableName, Item: { PK } }));
    const sqs = createLocalSqs({ queues: [DLQ] });
    const handled: string[][] = [];
    const sources = startEventSources({ eventSourceMappings: [mapping] } as unknown as LocalModel, {
      dataDir: join(dataDir, tableName),
      dynamoEndpoint: ddb.endpoint,
      sqs,
      invoke: async (_fn, event) => {
        const ids = (event as { Records: { dynamodb: { Keys: { PK: { S: string } } } }[] }).Records.map(
          (r) => r.dynamodb.Keys.PK.S,
        );
        if (ids.includes('poison')) throw new Error('cannot publish');
        handled.push(ids);
      },
      beforeCheckpoint: async () => {},
      log: () => {},
    });
    const deadline = Date.now() + 30_000;
    let dead: { DDBStreamBatchInfo: { batchSize: number } }[] = [];
    while (Date.now() < deadline && dead.length === 0) {
      await new Promise((ok) => setTimeout(ok, 250));
      dead = sqs.receive(DLQ.arn, 10).map((m) => JSON.parse(m.body));
    }
    await new Promise((ok) => setTimeout(ok, 500));
    for (const s of sources) await s.stop();
    return { handled: handled.flat(), dead };
  }

  it('bisects a failing batch: the good records are delivered in order, only the bad one is dead-lettered', async () => {
    const { handled, dead } = await run('bisect', true);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(dead.map((d) => d.DDBStreamBatchInfo.batchSize)).toEqual([1]);
  });

  it('without bisecting, the whole batch is retried and then dead-lettered together', async () => {
    const { handled, dead } = await run('whole', false);
    expect(handled).toEqual([]);
    expect(dead.map((d) => d.DDBStreamBatchInfo.batchSize)).toEqual([4]);
  });
});

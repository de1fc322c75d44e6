/**
 * What the Lambda bundles carry, bundled with HandlerFunction's own options (LAMBDA_BUNDLING): the
 * response schemas stay out of the API functions (they only type the answers, and building them was
 * a tenth of a cold import), a function keeps only the request schemas it parses with (the
 * `@__PURE__` marks in shared/schemas.ts let esbuild drop the rest), and the source map still turns a bundled stack trace into file:line of
 * the TypeScript source without shipping a copy of every source file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPath, FUNCTION_NAMES, type FunctionName } from '../../infra/constructs/handler-function.js';
import { lambdaBuildOptions } from '../lambda-build.js';

/** Every API function that answers with a response schema; api-health also serves the OpenAPI document. */
const ANSWERING = FUNCTION_NAMES.filter((n) => n.startsWith('api-') && n !== 'api-health');

let dir: string;
const metafiles = new Map<FunctionName, Metafile>();

async function bundle(name: FunctionName): Promise<Metafile> {
  const res = await build({
    ...lambdaBuildOptions(entryPath(name)),
    outfile: join(dir, name, 'index.mjs'),
    metafile: true,
    logLevel: 'silent',
  });
  return res.metafile;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bundles-'));
  for (const name of [...ANSWERING, 'api-health' as const, 'wf-record-determination' as const]) {
    metafiles.set(name, await bundle(name));
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inputs = (name: FunctionName) => Object.keys(metafiles.get(name)?.inputs ?? {});

describe('Lambda bundles', () => {
  it('leave the response schemas out of the API functions that only type their answers with them', () => {
    expect(ANSWERING.length).toBeGreaterThan(5);
    for (const name of ANSWERING) {
      expect(inputs(name), name).toContain(`functions/${name}/index.ts`);
      expect(inputs(name), name).not.toContain('shared/responses.ts');
    }
    // The function that serves the OpenAPI document builds it from them.
    expect(inputs('api-health')).toContain('shared/responses.ts');
  });

  it('send DynamoDB the plain client’s commands: no document client in any bundle that uses the table', () => {
    const usingTable = [...ANSWERING, 'wf-record-determination' as const].filter((name) =>
      inputs(name).includes('shared/data/table.ts'),
    );
    expect(usingTable.length).toBeGreaterThan(5);
    for (const name of usingTable) {
      expect(
        inputs(name).filter((i) => i.includes('@aws-sdk/lib-dynamodb')),
        name,
      ).toEqual([]);
      expect(
        inputs(name).some((i) => i.includes('@aws-sdk/util-dynamodb')),
        name,
      ).toBe(true);
    }
  });

  it('keep only the request schemas the function parses with', () => {
    const code = (name: FunctionName) => readFileSync(join(dir, name, 'index.mjs'), 'utf8');
    // Each message belongs to one schema of shared/schemas.ts.
    const visit = 'must be a UUID';
    const decision = 'a REQUEST_INFORMATION needs at least one requested item';
    const provider = 'must be a two-letter state code';
    expect(code('api-visits')).toContain(visit);
    expect(code('api-reviews')).toContain(decision);
    expect(code('api-admin')).toContain(provider);
    for (const message of [visit, decision, provider]) {
      expect(code('wf-record-determination'), message).not.toContain(message);
      expect(code('api-referrals'), message).not.toContain(message);
    }
  });

  it('map a bundled stack trace to the TypeScript source, without copies of the sources', () => {
    const out = join(dir, 'api-codes');
    const map = JSON.parse(readFileSync(join(out, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown[];
    };
    expect(map.sources.some((s) => s.endsWith('functions/api-codes/index.ts'))).toBe(true);
    expect(map.sourcesContent ?? []).toEqual([]);

    // An event without a request makes the handler throw; Lambda would log this stack.
    const script =
      "const m = await import('./index.mjs'); " +
      'try { await m.handler(null, {}); } catch (e) { process.stdout.write(e.stack); }';
    const res = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: out,
      env: { PATH: process.env.PATH ?? '', POWERTOOLS_SERVICE_NAME: 'prior-auth', AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.stdout).toContain('TypeError');
    expect(res.stdout).toMatch(/shared\/http\.ts:\d+:\d+/);
    expect(res.stdout).not.toContain('index.mjs:');
  });
});

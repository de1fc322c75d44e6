/**
 * Each Lambda function as deployed: the CDK app is synthesized with bundling on, so esbuild runs with
 * exactly the options `HandlerFunction` gives `NodejsFunction` (ESM, node22, minified, source maps,
 * the AWS SDK bundled in — the construct sets `externalModules: []`). Sizes are the emitted
 * `index.mjs` (and its source map, which the deployment package also carries).
 *
 * Cold initialisation: a fresh `node` process imports the bundle, with the function's environment
 * from the template (including its `NODE_OPTIONS=--enable-source-maps`), and reports how long the
 * import took — the module-load part of a Lambda cold start, the part the code controls. The bundle
 * is self-contained (nothing is external), so this measures what Lambda would load. Median of runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { lambdaBuildOptions } from '../../lambda-build.js';
import { median } from './stats.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface BundleFigures {
  fn: string;
  logicalId: string;
  memoryMb: number;
  bytes: number;
  mapBytes: number;
  gzipBytes: number;
  initMs: number;
  initRuns: number[];
}

export interface BundleReport {
  functions: BundleFigures[];
  /** What the largest bundle is made of: minified bytes by package (esbuild's metafile). */
  composition?: { fn: string; bytes: number; parts: { name: string; bytes: number }[] };
  synthMs: number;
  nodeVersion: string;
}

interface SynthOutput {
  synthMs: number;
  functions: {
    logicalId: string;
    entry: string;
    dir: string;
    memoryMb: number;
    environment: Record<string, string>;
  }[];
}

export async function measureBundles(opts: {
  runs: number;
  log: (s: string) => void;
}): Promise<BundleReport> {
  const outdir = mkdtempSync(join(tmpdir(), 'prior-auth-bench-cdk-'));
  try {
    const script = fileURLToPath(new URL('./synth-bundles.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', script, outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const last = res.stdout.trim().split('\n').pop() ?? '';
    if (res.status !== 0 || !last.startsWith('{')) {
      throw new Error(`Synthesizing the bundles failed (${res.status}):\n${res.stderr.slice(-2000)}`);
    }
    const synth = JSON.parse(last) as SynthOutput;

    const functions: BundleFigures[] = [];
    for (const f of synth.functions) {
      const file = readdirSync(f.dir).find((name) => /^index\.m?js$/.test(name));
      if (!file) continue;
      const js = join(f.dir, file);
      const fn = f.entry.split('/')[1] ?? f.entry;
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_LAMBDA_FUNCTION_NAME: f.logicalId,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMb),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...f.environment,
      };
      const initRuns: number[] = [];
      for (let i = 0; i < opts.runs; i++) initRuns.push(importTime(js, env));
      const figures: BundleFigures = {
        fn,
        logicalId: f.logicalId,
        memoryMb: f.memoryMb,
        bytes: statSync(js).size,
        mapBytes: safeSize(`${js}.map`),
        gzipBytes: gzipSync(readFileSync(js)).length,
        initMs: median(initRuns),
        initRuns,
      };
      functions.push(figures);
      opts.log(`  ${fn}: ${(figures.bytes / 1024).toFixed(1)} KB, init ${figures.initMs.toFixed(1)} ms`);
    }
    functions.sort((a, b) => a.fn.localeCompare(b.fn));
    const largest = [...functions].sort((a, b) => b.bytes - a.bytes)[0];
    const entry = synth.functions.find((f) => f.logicalId === largest?.logicalId)?.entry;
    return {
      functions,
      synthMs: synth.synthMs,
      nodeVersion: process.version,
      ...(largest && entry ? { composition: { fn: largest.fn, ...(await composition(entry)) } } : {}),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Re-bundles one entry with HandlerFunction's own options (LAMBDA_BUNDLING) and esbuild's metafile,
 * and adds up the minified bytes each package (or folder of this repository) contributes.
 */
async function composition(entry: string) {
  const { build } = await import('esbuild');
  const res = await build({
    ...lambdaBuildOptions(entry),
    sourcemap: false,
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    logLevel: 'silent',
  });
  const output = Object.values(res.metafile.outputs).find((o) => o.entryPoint);
  const parts = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    parts.set(pkg, (parts.get(pkg) ?? 0) + input.bytesInOutput);
  }
  return {
    bytes: output?.bytes ?? 0,
    parts: [...parts].map(([name, bytes]) => ({ name, bytes })).sort((x, y) => y.bytes - x.bytes),
  };
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Milliseconds a fresh Node process takes to import the bundle (module evaluation included). */
function importTime(file: string, env: Record<string, string>): number {
  const url = pathToFileURL(file).href;
  const script =
    'const t = performance.now(); await import(' +
    JSON.stringify(url) +
    '); process.stdout.write(String(performance.now() - t));';
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const value = Number(res.stdout.trim().split('\n').pop());
  if (res.status !== 0 || !Number.isFinite(value)) {
    throw new Error(`Importing ${file} failed (${res.status}): ${res.stderr.slice(0, 500)}`);
  }
  return value;
}

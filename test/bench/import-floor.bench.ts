/**
 * The cold-import floor (issue 15, slowest cold import ≤ 120 ms): what importing a bundle costs on this
 * machine before a function's own code — an empty module, the DynamoDB client alone, the table
 * repository (client, data layer, record schemas) — beside two real functions. Each is bundled with
 * HandlerFunction's own esbuild options and imported in fresh Node processes with
 * `--enable-source-maps`, as the system bench does; medians of 11.
 *
 *   npx tsx test/bench/import-floor.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../lambda-build.js';

const ENTRIES: [label: string, entry: string][] = [
  ['an empty module (node:http, node:crypto)', 'test/bench/import-floor/empty.ts'],
  ['the DynamoDB client alone', 'test/bench/import-floor/dynamodb-client.ts'],
  ['the table repository (client, data layer, record schemas)', 'test/bench/import-floor/repository.ts'],
  ['wf-record-failure (the repository and nothing else of the SDK)', 'functions/wf-record-failure/index.ts'],
  ['notify-deliver (the repository, KMS and SQS)', 'functions/notify-deliver/index.ts'],
];
const RUNS = 11;
// What the functions read at import; none of it is contacted.
const ENV = {
  PATH: process.env.PATH ?? '',
  NODE_OPTIONS: '--enable-source-maps',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'prior-auth',
  NOTIFICATION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications',
  SECRET_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/data',
  ALLOW_LOOPBACK_ENDPOINTS: 'false',
};

const dir = mkdtempSync(join(tmpdir(), 'import-floor-'));
try {
  console.log(
    `cold-import floor on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}`,
  );
  for (const [i, [label, entry]] of ENTRIES.entries()) {
    const outfile = join(dir, String(i), 'index.mjs');
    const res = await build({ ...lambdaBuildOptions(entry), outfile, metafile: true, logLevel: 'silent' });
    const bytes = Object.values(res.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
    const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); process.stdout.write(String(performance.now() - t));`;
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: ENV,
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (run.status !== 0) throw new Error(`importing ${entry} failed: ${run.stderr.slice(-500)}`);
      ms.push(Number(run.stdout));
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(RUNS / 2)] ?? Number.NaN;
    console.log(
      `${label}: ${(bytes / 1024).toFixed(1)} KB, import ${median.toFixed(1)} ms median (${ms[0]?.toFixed(1)}–${ms.at(-1)?.toFixed(1)})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

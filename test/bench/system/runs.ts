/**
 * `npm run bench -- --runs K [--write-docs]`: K independent runs, each a fresh bench process with its own
 * fresh local stack and DynamoDB Local (nothing warm or cached carries over from one run to the next), one
 * after another. The run with the median automatic-determination p99 is shown whole: its tables, its goals,
 * its chart and its JSON line (with a `runs` summary added); the others are summarised per run.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BenchJson, countDifferences, medianRun, type RunSet, writeDocs } from './docs.js';
import { table } from './stats.js';

export interface ManyOptions {
  runs: number;
  writeDocs: boolean;
  chart?: string;
  /** The bench's own arguments, without --runs and --write-docs. */
  childArgs: string[];
  script: string;
  repoRoot: string;
  command: string;
}

interface ChildRun {
  text: string;
  json: BenchJson;
  ok: boolean;
  chart?: string;
}

function runChild(o: ManyOptions, i: number, chart: string | undefined): Promise<ChildRun> {
  const args = [...o.childArgs, ...(chart ? ['--chart', chart] : [])];
  const child = spawn(process.execPath, ['--import', 'tsx', o.script, ...args], {
    cwd: o.repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errTail = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    errTail = (errTail + d).slice(-4000);
    for (const line of d.split('\n')) if (line) process.stderr.write(`[run ${i + 1}/${o.runs}] ${line}\n`);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.trimEnd().split('\n');
      const last = lines.pop() ?? '';
      let json: BenchJson;
      try {
        json = JSON.parse(last) as BenchJson;
      } catch {
        reject(new Error(`run ${i + 1} ended (${code}) without its JSON line:\n${errTail}`));
        return;
      }
      resolve({
        text: lines.filter((l) => !l.startsWith('chart written to ')).join('\n'),
        json,
        ok: code === 0,
        ...(chart ? { chart } : {}),
      });
    });
  });
}

export async function runMany(o: ManyOptions): Promise<boolean> {
  const scratch = mkdtempSync(join(tmpdir(), 'prior-auth-bench-runs-'));
  try {
    const runs: ChildRun[] = [];
    for (let i = 0; i < o.runs; i++) {
      process.stderr.write(`=== run ${i + 1} of ${o.runs} (fresh process, fresh local stack) ===\n`);
      runs.push(await runChild(o, i, o.chart ? join(scratch, `run-${i + 1}.svg`) : undefined));
    }
    const jsons = runs.map((r) => r.json);
    const median = medianRun(jsons);
    const shown = runs[median]!;
    const countWarnings = countDifferences(jsons);
    const set: RunSet = { runs: jsons, median, command: o.command, countWarnings };
    const out: string[] = [shown.text, ''];
    const p99 = (j: BenchJson) => j.rows.find((r) => r.label === 'automatic determination')?.latencyMs.p99;
    out.push(
      table(
        [
          [
            'run',
            'at',
            'load at start',
            'load after',
            'determinations / s',
            'automatic p99',
            'system ÷ floor p99',
            'lost',
          ],
          ...jsons.map((j, i) => [
            `${i + 1}${i === median ? ' (shown)' : ''}`,
            j.at,
            j.machine.loadAverageAtStart.join(' '),
            j.throughput.loadAverageAfter.join(' '),
            String(j.throughput.determinationsPerSecond),
            `${p99(j)} ms`,
            String(j.floor?.systemOverFloorP99 ?? 'n/a'),
            String(j.throughput.requestsLost),
          ]),
        ],
        `${o.runs} runs, each a fresh process and local stack. Every table above (goals included), the chart and ` +
          `the JSON line are run ${median + 1}'s: the run with the median automatic-determination p99, not per-figure medians.`,
      ),
      '',
    );
    if (countWarnings.length) {
      const warning = `WARNING: per-unit counts differ between runs: ${countWarnings.join('; ')}`;
      out.push(warning, '');
      process.stderr.write(`${warning}\n`);
    }
    if (o.chart && shown.chart) {
      mkdirSync(dirname(o.chart), { recursive: true });
      copyFileSync(shown.chart, o.chart);
      out.push(`chart of run ${median + 1} written to ${o.chart}`);
    }
    const failed = runs.flatMap((r, i) => (r.ok ? [] : [i + 1]));
    if (o.writeDocs) {
      if (failed.length) {
        out.push(`docs NOT written: run(s) ${failed.join(', ')} failed`);
      } else {
        for (const file of writeDocs(o.repoRoot, set)) out.push(`figures written to ${file}`);
      }
    }
    const json = {
      ...shown.json,
      runs: {
        count: runs.length,
        shown: median + 1,
        chosenBy: 'median automatic-determination p99 (whole run shown, not per-figure medians)',
        countsIdentical: countWarnings.length === 0,
        countWarnings,
        byRun: jsons.map((j, i) => ({
          run: i + 1,
          at: j.at,
          ok: runs[i]!.ok,
          loadAverageAtStart: j.machine.loadAverageAtStart,
          loadAverageAfter: j.throughput.loadAverageAfter,
          determinationsPerSecond: j.throughput.determinationsPerSecond,
          automaticP99Ms: p99(j) ?? null,
          systemOverFloorP99: j.floor?.systemOverFloorP99 ?? null,
          requestsLost: j.throughput.requestsLost,
          durationSeconds: j.durationSeconds,
        })),
      },
    };
    process.stdout.write(`${out.join('\n')}\n${JSON.stringify(json)}\n`);
    if (failed.length) process.stderr.write(`run(s) ${failed.join(', ')} failed: the bench fails\n`);
    return failed.length === 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

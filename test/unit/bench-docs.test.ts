import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BenchJson,
  countDifferences,
  medianRun,
  PERFORMANCE_MARKERS,
  performanceBlock,
  README_MARKERS,
  type RunSet,
  readmeBlock,
  replaceBetweenMarkers,
  writeDocs,
} from '../bench/system/docs.js';

/** A bench JSON line as system.bench.ts prints it (the fields the writer reads). */
function run(
  p99: number,
  overrides: { transitions?: number; lambdaCost?: number; at?: string; startedAt?: string } = {},
): BenchJson {
  const lambdaCost = overrides.lambdaCost ?? 0.000004;
  const perUnit = (transitions: number) => ({
    transitions,
    lambdaInvocations: 3,
    // Follows handler time, like the Lambda cost.
    lambdaGbSeconds: lambdaCost * 75_000,
    readCapacityUnits: 5,
    writeCapacityUnits: 31.9,
    apiRequests: 1,
    events: 0,
  });
  const cost = (lambda: number) => ({
    stepFunctions: 0.000075,
    lambda,
    dynamodb: 0.0000206,
    apiGateway: 0.0000035,
    eventBridge: 0,
    total: 0.000099 + lambda,
  });
  return {
    ...(overrides.startedAt ? { startedAt: overrides.startedAt } : {}),
    at: overrides.at ?? '2026-12-02T02:20:11.123Z',
    machine: {
      cpus: 2,
      cpuModel: 'Intel(R) Xeon(R) Test CPU',
      memoryGb: 23.5,
      node: 'v20.20.2',
      java: '17.0.15',
      loadAverageAtStart: [0.5, 0.4, 0.3],
    },
    options: { n: 500, c: 16, mix: { approve: 70, pend: 20, deny: 10 }, visits: 4 },
    pasSubmit: {
      concurrency: 4,
      n: 500,
      p50Ms: 41,
      p95Ms: 80,
      p99Ms: 123,
      outcomes: { complete: 500 },
    },
    throughput: {
      determinationsPerSecond: 71.3,
      visitReReviewsPerSecond: 40.2,
      loadAverageAfter: [1.9, 0.8, 0.4],
      cpuMsPerDetermination: { stackAndHandlers: 11.7, dynamodb: 13.8, loadGenerator: 1 },
      retries: { referrals: 0, visits: 1, reasons: { 'read ECONNRESET': 1 } },
      requestsLost: 0,
    },
    counts: { submitted: 500, determined: 500, visitsSubmitted: 1400, visitsReReviewed: 1400 },
    rows: [
      {
        label: 'automatic determination',
        count: 400,
        latencyMs: { p50: 90, p95: 200, p99, max: p99 + 10 },
        perUnit: perUnit(overrides.transitions ?? 3),
        costUsd: cost(lambdaCost),
        dynamodbCalls: [
          { call: 'api-referrals TransactWriteItems', count: 1 },
          { call: 'wf-evaluate BatchGetItem', count: 4 },
        ],
      },
      {
        label: 'pended for review (to the review)',
        count: 100,
        latencyMs: { p50: 80, p95: 150, p99: 190, max: 200 },
        perUnit: perUnit(3),
        costUsd: cost(0.000004),
      },
      {
        label: 'visit re-review',
        count: 1400,
        latencyMs: { p50: 120, p95: 250, p99: 333, max: 400 },
        perUnit: { ...perUnit(3), writeCapacityUnits: 47, events: 1 },
        costUsd: cost(0.0000054),
      },
    ],
    floor: {
      latencyMs: { p50: 50, p95: 100, p99: 150 },
      determinationsPerSecond: 120.5,
      systemOverFloorP99: p99 / 150,
      operationsPerDetermination: 5,
    },
    functions: [
      { name: 'api-health', bundleBytes: 135 * 1024, gzipBytes: 42 * 1024, coldImportMs: 31 },
      { name: 'reconcile', bundleBytes: 418 * 1024, gzipBytes: 129 * 1024, coldImportMs: 74 },
    ],
    goals: [
      { figure: 'state transitions per automatic determination', value: 3, goal: '≤ 3', met: true },
      {
        figure: 'DynamoDB write units per automatic determination',
        value: 31.9,
        measured: '31.9',
        goal: '≤ 12',
        met: false,
      },
    ],
    delivery: {
      n: 100,
      delivered: 100,
      lost: 0,
      duplicates: 0,
      postToReceiverMs: { p50: 300, p95: 500, p99: 700 },
      determinationToReceiverMs: { p50: 210, p95: 400, p99: 612 },
    },
    durationSeconds: 80.4,
  };
}

const setOf = (runs: BenchJson[]): RunSet => ({
  runs,
  median: medianRun(runs),
  command: 'npm run bench -- --runs 3 --write-docs',
  countWarnings: countDifferences(runs),
});

const M = { start: '<!-- s -->', end: '<!-- e -->' };

describe('replaceBetweenMarkers', () => {
  it('replaces only what is between the markers, and is idempotent', () => {
    const doc = 'intro 12 ms\n<!-- s -->\nold 99 ms\n<!-- e -->\noutro 34 ms\n';
    const once = replaceBetweenMarkers(doc, M, 'new table');
    expect(once).toBe('intro 12 ms\n<!-- s -->\nnew table\n<!-- e -->\noutro 34 ms\n');
    expect(replaceBetweenMarkers(once, M, 'new table')).toBe(once);
  });

  it.each([
    ['no start marker', 'a\n<!-- e -->\n', /<!-- s --> exactly once, found it 0 times/],
    ['no end marker', 'a\n<!-- s -->\nb\n', /<!-- e --> exactly once, found it 0 times/],
    ['a marker twice', '<!-- s -->\n<!-- e -->\n<!-- s -->\n', /<!-- s --> exactly once, found it 2 times/],
    ['the end before the start', '<!-- e -->\nx\n<!-- s -->\n', /comes before/],
  ])('fails loudly with %s', (_, doc, message) => {
    expect(() => replaceBetweenMarkers(doc, M, 'body', 'README.md')).toThrow(message);
  });
});

describe('the figures blocks', () => {
  it('shows the median run (by automatic p99) and says so, with date, machine and the number of runs', () => {
    const runs = [
      run(400, { startedAt: '2026-12-02T02:18:40.000Z', at: '2026-12-02T02:20:00.000Z' }),
      run(200, { at: '2026-12-02T02:21:30.000Z' }),
      run(300, { at: '2026-12-02T02:23:00.000Z' }),
    ];
    const set = setOf(runs);
    expect(set.median).toBe(2);
    const readme = readmeBlock(set);
    expect(readme).toContain('Median of 3 runs');
    expect(readme).toContain('run 3');
    expect(readme).toContain('2026-12-02 02:18–02:23 UTC');
    expect(readme).toContain('2 × Intel(R) Xeon(R) Test CPU');
    expect(readme).toContain('Node v20.20.2, Java 17.0.15');
    expect(readme).toContain('run 1: 0.5 → 1.9');
    expect(readme).toContain('| latency p50 / p95 / p99 | 90 / 200 / 300 ms | 120 / 250 / 333 ms |');
    expect(readme).toContain('3 · 3 · 1 · 0');
    expect(readme).toContain('5 / 31.9');
    expect(readme).toContain('**$0.000103**');
    expect(readme).toContain('$0.000075 / $0.0000206 / $0.0000035 / $0.000004 / $0 |');
    expect(readme).toContain('system ÷ floor p99 2');
    expect(readme).toContain('135 KB – 418 KB (2 functions); cold imports 31 – 74 ms');
    expect(readme).toContain('0 / 1 ({"read ECONNRESET":1}) / 0');
    expect(readme).toContain('41 / 80 / 123 ms (500 at C=4, 500 complete)');
    expect(readme).toContain('210 / 400 / 612 ms');
    expect(readme).toContain('| state transitions per automatic determination | 3 | ≤ 3 | **true** |');
    expect(readme).toContain('| DynamoDB write units per automatic determination | 31.9 | ≤ 12 | false |');
    const perf = performanceBlock(set);
    expect(perf).toContain('| reconcile | 418 KB | 129 KB | 74 ms |');
    expect(perf).toContain('| 3 (shown) | 02:23 |');
    expect(perf).toContain('| 1 | 02:18–02:20 |');
    expect(perf).toContain('System ÷ floor at p99: 2.67, 1.33, 2 in the 3 runs.');
    expect(perf).not.toContain('differed');
  });

  it('warns when per-unit counts differ between runs, but not for Lambda cost (it follows handler time)', () => {
    expect(
      countDifferences([run(100, { lambdaCost: 0.000004 }), run(110, { lambdaCost: 0.000005 })]),
    ).toEqual([]);
    const warnings = countDifferences([run(100), run(110, { transitions: 4 }), run(120)]);
    expect(warnings).toEqual(['automatic determination transitions: 3 / 4 / 3']);
    expect(readmeBlock(setOf([run(100), run(110, { transitions: 4 })]))).toContain(
      '**Per-unit counts differed between runs:** automatic determination transitions: 3 / 4',
    );
  });
});

describe('writeDocs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const repo = (readme: string, perf: string) => {
    const root = mkdtempSync(join(tmpdir(), 'bench-docs-'));
    dirs.push(root);
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'README.md'), readme);
    writeFileSync(join(root, 'docs/performance.md'), perf);
    return root;
  };
  const readme = `# Title\n\nHand text 1.\n${README_MARKERS.start}\nold typed 1,525 ms\n${README_MARKERS.end}\n\nAfter.\n`;
  const perf = `# Perf\n${PERFORMANCE_MARKERS.start}\nold typed 29 per second\n${PERFORMANCE_MARKERS.end}\n## Next\n`;

  it('rewrites both blocks, keeps everything else, and a second write changes nothing', () => {
    const root = repo(readme, perf);
    const set = setOf([run(200), run(300), run(250)]);
    writeDocs(root, set);
    const r1 = readFileSync(join(root, 'README.md'), 'utf8');
    const p1 = readFileSync(join(root, 'docs/performance.md'), 'utf8');
    expect(r1).not.toContain('old typed');
    expect(p1).not.toContain('old typed');
    expect(r1.startsWith('# Title\n\nHand text 1.\n<!-- bench:readme:start -->\nMedian of 3 runs')).toBe(
      true,
    );
    expect(r1.endsWith(`${README_MARKERS.end}\n\nAfter.\n`)).toBe(true);
    expect(p1.endsWith(`${PERFORMANCE_MARKERS.end}\n## Next\n`)).toBe(true);
    expect(r1).toContain('90 / 200 / 250 ms');
    writeDocs(root, set);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe(r1);
    expect(readFileSync(join(root, 'docs/performance.md'), 'utf8')).toBe(p1);
  });

  it('fails loudly on a missing marker and then writes neither file', () => {
    const root = repo(readme, '# Perf without markers\n');
    expect(() => writeDocs(root, setOf([run(200)]))).toThrow(
      /docs\/performance\.md: expected the marker <!-- bench:figures:start --> exactly once, found it 0 times/,
    );
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe(readme);
  });

  it('the real README.md and docs/performance.md carry their markers once each', () => {
    const root = join(import.meta.dirname, '../..');
    for (const [file, markers] of [
      ['README.md', README_MARKERS],
      ['docs/performance.md', PERFORMANCE_MARKERS],
    ] as const) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(() => replaceBetweenMarkers(text, markers, 'x', file)).not.toThrow();
    }
  });
});

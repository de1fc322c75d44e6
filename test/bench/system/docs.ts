/**
 * `npm run bench -- --runs 3 --write-docs`: the figures in README.md and docs/performance.md, written
 * from the bench's own JSON lines so that nothing between the markers is typed by hand.
 *
 * Pure functions (no stack, no file system except `writeDocs`), tested in test/unit/bench-docs.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const README_MARKERS = { start: '<!-- bench:readme:start -->', end: '<!-- bench:readme:end -->' };
export const PERFORMANCE_MARKERS = {
  start: '<!-- bench:figures:start -->',
  end: '<!-- bench:figures:end -->',
};

/**
 * `text` with everything strictly between `start` and `end` replaced by `body` (framed by newlines).
 * Throws when a marker is missing, appears twice or the end comes before the start: a docs block that
 * cannot be found is a broken doc, not something to skip.
 */
export function replaceBetweenMarkers(
  text: string,
  markers: { start: string; end: string },
  body: string,
  file = 'document',
): string {
  const count = (m: string) => text.split(m).length - 1;
  for (const m of [markers.start, markers.end]) {
    const n = count(m);
    if (n !== 1) throw new Error(`${file}: expected the marker ${m} exactly once, found it ${n} times`);
  }
  const a = text.indexOf(markers.start) + markers.start.length;
  const b = text.indexOf(markers.end);
  if (b < a) throw new Error(`${file}: ${markers.end} comes before ${markers.start}`);
  return `${text.slice(0, a)}\n${body.trim()}\n${text.slice(b)}`;
}

// ---------------------------------------------------------------------------------------------------
// What the writer reads: the fields of the bench's JSON line it shows (see system.bench.ts).

interface P {
  p50: number;
  p95: number;
  p99: number;
}
export interface BenchRow {
  label: string;
  count: number;
  latencyMs: P & { max: number };
  perUnit?: {
    transitions: number;
    lambdaInvocations: number;
    readCapacityUnits: number;
    writeCapacityUnits: number;
    apiRequests: number;
    events: number;
  };
  costUsd?: Record<string, number>;
  dynamodbCalls?: { call: string; count: number }[];
}
export interface BenchJson {
  /** When the run started and ended (ISO, UTC). */
  startedAt?: string;
  at: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb?: number;
    os?: string;
    node: string;
    java?: string;
    loadAverageAtStart: number[];
  };
  options: { n: number; c: number; mix: Record<string, number>; visits: number };
  pasSubmit: {
    concurrency: number;
    n: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    outcomes: Record<string, number>;
  } | null;
  throughput: {
    determinationsPerSecond: number;
    visitReReviewsPerSecond: number;
    loadAverageAfter: number[];
    cpuMsPerDetermination: { stackAndHandlers: number; dynamodb: number; loadGenerator: number };
    retries: { referrals: number; visits: number; reasons: Record<string, number> };
    requestsLost: number;
  };
  counts: { submitted: number; determined: number; visitsSubmitted: number; visitsReReviewed: number };
  rows: BenchRow[];
  floor: {
    latencyMs: P;
    determinationsPerSecond: number;
    systemOverFloorP99: number;
    operationsPerDetermination: number;
    /** Absent in JSON lines written before it was measured. */
    cpuMsPerDetermination?: { node: number; dynamodb: number };
  } | null;
  functions: { name: string; bundleBytes?: number; gzipBytes?: number; coldImportMs?: number }[];
  goals: { figure: string; value: number | null; measured?: string; goal: string; met: boolean }[];
  delivery: {
    n: number;
    delivered: number;
    lost: number;
    duplicates: number;
    postToReceiverMs: P;
    determinationToReceiverMs: P;
  } | null;
  durationSeconds: number;
}

/** The runs behind the figures: every run's JSON and which one is shown. */
export interface RunSet {
  runs: BenchJson[];
  /** Index into `runs` of the run whose figures are shown (the median by automatic-determination p99). */
  median: number;
  /** The command that produced it, e.g. `npm run bench -- --runs 3 --write-docs`. */
  command: string;
  /** Per-unit counts that differed between runs (empty when identical). */
  countWarnings: string[];
}

// ---------------------------------------------------------------------------------------------------
// Formatting

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x)
    ? 'n/a'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const msTriple = (p: P | undefined) =>
  p ? `${fmt(p.p50, 0)} / ${fmt(p.p95, 0)} / ${fmt(p.p99, 0)} ms` : 'not measured';
const dollars = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : `$${Number(x.toPrecision(3))}`;
const kib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1024, 0)} KB`);
const utc = (iso: string) => iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
const hhmm = (iso: string) => iso.slice(11, 16);

const rowOf = (j: BenchJson, label: string) => j.rows.find((r) => r.label === label);
const units = (r: BenchRow | undefined) =>
  r?.perUnit
    ? `${fmt(r.perUnit.transitions, 2)} · ${fmt(r.perUnit.lambdaInvocations, 2)} · ${fmt(r.perUnit.apiRequests, 2)} · ${fmt(r.perUnit.events, 2)}`
    : 'not measured';
const capacity = (r: BenchRow | undefined) =>
  r?.perUnit ? `${fmt(r.perUnit.readCapacityUnits)} / ${fmt(r.perUnit.writeCapacityUnits)}` : 'not measured';
const costParts = (r: BenchRow | undefined) =>
  r?.costUsd
    ? ['stepFunctions', 'dynamodb', 'apiGateway', 'lambda', 'eventBridge']
        .map((k) => dollars(r.costUsd?.[k]))
        .join(' / ')
    : 'not measured';
const ddbCalls = (r: BenchRow | undefined) =>
  r?.dynamodbCalls
    ? fmt(
        r.dynamodbCalls.reduce((s, c) => s + c.count, 0),
        2,
      )
    : 'not measured';

function bundleRange(j: BenchJson) {
  const sized = j.functions.filter((f) => f.bundleBytes !== undefined);
  if (!sized.length) return 'not measured';
  const sizes = sized.map((f) => f.bundleBytes!);
  const imports = sized.map((f) => f.coldImportMs ?? Number.NaN).filter(Number.isFinite);
  return (
    `${kib(Math.min(...sizes))} – ${kib(Math.max(...sizes))} (${sized.length} functions); ` +
    `cold imports ${imports.length ? `${fmt(Math.min(...imports), 0)} – ${fmt(Math.max(...imports), 0)} ms` : 'n/a'}`
  );
}

const retriesLost = (j: BenchJson) => {
  const t = j.throughput;
  const reasons = Object.keys(t.retries.reasons).length ? ` (${JSON.stringify(t.retries.reasons)})` : '';
  return `${t.retries.referrals} / ${t.retries.visits}${reasons} / ${t.requestsLost}`;
};

const pasCell = (j: BenchJson) =>
  j.pasSubmit
    ? `${fmt(j.pasSubmit.p50Ms, 0)} / ${fmt(j.pasSubmit.p95Ms, 0)} / ${fmt(j.pasSubmit.p99Ms, 0)} ms ` +
      `(${j.pasSubmit.n} at C=${j.pasSubmit.concurrency}, ${j.pasSubmit.outcomes.complete ?? 0} complete)`
    : 'not measured';
const deliveryCell = (j: BenchJson) =>
  j.delivery
    ? `${msTriple(j.delivery.determinationToReceiverMs)} (POST → receiver ${msTriple(j.delivery.postToReceiverMs)}; ` +
      `${j.delivery.delivered}/${j.delivery.n} delivered, ${j.delivery.lost} lost, ${j.delivery.duplicates} duplicates)`
    : 'not measured';

const ratio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : fmt(x, 2));

/** The sentence that says when, where and how often: the same in both files. */
export function provenance(set: RunSet): string {
  const runs = set.runs;
  const m = runs[set.median]!;
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const loads = runs
    .map(
      (r, i) =>
        `run ${i + 1}: ${r.machine.loadAverageAtStart[0] ?? '?'} → ${r.throughput.loadAverageAfter[0] ?? '?'}`,
    )
    .join(', ');
  const p99s = runs.map((r) => fmt(rowOf(r, 'automatic determination')?.latencyMs.p99, 0)).join(' / ');
  const what =
    runs.length === 1
      ? 'One run'
      : `Median of ${runs.length} runs (the run with the median automatic-determination p99${runs.length % 2 ? '' : ', the lower of the middle two'}, run ${set.median + 1}; every figure, goal and the chart are that run's, not per-figure medians)`;
  return [
    `${what} of \`${set.command}\` (N=${m.options.n}, C=${m.options.c}, mix ${Object.values(m.options.mix).join(':')}, ` +
      `${m.options.visits} visits per approval), ${utc(first.startedAt ?? first.at).slice(0, 10)} ${hhmm(first.startedAt ?? first.at)}–${hhmm(last.at)} UTC, ` +
      `on ${m.machine.cpus} × ${m.machine.cpuModel}${m.machine.memoryGb ? `, ${m.machine.memoryGb} GB` : ''}, ` +
      `Node ${m.machine.node}, Java ${m.machine.java ?? 'unknown'}. Load average (1 min) at the start → after the measured ` +
      `phases: ${loads}. Automatic-determination p99 per run: ${p99s} ms. Written by the bench (\`--write-docs\`); ` +
      'do not edit by hand.',
    ...(set.countWarnings.length
      ? ['', `**Per-unit counts differed between runs:** ${set.countWarnings.join('; ')}.`]
      : []),
  ].join('\n');
}

function goalsTable(j: BenchJson): string[] {
  return [
    '| goal (issue 15) | measured | goal | met |',
    '|---|---|---|---|',
    ...j.goals.map(
      (g) =>
        `| ${g.figure} | ${g.measured ?? (g.value === null ? 'not measured' : fmt(g.value, 6))} | ${g.goal} | ${g.met ? '**true**' : 'false'} |`,
    ),
  ];
}

/** README.md's Performance block. */
export function readmeBlock(set: RunSet): string {
  const j = set.runs[set.median]!;
  const auto = rowOf(j, 'automatic determination');
  const visit = rowOf(j, 'visit re-review');
  const t = j.throughput;
  return [
    provenance(set),
    '',
    '| per authorization | automatic determination | visit re-review |',
    '|---|---|---|',
    `| throughput | ${fmt(t.determinationsPerSecond)} per second | ${fmt(t.visitReReviewsPerSecond)} per second |`,
    `| latency p50 / p95 / p99 | ${msTriple(auto?.latencyMs)} | ${msTriple(visit?.latencyMs)} |`,
    `| state transitions · Lambda invocations · API requests · events | ${units(auto)} | ${units(visit)} |`,
    `| DynamoDB read / write capacity units | ${capacity(auto)} | ${capacity(visit)} |`,
    `| estimated AWS cost | **${dollars(auto?.costUsd?.total)}** | **${dollars(visit?.costUsd?.total)}** |`,
    `| of which Step Functions / DynamoDB / API Gateway / Lambda / EventBridge | ${costParts(auto)} | ${costParts(visit)} |`,
    `| Node CPU per determination: stack + handlers / DynamoDB Local | ${fmt(t.cpuMsPerDetermination.stackAndHandlers)} / ${fmt(t.cpuMsPerDetermination.dynamodb)} ms | |`,
    `| floor (same DynamoDB calls, direct, C=${j.options.c}) | ${
      j.floor
        ? `${fmt(j.floor.determinationsPerSecond)} per second, p99 ${fmt(j.floor.latencyMs.p99, 0)} ms; system ÷ floor p99 ${ratio(j.floor.systemOverFloorP99)}`
        : 'not measured'
    } | |`,
    `| bundles | ${bundleRange(j)} | |`,
    `| requests sent again (referrals / visits) / lost | ${retriesLost(j)} | |`,
    `| \`$submit\` (PAS) → synchronous answer, p50 / p95 / p99 | ${pasCell(j)} | |`,
    `| webhook delivery, determination recorded → receiver, p50 / p95 / p99 | ${deliveryCell(j)} | |`,
    '',
    ...goalsTable(j),
  ].join('\n');
}

/** docs/performance.md's figures block. */
export function performanceBlock(set: RunSet): string {
  const j = set.runs[set.median]!;
  const auto = rowOf(j, 'automatic determination');
  const visit = rowOf(j, 'visit re-review');
  const pended = rowOf(j, 'pended for review (to the review)');
  const t = j.throughput;
  const c = j.counts;
  const perRun = set.runs.map((r, i) => {
    const a = rowOf(r, 'automatic determination');
    return (
      `| ${i + 1}${i === set.median ? ' (shown)' : ''} | ${r.startedAt ? `${hhmm(r.startedAt)}–` : ''}${hhmm(r.at)} | ${r.machine.loadAverageAtStart.join(' ')} | ` +
      `${r.throughput.loadAverageAfter.join(' ')} | ${fmt(r.throughput.determinationsPerSecond)} | ` +
      `${fmt(a?.latencyMs.p99, 0)} ms | ${ratio(r.floor?.systemOverFloorP99)} | ${fmt(r.throughput.cpuMsPerDetermination.stackAndHandlers)} ms | ` +
      `${r.throughput.retries.referrals + r.throughput.retries.visits} / ${r.throughput.requestsLost} | ${fmt(r.durationSeconds, 0)} s |`
    );
  });
  return [
    provenance(set),
    '',
    '![Latency percentiles and cost per authorization](bench/latency-cost.svg)',
    '',
    '| | automatic determination | visit re-review |',
    '|---|---|---|',
    `| throughput | ${fmt(t.determinationsPerSecond)} per second (referral phase) | ${fmt(t.visitReReviewsPerSecond)} per second |`,
    `| latency p50 / p95 / p99 (POST → outcome recorded) | ${msTriple(auto?.latencyMs)} | ${msTriple(visit?.latencyMs)} |`,
    `| state transitions | **${fmt(auto?.perUnit?.transitions, 2)}** | **${fmt(visit?.perUnit?.transitions, 2)}** |`,
    `| Lambda invocations | ${fmt(auto?.perUnit?.lambdaInvocations, 2)} | ${fmt(visit?.perUnit?.lambdaInvocations, 2)} |`,
    `| DynamoDB read / write capacity units | ${capacity(auto)} | ${capacity(visit)} |`,
    `| DynamoDB calls | ${ddbCalls(auto)} | ${ddbCalls(visit)} |`,
    `| API requests / events | ${fmt(auto?.perUnit?.apiRequests, 2)} / ${fmt(auto?.perUnit?.events, 2)} | ${fmt(visit?.perUnit?.apiRequests, 2)} / ${fmt(visit?.perUnit?.events, 2)} |`,
    `| **estimated AWS cost** | **${dollars(auto?.costUsd?.total)}** | **${dollars(visit?.costUsd?.total)}** |`,
    `| of which Step Functions / DynamoDB / API Gateway / Lambda / EventBridge | ${costParts(auto)} | ${costParts(visit)} |`,
    `| Node CPU per determination: stack + handlers / DynamoDB Local / load generator | ${fmt(t.cpuMsPerDetermination.stackAndHandlers)} / ${fmt(t.cpuMsPerDetermination.dynamodb)} / ${fmt(t.cpuMsPerDetermination.loadGenerator)} ms | |`,
    `| requests sent again (referrals / visits) / lost | ${retriesLost(j)} | |`,
    `| \`$submit\` (PAS) → synchronous answer, p50 / p95 / p99 | ${pasCell(j)} | |`,
    `| webhook delivery, determination recorded → receiver, p50 / p95 / p99 | ${deliveryCell(j)} | |`,
    '',
    `Pended referrals reach PENDING_REVIEW with ${fmt(pended?.perUnit?.transitions, 2)} transitions and ` +
      `${dollars(pended?.costUsd?.total)}. ${c.determined} of ${c.submitted} referrals were decided and ` +
      `${c.visitsReReviewed} of ${c.visitsSubmitted} visits re-reviewed in the run shown.`,
    '',
    j.floor
      ? `**Floor** — the same ${fmt(j.floor.operationsPerDetermination, 1)} DynamoDB calls per determination replayed ` +
        `straight against DynamoDB Local at C=${j.options.c}: ${fmt(j.floor.determinationsPerSecond)} determinations per ` +
        `second, ${msTriple(j.floor.latencyMs)} p50 / p95 / p99` +
        (j.floor.cpuMsPerDetermination
          ? `, ${fmt(j.floor.cpuMsPerDetermination.node, 1)} ms of Node CPU per determination (those SDK calls and ` +
            `the outbox work their writes cause; the system's: ${fmt(j.throughput.cpuMsPerDetermination.stackAndHandlers, 1)} ms)`
          : '') +
        `. System ÷ floor at p99: ` +
        `${set.runs.map((r) => ratio(r.floor?.systemOverFloorP99)).join(', ')} in the ${set.runs.length === 1 ? 'run' : `${set.runs.length} runs`}.`
      : '**Floor** — not measured in this run (`--no-floor`).',
    '',
    '**Bundles** (esbuild through `cdk synth`, exactly as deployed; cold import: median of fresh Node processes):',
    '',
    '| function | bundle | gzip | cold import |',
    '|---|---|---|---|',
    ...j.functions
      .filter((f) => f.bundleBytes !== undefined)
      .map(
        (f) => `| ${f.name} | ${kib(f.bundleBytes)} | ${kib(f.gzipBytes)} | ${fmt(f.coldImportMs, 0)} ms |`,
      ),
    '',
    ...goalsTable(j),
    '',
    'Every run:',
    '',
    '| run | at (UTC) | load average at start | load average after | determinations / s | automatic p99 | system ÷ floor p99 | Node CPU / determination | retries / lost | duration |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...perRun,
  ].join('\n');
}

/** Rewrites both blocks in place under `root`; returns the files written. */
export function writeDocs(root: string, set: RunSet): string[] {
  const files: [string, { start: string; end: string }, string][] = [
    ['README.md', README_MARKERS, readmeBlock(set)],
    ['docs/performance.md', PERFORMANCE_MARKERS, performanceBlock(set)],
  ];
  // Read and check both before writing either, so a missing marker leaves both files as they were.
  const next = files.map(([file, markers, body]) => {
    const path = join(root, file);
    return [path, replaceBetweenMarkers(readFileSync(path, 'utf8'), markers, body, file)] as const;
  });
  for (const [path, text] of next) writeFileSync(path, text);
  return next.map(([path]) => path);
}

// ---------------------------------------------------------------------------------------------------
// Choosing the run and comparing counts

/** The index of the run with the median automatic-determination p99 (the lower median for an even count). */
export function medianRun(runs: readonly BenchJson[]): number {
  const p99 = (r: BenchJson) =>
    rowOf(r, 'automatic determination')?.latencyMs.p99 ?? Number.POSITIVE_INFINITY;
  const order = runs.map((r, i) => [p99(r), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return order[Math.floor((order.length - 1) / 2)]![1];
}

/**
 * Per-unit counts that are not the same in every run. Lambda cost is left out: it follows GB-seconds,
 * i.e. handler time, which varies with load; every other cost part follows counts.
 */
export function countDifferences(runs: readonly BenchJson[]): string[] {
  const out: string[] = [];
  const first = runs[0];
  if (!first) return out;
  const keysOf = (r: BenchRow) => ({
    // GB-seconds follow handler time (load), not counts.
    ...Object.fromEntries(Object.entries(r.perUnit ?? {}).filter(([k]) => k !== 'lambdaGbSeconds')),
    ...Object.fromEntries(
      Object.entries(r.costUsd ?? {})
        .filter(([k]) => k !== 'lambda' && k !== 'total')
        .map(([k, v]) => [`${k} cost`, v] as const),
    ),
  });
  for (const row of first.rows) {
    const base = keysOf(row);
    for (const [key, value] of Object.entries(base)) {
      const values = runs.map((r) => {
        const other = r.rows.find((x) => x.label === row.label);
        return other ? (keysOf(other) as Record<string, number>)[key] : undefined;
      });
      if (values.some((v) => v !== value)) {
        out.push(
          `${row.label.trim()} ${key}: ${values.map((v) => (v === undefined ? 'n/a' : String(v))).join(' / ')}`,
        );
      }
    }
  }
  const bundleSizes = runs.map((r) => r.functions.map((f) => `${f.name}=${f.bundleBytes ?? ''}`).join(','));
  if (bundleSizes.some((b) => b !== bundleSizes[0])) out.push('function bundle sizes differ between runs');
  return out;
}

/**
 * `npm run bench`: the whole system on the local stack, measured and priced at AWS list prices.
 *
 *   npm run bench -- [--n 500] [--c 16] [--mix 70:20:10] [--visits 4] [--warmup 40]
 *                    [--base http://127.0.0.1:3000] [--no-floor] [--no-bundles] [--init-runs 5]
 *                    [--chart docs/bench/latency-cost.svg | --no-chart] [--runs 3] [--write-docs]
 *
 * It starts the embedded local stack in this process (fresh temporary data directory), loads a member
 * per referral, submits N referrals at concurrency C in the mix approve:pend:deny, then records the
 * visits of every approved referral (one after another per referral, C referrals at a time). It prints
 * tables and, as the last line, one JSON object. See docs/performance.md for the method.
 *
 * With --runs K it runs all of that K times, each in a fresh process with a fresh stack, and shows the run
 * with the median automatic-determination p99 whole (test/bench/system/runs.ts); --write-docs then writes
 * that run's figures into README.md and docs/performance.md between their markers (system/docs.ts).
 *
 * With --base it drives a stack that is already running: latency and throughput only (completion by
 * polling GET /referrals/{id}); counts, costs and the floor need the in-process instrumentation.
 */
import { fork, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '../../infra/local/stack.js';
import { type BundleReport, measureBundles } from './system/bundles.js';
import { renderChart } from './system/chart.js';
import { type Collector, createCollector, type InvocationRecord, type Outcome } from './system/collector.js';
import { type CpuSample, coresBetween, cpuSample, settle } from './system/cpu.js';
import { type DeliveryReport, deliveryJson, deliveryTable, measureDelivery } from './system/delivery.js';
import type { DriverStart, FromDriver, ToDriver } from './system/driver.js';
import { type FloorResult, measureFloor } from './system/floor.js';
import { type Category, planReferrals, type ReferralRun, type VisitRun } from './system/load.js';
import { type PasRun, pasJson, pasRows, pasTarget } from './system/pas-load.js';
import {
  addUsage,
  type CostBreakdown,
  costOf,
  emptyUsage,
  lambdaGbSeconds,
  PRICES,
  priceTable,
  scaleUsage,
  type Usage,
} from './system/prices.js';
import {
  type Profiler,
  profileByKind,
  startProfiler,
  summariseProfile,
  writeProfile,
} from './system/profile.js';
import { runMany } from './system/runs.js';
import { kb, ms, num, type Percentiles, percentiles, round, table, usd } from './system/stats.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGETS = {
  p99Ms: 150,
  determinationsPerSecond: 100,
  transitions: 10,
  costUsd: 0.0003,
  bundleKb: 300,
  initMs: 150,
};

// ---------------------------------------------------------------------------------------------------
// Options

interface Options {
  n: number;
  c: number;
  mix: Record<Category, number>;
  visits: number;
  warmup: number;
  base?: string;
  floor: boolean;
  /** The stack runs its event source mappings (the notification outbox); `--no-outbox` turns them off. */
  outbox: boolean;
  bundles: boolean;
  initRuns: number;
  chart?: string;
  timeoutMs: number;
  profile?: string;
  /** Where the throwaway DynamoDB Local data goes; default memory-backed /dev/shm where it exists. */
  dataParent: string;
  /** Portals send an Idempotency-Key with each referral (SPEC 4); `--no-idempotency-key` leaves it out. */
  idempotencyKey: boolean;
  /** Referrals whose webhook delivery is timed after the main phases (0: none). */
  delivery: number;
  /** Independent runs (fresh process and stack each); the median run by automatic p99 is shown. */
  runs: number;
  /** Write the shown run's figures into README.md and docs/performance.md (between their markers). */
  writeDocs: boolean;
  /** The arguments without --runs and --write-docs: what each of the runs is started with. */
  childArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    n: 500,
    c: 16,
    mix: { approve: 70, pend: 20, deny: 10 },
    visits: 4,
    warmup: 40,
    floor: true,
    outbox: true,
    bundles: true,
    initRuns: 5,
    chart: join(REPO_ROOT, 'docs/bench/latency-cost.svg'),
    timeoutMs: 30_000,
    dataParent: defaultDataParent(),
    idempotencyKey: true,
    delivery: 100,
    runs: 1,
    writeDocs: false,
    childArgs: [],
  };
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const at = i;
    const value = () => inline ?? argv[++i];
    if (flag !== '--runs' && flag !== '--write-docs') {
      // Everything else is handed to each run as given (its value, if any, is pushed below).
      o.childArgs.push(argv[at]!);
    }
    switch (flag) {
      case '--runs':
        o.runs = int(flag, value(), 1);
        break;
      case '--write-docs':
        o.writeDocs = true;
        break;
      case '--n':
        o.n = int(flag, value(), 1);
        break;
      case '--c':
        o.c = int(flag, value(), 1);
        break;
      case '--visits':
        o.visits = int(flag, value(), 0);
        break;
      case '--warmup':
        o.warmup = int(flag, value(), 0);
        break;
      case '--init-runs':
        o.initRuns = int(flag, value(), 1);
        break;
      case '--timeout':
        o.timeoutMs = int(flag, value(), 1000);
        break;
      case '--mix': {
        const parts = String(value()).split(/[:,/]/).map(Number);
        if (parts.length !== 3 || parts.some((p) => !(p >= 0)) || parts.every((p) => p === 0)) {
          throw new Error('--mix takes approve:pend:deny weights, e.g. 70:20:10');
        }
        o.mix = { approve: parts[0]!, pend: parts[1]!, deny: parts[2]! };
        break;
      }
      case '--base':
        o.base = String(value()).replace(/\/$/, '');
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--no-outbox':
        o.outbox = false;
        o.delivery = 0;
        break;
      case '--no-bundles':
        o.bundles = false;
        break;
      case '--chart':
        o.chart = resolve(String(value()));
        break;
      case '--no-chart':
        delete o.chart;
        break;
      case '--profile':
        o.profile = resolve(String(value()));
        break;
      case '--no-idempotency-key':
        o.idempotencyKey = false;
        break;
      case '--delivery':
        o.delivery = int(flag, value(), 0);
        break;
      case '--data-dir':
        o.dataParent = resolve(String(value()));
        break;
      case '--help':
      case '-h':
        console.log(
          'npm run bench -- [--n 500] [--c 16] [--mix 70:20:10] [--visits 4] [--warmup 40] [--base URL]\n' +
            '                 [--no-floor] [--no-bundles] [--init-runs 5] [--chart PATH | --no-chart] [--timeout 30000]\n' +
            '                 [--profile out.cpuprofile]   (CPU profile of the measured phases)\n' +
            '                 [--data-dir DIR]             (parent of the throwaway DynamoDB Local data; default /dev/shm)\n' +
            '                 [--no-idempotency-key]       (submit referrals without an Idempotency-Key header)\n' +
            '                 [--no-outbox]                (no event source mappings: what the notification outbox costs, by difference)\n' +
            '                 [--delivery 100]             (referrals timed to their webhook delivery; 0: none)\n' +
            '                 [--runs 1]                   (independent runs, fresh process and stack each; the run with the\n' +
            '                                               median automatic p99 is shown whole: tables, goals, chart, JSON)\n' +
            '                 [--write-docs]               (write the shown run into README.md and docs/performance.md)',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`Unknown option ${flag} (try --help)`);
    }
    if (flag !== '--runs' && i > at) o.childArgs.push(argv[i]!);
  }
  if (o.writeDocs && o.base)
    throw new Error('--write-docs needs the in-process stack (counts, costs, floor): not with --base');
  if (o.writeDocs && !o.outbox)
    throw new Error('--write-docs measures the whole system: not with --no-outbox');
  return o;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The bench's data is thrown away afterwards, so it lives in memory (/dev/shm) where there is one:
 * on a VM disk SQLite's fsync per write (DynamoDB Local's storage) costs more than anything DynamoDB
 * itself does, and would measure the disk rather than the system. `--data-dir` puts it elsewhere.
 */
function defaultDataParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

// ---------------------------------------------------------------------------------------------------
// Attribution: usage per referral / visit

interface Row {
  label: string;
  count: number;
  latency: Percentiles;
  usage: Usage;
  cost: CostBreakdown;
  /** Mean DynamoDB calls per unit, by function and operation (`wf-evaluate BatchGetItem`). */
  calls: { call: string; count: number; read: number; write: number }[];
}

function callsOf(groups: InvocationRecord[][]): Row['calls'] {
  const by = new Map<string, { count: number; read: number; write: number }>();
  for (const invocations of groups) {
    for (const inv of invocations) {
      for (const op of inv.ops) {
        const key = `${inv.fn} ${op.operation}`;
        const c = by.get(key) ?? { count: 0, read: 0, write: 0 };
        c.count += 1;
        c.read += op.read;
        c.write += op.write;
        by.set(key, c);
      }
    }
  }
  const n = Math.max(1, groups.length);
  return [...by].map(([call, c]) => ({ call, count: c.count / n, read: c.read / n, write: c.write / n }));
}

function indexByKey(invocations: readonly InvocationRecord[], phase: string) {
  const byKey = new Map<string, InvocationRecord[]>();
  for (const inv of invocations) {
    if (inv.phase !== phase || !inv.key) continue;
    const list = byKey.get(inv.key) ?? [];
    list.push(inv);
    byKey.set(inv.key, list);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.start - b.start);
  return byKey;
}

function usageOf(
  invocations: readonly InvocationRecord[],
  transitions: number,
  events: number,
  memoryOf: (logicalId: string) => number,
): Usage {
  const u = emptyUsage();
  u.transitions = transitions;
  u.events = events;
  for (const inv of invocations) {
    u.lambdaRequests += 1;
    u.lambdaGbSeconds += lambdaGbSeconds(memoryOf(inv.logicalId), inv.ms);
    if (inv.kind === 'api') u.apiRequests += 1;
    for (const op of inv.ops) {
      u.readUnits += op.read;
      u.writeUnits += op.write;
    }
  }
  return u;
}

function row(label: string, latencies: number[], usages: Usage[], groups: InvocationRecord[][] = []): Row {
  const total = usages.reduce((acc, u) => addUsage(acc, u), emptyUsage());
  const usage = usages.length ? scaleUsage(total, 1 / usages.length) : emptyUsage();
  return {
    label,
    count: usages.length,
    latency: percentiles(latencies),
    usage,
    cost: costOf(usage),
    calls: callsOf(groups),
  };
}

// ---------------------------------------------------------------------------------------------------

/** `java -version`'s version string (DynamoDB Local's JVM), or `unknown`. */
function javaVersion(): string {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(`${out.stderr ?? ''}${out.stdout ?? ''}`)?.[1] ?? 'unknown';
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.runs > 1 || options.writeDocs) {
    return runMany({
      runs: options.runs,
      writeDocs: options.writeDocs,
      ...(options.chart ? { chart: options.chart } : {}),
      childArgs: options.childArgs,
      script: fileURLToPath(import.meta.url),
      repoRoot: REPO_ROOT,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
    });
  }
  const benchStart = performance.now();
  const runId = Date.now().toString(36);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    freeMemoryGb: round(freemem() / 1024 ** 3, 1),
    os: `${process.platform} ${release()}`,
    node: process.version,
    java: javaVersion(),
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
  log(
    `system bench: N=${options.n} C=${options.c} mix approve:pend:deny=${options.mix.approve}:${options.mix.pend}:${options.mix.deny}, ` +
      `${options.visits} visits per approval, on ${machine.cpus} × ${machine.cpuModel}, ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  // 1. The system.
  let stack: LocalStack | undefined;
  let collector: Collector | undefined;
  let dataDir: string | undefined;
  const functionNames = new Map<string, string>();
  let baseUrl = options.base;
  if (!baseUrl) {
    collector = createCollector(functionNames);
    dataDir = mkdtempSync(join(options.dataParent, 'prior-auth-bench-'));
    // The stack synthesizes the app; keep its cloud assembly inside the data directory, removed at the end.
    process.env.CDK_OUTDIR ??= join(dataDir, 'cdk.out');
    const t0 = performance.now();
    const { startLocalStack } = await import('../../infra/local/stack.js');
    try {
      stack = await startLocalStack({
        port: 0,
        dataDir,
        aroundInvoke: collector.aroundInvoke,
        onEvent: collector.onEvent,
        eventSources: options.outbox,
        // Pended referrals wait for a reviewer; stopping the stack aborts them, which is expected here.
        log: (line) => {
          if (!line.includes('Local.Shutdown')) log(`  [stack] ${line}`);
        },
      });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    for (const [id, fn] of stack.model.functions) {
      functionNames.set(id, fn.entry?.split('/')[1] ?? id);
    }
    // Capacity accounting: the handlers' DynamoDB client (built now that the stack set its endpoint) and the stack's own.
    const { dynamoClient } = await import('../../shared/aws/dynamodb.js');
    collector.instrument(dynamoClient());
    collector.instrument(stack.dynamo);
    baseUrl = stack.url;
    log(
      `local stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${stack.url} (data in ${dataDir})`,
    );
  }
  const memoryOf = (logicalId: string) => stack?.model.functions.get(logicalId)?.memoryMb ?? 512;
  let profileRows: string[][] | undefined;

  try {
    // 2–5. The load: a separate process (the portal's side), so its HTTP client's CPU is not the stack's.
    const warm = planReferrals(`${runId}w`, options.warmup, options.mix, options.idempotencyKey);
    const planned = planReferrals(runId, options.n, options.mix, options.idempotencyKey);
    const profiler = { current: undefined as Profiler | undefined };
    let t0 = performance.now();
    /** `endAt`: the previous phase's last answer; `at`: this phase's start, after the stack settled. */
    const marks: Record<string, { at: number; endAt: number; cpu: CpuSample; driverCpu: number }> = {};
    let idleCores: { node: number; dynamodb: number } | undefined;
    const load = await driveLoad(
      {
        t: 'start',
        baseUrl,
        concurrency: options.c,
        visits: options.visits,
        timeoutMs: options.timeoutMs,
        parentCompletion: Boolean(collector),
        warm,
        planned,
        pasSubmits: options.n,
      },
      async (name, driverCpu) => {
        const endAt = performance.now();
        // In process, each phase's CPU includes the work its requests left behind (the outbox drains
        // a stream batch and its notifications after the answer) and none of the previous phase's:
        // the stack is let settle at each boundary before the CPU is sampled.
        if (stack && (name === 'referrals' || name === 'visits' || name === 'after'))
          log(`settled before ${name} in ${((await settle()) / 1000).toFixed(1)} s`);
        if (stack && name === 'referrals') {
          // What the stack costs doing nothing (its pollers): part of every phase's CPU, load or not.
          const before = cpuSample();
          await new Promise((r) => setTimeout(r, 2000));
          idleCores = coresBetween(before, cpuSample());
        }
        if (name === 'warmup') log(`members loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (name === 'referrals' && warm.length > 0)
          log(`warm-up (${warm.length} referrals) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (name === 'referrals' && options.profile) profiler.current = await startProfiler();
        if (name === 'after' && profiler.current) {
          const profile = await profiler.current.stop();
          writeProfile(options.profile!, profile);
          profileRows = [...profileByKind(profile), ['', '', ''], ...summariseProfile(profile)];
        }
        // Sampled last on the way in, so the profiler's start and stop stay outside the measured window.
        marks[name] = { at: performance.now(), endAt, cpu: cpuSample(), driverCpu };
        collector?.phase(name);
        t0 = performance.now();
      },
      (key) => collector!.waitFor(key, options.timeoutMs),
    );
    const span = (a: string, b: string) => {
      const x = marks[a]!;
      const y = marks[b]!;
      // Cores busy over the phase's own wall time (first request to last answer), with the CPU of the
      // settling after it: CPU per determination is the phase's CPU ÷ what it decided.
      const wall = (y.endAt - x.at) / 1000;
      const cpuWall = (y.cpu.at - x.cpu.at) / 1000;
      const cores = coresBetween(x.cpu, y.cpu);
      for (const k of ['node', 'dynamodb', 'other'] as const)
        cores[k] = wall > 0 ? (cores[k] * cpuWall) / wall : 0;
      const loadGenerator = wall > 0 ? (y.driverCpu - x.driverCpu) / wall : 0;
      return {
        wallMs: y.endAt - x.at,
        cores: { ...cores, loadGenerator, other: Math.max(0, cores.other - loadGenerator) },
      };
    };
    const referralSpan = span('referrals', 'visits');
    const visitSpan = span('visits', 'after');
    const { referrals, visits } = load;
    const referralWall = referralSpan.wallMs;
    const visitWall = visitSpan.wallMs;
    log(`referral phase: ${referrals.length} in ${(referralWall / 1000).toFixed(1)} s`);
    log(`visit phase: ${visits.length} in ${(visitWall / 1000).toFixed(1)} s`);
    const retries = {
      referrals: load.retries.referrals ?? 0,
      visits: load.retries.visits ?? 0,
      reasons: load.retryReasons,
    };
    if (profileRows) log(`CPU profile of the measured phases written to ${options.profile}`);

    // 6. Figures.
    const report = await summarise({
      options,
      machine,
      stack,
      collector,
      memoryOf,
      referrals,
      visits,
      referralWall,
      visitWall,
      runId,
      retries,
      pas: load.pas,
      cores: {
        referrals: referralSpan.cores,
        visits: visitSpan.cores,
        ...(idleCores ? { idle: idleCores } : {}),
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
      },
    });
    const delivery = options.delivery
      ? await measureDelivery({
          baseUrl,
          n: options.delivery,
          concurrency: 4,
          timeoutMs: options.timeoutMs,
          runId,
          log,
        })
      : undefined;
    if (stack) {
      await stack.stop();
      stack = undefined;
    }

    // 7. Bundles and cold initialisation (after the stack stopped, on a quiet machine).
    let bundles: BundleReport | undefined;
    if (options.bundles) {
      log('bundling every function as deployed (cdk synth with esbuild) and timing cold imports…');
      bundles = await measureBundles({ runs: options.initRuns, log });
    }
    const durationSeconds = (performance.now() - benchStart) / 1000;
    print(report, bundles, options, durationSeconds, profileRows, delivery);
    // A request that got no answer or no outcome even after the retries is a lost referral or visit.
    if (report.failures.length > 0) {
      log(`${report.failures.length} requests lost: the run fails`);
      return false;
    }
    return true;
  } finally {
    collector?.detach();
    if (stack) await stack.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// The load generator's process

type DriverResult = Extract<FromDriver, { t: 'result' }>;

/**
 * Forks test/bench/system/driver.ts, hands it the plan and answers it: `onPhase` runs at each phase
 * boundary before the driver goes on, and `waitFor` tells it when a referral or visit was decided.
 */
function driveLoad(
  start: DriverStart,
  onPhase: (name: string, driverCpuSeconds: number) => Promise<void>,
  waitFor: (key: string) => Promise<Outcome | undefined>,
): Promise<DriverResult> {
  const script = fileURLToPath(new URL('./system/driver.ts', import.meta.url));
  const child = fork(script, [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const tell = (m: ToDriver) => child.send(m);
  return new Promise<DriverResult>((resolve, reject) => {
    let result: DriverResult | undefined;
    child.on('message', (m: FromDriver) => {
      if (m.t === 'phase') {
        onPhase(m.name, m.cpuSeconds).then(
          () => tell({ t: 'phase-ok' }),
          (err: unknown) => {
            child.kill();
            reject(err);
          },
        );
      } else if (m.t === 'wait') {
        waitFor(m.key).then((o) => {
          const outcome = !o
            ? null
            : {
                // Wall-clock milliseconds: the driver turns them back into its own clock.
                epochMs: performance.timeOrigin + o.at,
                outcome:
                  m.key.startsWith('ref:') && o.kind === 'pended' ? 'PENDING_REVIEW' : (o.detail ?? o.kind),
              };
          if (child.connected) tell({ t: 'outcome', id: m.id, outcome });
        });
      } else if (m.t === 'result') {
        result = m;
        resolve(m);
      } else if (m.t === 'error') {
        reject(new Error(`load generator failed: ${m.message}`));
      }
    });
    child.on('error', reject);
    // 'close' comes after the channel's last message; a driver that ends without its result failed.
    child.on('close', (code) => {
      if (!result) reject(new Error(`load generator exited (${code}) without a result`));
    });
    tell(start);
  });
}

// ---------------------------------------------------------------------------------------------------

interface SummaryInput {
  options: Options;
  machine: Record<string, unknown>;
  stack: LocalStack | undefined;
  collector: Collector | undefined;
  memoryOf: (logicalId: string) => number;
  referrals: ReferralRun[];
  visits: VisitRun[];
  referralWall: number;
  visitWall: number;
  runId: string;
  /** Requests the load generator sent again (lost connection, gateway error), by phase, and why. */
  retries: { referrals: number; visits: number; reasons: Record<string, number> };
  pas: PasRun | undefined;
  cores: {
    /** node: this process (the stack, its handlers and the bench's instrumentation); loadGenerator: the driver. */
    referrals: { node: number; dynamodb: number; loadGenerator: number; other: number };
    visits: { node: number; dynamodb: number; loadGenerator: number; other: number };
    /** The settled stack doing nothing for 2 s before the referral phase (in process only). */
    idle?: { node: number; dynamodb: number };
    loadAverageAfter: number[];
  };
}

async function summarise(input: SummaryInput) {
  const { stack, collector, referrals, visits, options } = input;
  const latencyOf = (r: { sentAt: number; doneAt?: number }) => (r.doneAt ?? Number.NaN) - r.sentAt;
  const done = referrals.filter((r) => r.doneAt !== undefined);
  const visitsDone = visits.filter((v) => v.doneAt !== undefined);
  const failures = [
    ...referrals.filter((r) => r.error).map((r) => `referral ${r.planned.index}: ${r.error}`),
    ...visits.filter((v) => v.error).map((v) => `visit ${v.visitId}: ${v.error}`),
  ];
  const mismatched = done.filter((r) => {
    const o = r.outcome ?? '';
    if (r.planned.category === 'approve') return !/APPROVED/.test(o);
    if (r.planned.category === 'pend') return o !== 'PENDING_REVIEW';
    return o !== 'DENIED';
  });
  const span = (xs: { sentAt: number; doneAt?: number }[]) =>
    xs.length
      ? (Math.max(...xs.map((x) => x.doneAt ?? 0)) - Math.min(...xs.map((x) => x.sentAt))) / 1000
      : NaN;
  const determinationsPerSecond = done.length / span(done);
  /** CPU milliseconds per referral decided, from cores busy over the referral phase. */
  const perDetermination = (cores: number) => (cores * input.referralWall) / Math.max(1, done.length);
  const visitsPerSecond = visitsDone.length / span(visitsDone);

  const rows: Row[] = [];
  let floor: FloorResult | undefined;
  let floorSerial: FloorResult | undefined;
  const perFunction: { fn: string; invocations: number; meanMs: number; p99Ms: number; ops: number }[] = [];

  if (stack && collector) {
    // Let every execution the run started finish (pended ones wait for a reviewer: left as they are).
    const authArn = stack.model.stateMachines.find((s) => s.name.startsWith('AuthorizationWorkflow'))!.arn;
    const contArn = stack.model.stateMachines.find((s) =>
      s.name.startsWith('ContinuationReviewWorkflow'),
    )!.arn;
    const executionArn = (smArn: string, name: string) =>
      `${smArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const waitAll = (arns: string[]) =>
      Promise.race([
        Promise.all(arns.map((a) => stack.sfn.waitFor(a).catch(() => undefined))),
        new Promise((r) => setTimeout(r, options.timeoutMs)),
      ]);
    await waitAll(
      done.filter((r) => r.outcome !== 'PENDING_REVIEW').map((r) => executionArn(authArn, r.referralId!)),
    );
    const visitExecution = new Map<string, string>();
    for (const e of stack.sfn.listExecutions(contArn)) {
      try {
        const id = (JSON.parse(e.input) as { detail?: { visit?: { visitId?: string } } }).detail?.visit
          ?.visitId;
        if (id) visitExecution.set(id, e.executionArn);
      } catch {}
    }
    await waitAll(
      visitsDone.filter((v) => v.outcome !== 'REVIEW').flatMap((v) => visitExecution.get(v.visitId) ?? []),
    );
    const transitionsOf = (arn: string | undefined) => {
      if (!arn) return 0;
      try {
        return stack.sfn.getExecutionHistory(arn).transitions;
      } catch {
        return 0;
      }
    };

    const refIndex = indexByKey(collector.invocations, 'referrals');
    const visitIndex = indexByKey(collector.invocations, 'visits');
    const refUsage = (r: ReferralRun) =>
      usageOf(
        refIndex.get(`ref:${r.referralId}`) ?? [],
        transitionsOf(executionArn(authArn, r.referralId!)),
        collector.events.get(`ref:${r.referralId}`) ?? 0,
        input.memoryOf,
      );
    const group = (label: string, rs: ReferralRun[]) =>
      row(
        label,
        rs.map(latencyOf),
        rs.map(refUsage),
        rs.map((r) => refIndex.get(`ref:${r.referralId}`) ?? []),
      );
    const automatic = done.filter((r) => r.outcome !== 'PENDING_REVIEW');
    rows.push(group('automatic determination', automatic));
    rows.push(
      group(
        '  approved',
        done.filter((r) => /APPROVED/.test(r.outcome ?? '')),
      ),
    );
    rows.push(
      group(
        '  denied (administrative)',
        done.filter((r) => r.outcome === 'DENIED'),
      ),
    );
    rows.push(
      group(
        'pended for review (to the review)',
        done.filter((r) => r.outcome === 'PENDING_REVIEW'),
      ),
    );
    rows.push(group('every referral', done));
    const visitUsages = visitsDone.map((v) =>
      usageOf(
        visitIndex.get(`visit:${v.visitId}`) ?? [],
        transitionsOf(visitExecution.get(v.visitId)),
        collector.events.get(`visit:${v.visitId}`) ?? 0,
        input.memoryOf,
      ),
    );
    rows.push(
      row(
        'visit re-review',
        visitsDone.map(latencyOf),
        visitUsages,
        visitsDone.map((v) => visitIndex.get(`visit:${v.visitId}`) ?? []),
      ),
    );

    // Where the time goes: each function's handler time in the measured phases.
    const byFn = new Map<string, InvocationRecord[]>();
    for (const inv of collector.invocations) {
      if (inv.phase !== 'referrals' && inv.phase !== 'visits') continue;
      byFn.set(inv.fn, [...(byFn.get(inv.fn) ?? []), inv]);
    }
    for (const [fn, list] of [...byFn].sort((a, b) => a[0].localeCompare(b[0]))) {
      const p = percentiles(list.map((i) => i.ms));
      perFunction.push({
        fn,
        invocations: list.length,
        meanMs: p.mean,
        p99Ms: p.p99,
        ops: list.reduce((s, i) => s + i.ops.length, 0) / list.length,
      });
    }

    // 7. The floor: the same DynamoDB operations, straight to DynamoDB Local, same concurrency.
    if (options.floor && automatic.length > 0) {
      log(`floor: replaying the DynamoDB operations of ${automatic.length} automatic determinations…`);
      const recorded = automatic.map((r) => ({
        referralId: r.referralId!,
        ...(r.planned.idempotencyKey ? { idempotencyKey: r.planned.idempotencyKey } : {}),
        invocations: refIndex.get(`ref:${r.referralId}`) ?? [],
      }));
      const { dynamoClient } = await import('../../shared/aws/dynamodb.js');
      floor = await measureFloor(dynamoClient(), recorded, options.c, input.runId);
      // And one at a time, on a quiet engine: the DynamoDB time a determination needs without queueing.
      floorSerial = await measureFloor(dynamoClient(), recorded.slice(0, 100), 1, `${input.runId}s`);
    }
  } else {
    const automatic = done.filter((r) => r.outcome !== 'PENDING_REVIEW');
    rows.push(
      row(
        'automatic determination',
        automatic.map(latencyOf),
        automatic.map(() => emptyUsage()),
      ),
    );
    rows.push(
      row(
        'every referral',
        done.map(latencyOf),
        done.map(() => emptyUsage()),
      ),
    );
    rows.push(
      row(
        'visit re-review',
        visitsDone.map(latencyOf),
        visitsDone.map(() => emptyUsage()),
      ),
    );
  }

  return {
    machine: input.machine,
    options,
    instrumented: Boolean(stack),
    rows,
    floor,
    floorSerial,
    perFunction,
    determinationsPerSecond,
    visitsPerSecond,
    cores: input.cores,
    retries: input.retries,
    pas: input.pas,
    cpuMs: {
      stackAndHandlers: perDetermination(input.cores.referrals.node),
      dynamodb: perDetermination(input.cores.referrals.dynamodb),
      loadGenerator: perDetermination(input.cores.referrals.loadGenerator),
    },
    referralWallSeconds: input.referralWall / 1000,
    visitWallSeconds: input.visitWall / 1000,
    submitted: referrals.length,
    determined: done.length,
    visitsSubmitted: visits.length,
    visitsDone: visitsDone.length,
    outcomes: countBy(done.map((r) => r.outcome ?? '?')),
    visitOutcomes: countBy(visitsDone.map((v) => v.outcome ?? '?')),
    mismatched: mismatched.length,
    failures,
  };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

type Summary = Awaited<ReturnType<typeof summarise>>;

/** Issue 15's goals, each measured in this run (NaN when the run could not measure it: --base, --no-floor, --no-bundles). */
const GOALS = {
  transitions: 3,
  writeUnitsPerDetermination: 12,
  writeUnitsPerVisit: 20,
  bundleKb: 250,
  coldImportMs: 120,
  cpuMsPerDetermination: 10,
  p99OverFloor: 1.2,
  costUsd: 0.00008,
};

function goalsOf(s: Summary, auto: Row, visit: Row, maxBundleKb: number, maxInitMs: number) {
  const na = (x: number, f: (x: number) => string) => (Number.isFinite(x) ? f(x) : 'not measured');
  const goal = (figure: string, value: number, limit: number, show: (x: number) => string) => ({
    figure,
    value: Number.isFinite(value) ? Number(value.toPrecision(4)) : null,
    measured: na(value, show),
    goal: `≤ ${show(limit)}`,
    met: Number.isFinite(value) && value <= limit,
  });
  const inst = (x: number) => (s.instrumented ? x : Number.NaN);
  return [
    goal(
      'state transitions per automatic determination',
      inst(auto.usage.transitions),
      GOALS.transitions,
      (x) => num(x, 2),
    ),
    goal(
      'DynamoDB write units per automatic determination',
      inst(auto.usage.writeUnits),
      GOALS.writeUnitsPerDetermination,
      (x) => num(x, 1),
    ),
    goal(
      'DynamoDB write units per visit re-review',
      inst(visit.count ? visit.usage.writeUnits : Number.NaN),
      GOALS.writeUnitsPerVisit,
      (x) => num(x, 1),
    ),
    goal('largest function bundle', maxBundleKb, GOALS.bundleKb, (x) => `${x.toFixed(1)} KB`),
    goal('slowest cold import', maxInitMs, GOALS.coldImportMs, (x) => ms(x)),
    goal(
      'Node CPU per determination (stack + handlers)',
      inst(s.cpuMs.stackAndHandlers),
      GOALS.cpuMsPerDetermination,
      (x) => `${num(x, 1)} ms`,
    ),
    goal(
      'system p99 / floor p99, same run',
      s.floor ? auto.latency.p99 / s.floor.latency.p99 : Number.NaN,
      GOALS.p99OverFloor,
      (x) => num(x, 2),
    ),
    goal('AWS cost per automatic determination', inst(auto.cost.total), GOALS.costUsd, (x) => usd(x)),
  ];
}

function print(
  s: Summary,
  bundles: BundleReport | undefined,
  options: Options,
  durationSeconds: number,
  profileRows?: string[][],
  delivery?: DeliveryReport,
) {
  const auto = s.rows.find((r) => r.label === 'automatic determination')!;
  const visit = s.rows.find((r) => r.label === 'visit re-review')!;
  const shown = s.rows.filter((r) => r.count > 0);
  const out: string[] = [];
  const m = s.machine as { cpus: number; cpuModel: string; node: string; os: string; memoryGb: number };
  out.push(
    '',
    `System benchmark — ${new Date().toISOString()} — ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}`,
    `${s.instrumented ? `local stack in this process, DynamoDB Local data under ${options.dataParent}; ` : `stack at ${options.base}; `}` +
      `N=${options.n} referrals at C=${options.c} (mix approve:pend:deny ${options.mix.approve}:${options.mix.pend}:${options.mix.deny}, ` +
      `${options.idempotencyKey ? 'each with an Idempotency-Key' : 'no Idempotency-Key'}), ` +
      `${options.visits} visits per approval; outcomes ${JSON.stringify(s.outcomes)}; visit outcomes ${JSON.stringify(s.visitOutcomes)}`,
    '',
  );
  out.push(
    table([
      ['throughput', 'value'],
      ['determinations per second (referral phase)', num(s.determinationsPerSecond, 1)],
      ['visit re-reviews per second (visit phase)', num(s.visitsPerSecond, 1)],
      ['referral phase wall time', `${num(s.referralWallSeconds, 1)} s`],
      ['visit phase wall time', `${num(s.visitWallSeconds, 1)} s`],
      ...(s.instrumented
        ? ([
            [
              'cores busy, referral phase: stack + handlers / DynamoDB Local / load generator / rest of machine',
              `${num(s.cores.referrals.node)} / ${num(s.cores.referrals.dynamodb)} / ${num(s.cores.referrals.loadGenerator)} / ${num(s.cores.referrals.other)}`,
            ],
            ...(s.visitsSubmitted > 0
              ? [
                  [
                    'cores busy, visit phase: stack + handlers / DynamoDB Local / load generator / rest of machine',
                    `${num(s.cores.visits.node)} / ${num(s.cores.visits.dynamodb)} / ${num(s.cores.visits.loadGenerator)} / ${num(s.cores.visits.other)}`,
                  ],
                ]
              : []),
            [
              'CPU per determination: stack + handlers / DynamoDB Local / load generator',
              `${num(s.cpuMs.stackAndHandlers, 1)} ms / ${num(s.cpuMs.dynamodb, 1)} ms / ${num(s.cpuMs.loadGenerator, 1)} ms`,
            ],
          ] as string[][])
        : []),
      [
        'requests sent again by the load generator (referrals / visits)',
        `${s.retries.referrals} / ${s.retries.visits}${
          Object.keys(s.retries.reasons).length ? ` (${JSON.stringify(s.retries.reasons)})` : ''
        }`,
      ],
      ['requests lost (no answer or no outcome after retries)', String(s.failures.length)],
      ...(s.cores.idle
        ? [
            [
              'cores busy, the stack idle (2 s, before the referral phase): stack + handlers / DynamoDB Local',
              `${num(s.cores.idle.node, 4)} / ${num(s.cores.idle.dynamodb, 4)}`,
            ],
          ]
        : []),
      [
        'load average before / after',
        `${(s.machine as { loadAverageAtStart: number[] }).loadAverageAtStart.join(' ')} / ${s.cores.loadAverageAfter.join(' ')}`,
      ],
    ]),
    '',
  );
  out.push(
    table([
      ['latency (POST → recorded outcome)', 'n', 'p50', 'p95', 'p99', 'max'],
      ...shown.map((r) => [
        r.label,
        String(r.count),
        ms(r.latency.p50),
        ms(r.latency.p95),
        ms(r.latency.p99),
        ms(r.latency.max),
      ]),
      ...pasRows(s.pas),
    ]),
    '',
  );
  if (s.instrumented) {
    out.push(
      table([
        [
          'per unit of work (mean)',
          'transitions',
          'Lambda inv.',
          'GB-s',
          'RCU',
          'WCU',
          'API req.',
          'events',
          'est. cost',
        ],
        ...shown.map((r) => [
          r.label,
          num(r.usage.transitions),
          num(r.usage.lambdaRequests),
          r.usage.lambdaGbSeconds.toFixed(4),
          num(r.usage.readUnits),
          num(r.usage.writeUnits),
          num(r.usage.apiRequests),
          num(r.usage.events),
          usd(r.cost.total),
        ]),
      ]),
      '',
      table([
        ['estimated AWS cost', 'Step Functions', 'Lambda', 'DynamoDB', 'API Gateway', 'EventBridge', 'total'],
        ...[auto, visit]
          .filter((r) => r.count > 0)
          .map((r) => [
            r.label,
            usd(r.cost.stepFunctions),
            usd(r.cost.lambda),
            usd(r.cost.dynamodb),
            usd(r.cost.apiGateway),
            usd(r.cost.eventBridge),
            usd(r.cost.total),
          ]),
      ]),
      '',
      table(priceTable(), `AWS list prices used (${PRICES.region}, as of ${PRICES.asOf}):`),
      '',
      table([
        ['DynamoDB calls per unit (mean)', 'calls', 'RCU', 'WCU'],
        ...[auto, visit]
          .filter((r) => r.count > 0)
          .flatMap((r) => [
            [r.label, '', '', ''],
            ...r.calls.map((c) => [`  ${c.call}`, num(c.count), num(c.read), num(c.write)]),
          ]),
      ]),
      '',
    );
  }
  if (s.floor) {
    const f = s.floor;
    out.push(
      table([
        ['floor: same DynamoDB operations, direct', 'value'],
        ['operations per determination', num(f.operationsPerDetermination, 1)],
        [
          'floor latency p50 / p95 / p99',
          `${ms(f.latency.p50)} / ${ms(f.latency.p95)} / ${ms(f.latency.p99)}`,
        ],
        ['floor determinations per second', num(f.perSecond, 1)],
        [
          'cores busy during the floor: Node (SDK calls) / DynamoDB Local / rest of machine',
          `${num(f.cores.node)} / ${num(f.cores.dynamodb)} / ${num(f.cores.other)}`,
        ],
        [
          'floor CPU per determination: Node (the SDK calls and the outbox their writes cause) / DynamoDB Local',
          `${num(f.cpuMsPerDetermination.node, 1)} / ${num(f.cpuMsPerDetermination.dynamodb, 1)} ms`,
        ],
        ...(s.floorSerial
          ? [
              [
                'floor one at a time (C=1): p50 / p99',
                `${ms(s.floorSerial.latency.p50)} / ${ms(s.floorSerial.latency.p99)}`,
              ],
            ]
          : []),
        ['system ÷ floor, p50 latency', `${num(auto.latency.p50 / f.latency.p50, 1)}x`],
        ['system ÷ floor, p99 latency', `${num(auto.latency.p99 / f.latency.p99, 1)}x`],
        ['floor ÷ system, throughput', `${num(f.perSecond / s.determinationsPerSecond, 1)}x`],
        ...(f.errors ? [['replay errors', `${f.errors} (${f.firstError})`]] : []),
      ]),
      '',
    );
  }
  if (s.perFunction.length) {
    out.push(
      table([
        ['handler time in the run', 'invocations', 'mean', 'p99', 'DynamoDB ops / inv.'],
        ...s.perFunction.map((f) => [f.fn, String(f.invocations), ms(f.meanMs), ms(f.p99Ms), num(f.ops, 1)]),
      ]),
      '',
    );
  }
  if (profileRows) out.push(table(profileRows), '');
  if (delivery) out.push(deliveryTable(delivery), '');
  if (bundles) {
    out.push(
      table(
        [
          ['function (as deployed)', 'bundle', 'gzip', 'source map', 'memory', 'cold import (median)'],
          ...bundles.functions.map((b) => [
            b.fn,
            kb(b.bytes),
            kb(b.gzipBytes),
            kb(b.mapBytes),
            `${b.memoryMb} MB`,
            ms(b.initMs),
          ]),
        ],
        `Bundles: esbuild through cdk synth (the HandlerFunction options); cold import = fresh ${bundles.nodeVersion} process importing the bundle with the function's environment, median of ${options.initRuns}`,
      ),
      '',
    );
  }
  if (bundles?.composition) {
    const c = bundles.composition;
    const shown = c.parts.slice(0, 12);
    const rest = c.parts.slice(12).reduce((sum, p) => sum + p.bytes, 0);
    out.push(
      table(
        [
          ['package', 'minified', 'share'],
          ...[...shown, { name: `${c.parts.length - shown.length} more`, bytes: rest }].map((p) => [
            p.name,
            kb(p.bytes),
            `${((p.bytes / Math.max(1, c.bytes)) * 100).toFixed(1)}%`,
          ]),
        ],
        `What the largest bundle (${c.fn}, ${kb(c.bytes)} re-bundled with the same options) is made of (esbuild metafile):`,
      ),
      '',
    );
  }
  const maxBundle = bundles ? Math.max(...bundles.functions.map((b) => b.bytes)) / 1024 : Number.NaN;
  const maxInit = bundles ? Math.max(...bundles.functions.map((b) => b.initMs)) : Number.NaN;
  const targets = [
    [
      'p99 automatic determination',
      `≤ ${TARGETS.p99Ms} ms`,
      ms(auto.latency.p99),
      auto.latency.p99 <= TARGETS.p99Ms,
    ],
    [
      'determinations per second',
      `≥ ${TARGETS.determinationsPerSecond}`,
      num(s.determinationsPerSecond, 1),
      s.determinationsPerSecond >= TARGETS.determinationsPerSecond,
    ],
    ...(s.instrumented
      ? [
          [
            'transitions per automatic determination',
            `≤ ${TARGETS.transitions}`,
            num(auto.usage.transitions),
            auto.usage.transitions <= TARGETS.transitions,
          ],
          [
            'cost per automatic determination',
            `≤ $${TARGETS.costUsd}`,
            usd(auto.cost.total),
            auto.cost.total <= TARGETS.costUsd,
          ],
        ]
      : []),
    ...(bundles
      ? [
          [
            'largest bundle',
            `≤ ${TARGETS.bundleKb} KB`,
            `${maxBundle.toFixed(1)} KB`,
            maxBundle <= TARGETS.bundleKb,
          ],
          ['slowest cold import', `≤ ${TARGETS.initMs} ms`, ms(maxInit), maxInit <= TARGETS.initMs],
        ]
      : []),
    ...pasTarget(s.pas),
  ] as [string, string, string, boolean][];
  out.push(
    table([
      ['target', 'goal', 'measured', 'met'],
      ...targets.map(([a, b, c, d]) => [a, b, c, d ? 'yes' : 'NO']),
    ]),
    '',
  );
  const goals = goalsOf(s, auto, visit, maxBundle, maxInit);
  out.push(
    table(
      [
        ['goal (issue 15)', 'measured', 'goal', 'met'],
        ...goals.map((g) => [g.figure, g.measured, g.goal, String(g.met)]),
      ],
      'Lean functions (issue 15): each figure from this run',
    ),
    '',
  );
  if (s.failures.length || s.mismatched) {
    out.push(
      `problems: ${s.failures.length} failed, ${s.mismatched} landed outside their planned category`,
      ...s.failures.slice(0, 10).map((f) => `  ${f}`),
      '',
    );
  }
  out.push(`bench finished in ${durationSeconds.toFixed(1)} s`);

  if (options.chart && s.instrumented) {
    const svg = renderChart({
      title: 'Prior authorization on the local stack: latency and cost per authorization',
      subtitle: `N=${options.n}, C=${options.c}, ${m.cpus} × ${m.cpuModel}, Node ${m.node}; prices ${PRICES.region} as of ${PRICES.asOf}`,
      latency: [
        {
          label: 'automatic determination',
          ...pick(auto.latency),
          ...(s.floor ? { floorP50: s.floor.latency.p50 } : {}),
        },
        { label: 'visit re-review', ...pick(visit.latency) },
      ],
      latencyTargetMs: TARGETS.p99Ms,
      cost: [
        { label: 'determination', cost: auto.cost },
        { label: 'visit', cost: visit.cost },
      ],
      costTargetUsd: TARGETS.costUsd,
    });
    mkdirSync(dirname(options.chart), { recursive: true });
    writeFileSync(options.chart, svg);
    out.push(`chart written to ${options.chart}`);
  }

  const json = {
    bench: 'system',
    startedAt: new Date(Date.now() - durationSeconds * 1000).toISOString(),
    at: new Date().toISOString(),
    machine: s.machine,
    options: {
      n: options.n,
      c: options.c,
      mix: options.mix,
      visits: options.visits,
      warmup: options.warmup,
      base: options.base ?? null,
      idempotencyKey: options.idempotencyKey,
      outbox: options.outbox,
      dataDir: options.base ? null : options.dataParent,
    },
    pasSubmit: pasJson(s.pas),
    throughput: {
      determinationsPerSecond: round(s.determinationsPerSecond, 1),
      visitReReviewsPerSecond: round(s.visitsPerSecond, 1),
      referralPhaseSeconds: round(s.referralWallSeconds, 2),
      visitPhaseSeconds: round(s.visitWallSeconds, 2),
      coresBusy: {
        referrals: {
          node: round(s.cores.referrals.node, 2),
          dynamodb: round(s.cores.referrals.dynamodb, 2),
          restOfMachine: round(s.cores.referrals.other, 2),
          loadGenerator: round(s.cores.referrals.loadGenerator, 2),
        },
        visits: {
          node: round(s.cores.visits.node, 2),
          dynamodb: round(s.cores.visits.dynamodb, 2),
          restOfMachine: round(s.cores.visits.other, 2),
          loadGenerator: round(s.cores.visits.loadGenerator, 2),
        },
        ...(s.cores.idle
          ? { idle: { node: round(s.cores.idle.node, 4), dynamodb: round(s.cores.idle.dynamodb, 4) } }
          : {}),
      },
      loadAverageAfter: s.cores.loadAverageAfter,
      cpuMsPerDetermination: {
        stackAndHandlers: round(s.cpuMs.stackAndHandlers, 2),
        dynamodb: round(s.cpuMs.dynamodb, 2),
        loadGenerator: round(s.cpuMs.loadGenerator, 2),
      },
      retries: { referrals: s.retries.referrals, visits: s.retries.visits, reasons: s.retries.reasons },
      requestsLost: s.failures.length,
    },
    counts: {
      submitted: s.submitted,
      determined: s.determined,
      visitsSubmitted: s.visitsSubmitted,
      visitsReReviewed: s.visitsDone,
      outcomes: s.outcomes,
      visitOutcomes: s.visitOutcomes,
      failures: s.failures.length,
      outsidePlannedCategory: s.mismatched,
    },
    rows: s.rows.map((r) => ({
      label: r.label.trim(),
      count: r.count,
      latencyMs: {
        p50: round(r.latency.p50),
        p95: round(r.latency.p95),
        p99: round(r.latency.p99),
        max: round(r.latency.max),
      },
      ...(s.instrumented
        ? {
            perUnit: {
              transitions: round(r.usage.transitions, 2),
              lambdaInvocations: round(r.usage.lambdaRequests, 2),
              lambdaGbSeconds: round(r.usage.lambdaGbSeconds, 5),
              readCapacityUnits: round(r.usage.readUnits, 2),
              writeCapacityUnits: round(r.usage.writeUnits, 2),
              apiRequests: round(r.usage.apiRequests, 2),
              events: round(r.usage.events, 2),
            },
            costUsd: Object.fromEntries(
              Object.entries(r.cost).map(([k, v]) => [k, Number(v.toPrecision(4))]),
            ),
            dynamodbCalls: r.calls.map((c) => ({
              call: c.call,
              count: round(c.count, 2),
              rcu: round(c.read, 2),
              wcu: round(c.write, 2),
            })),
          }
        : {}),
    })),
    floor: s.floor
      ? {
          operationsPerDetermination: round(s.floor.operationsPerDetermination, 2),
          latencyMs: {
            p50: round(s.floor.latency.p50),
            p95: round(s.floor.latency.p95),
            p99: round(s.floor.latency.p99),
          },
          determinationsPerSecond: round(s.floor.perSecond, 1),
          systemOverFloorP50: round(auto.latency.p50 / s.floor.latency.p50, 2),
          systemOverFloorP99: round(auto.latency.p99 / s.floor.latency.p99, 2),
          floorOverSystemThroughput: round(s.floor.perSecond / s.determinationsPerSecond, 2),
          replayErrors: s.floor.errors,
          coresBusy: {
            node: round(s.floor.cores.node, 2),
            dynamodb: round(s.floor.cores.dynamodb, 2),
            restOfMachine: round(s.floor.cores.other, 2),
          },
          cpuMsPerDetermination: {
            node: round(s.floor.cpuMsPerDetermination.node, 2),
            dynamodb: round(s.floor.cpuMsPerDetermination.dynamodb, 2),
          },
          oneAtATimeLatencyMs: s.floorSerial
            ? { p50: round(s.floorSerial.latency.p50), p99: round(s.floorSerial.latency.p99) }
            : null,
        }
      : null,
    functions:
      bundles?.functions.map((b) => ({
        name: b.fn,
        bundleBytes: b.bytes,
        gzipBytes: b.gzipBytes,
        sourceMapBytes: b.mapBytes,
        memoryMb: b.memoryMb,
        coldImportMs: round(b.initMs),
        handler: s.perFunction.find((f) => f.fn === b.fn) ?? null,
      })) ?? s.perFunction,
    largestBundleComposition: bundles?.composition ?? null,
    prices: {
      region: PRICES.region,
      asOf: PRICES.asOf,
      usdPerUnit: Object.fromEntries(Object.entries(PRICES.items).map(([k, v]) => [k, v.usd])),
    },
    targets: Object.fromEntries(
      targets.map(([name, goal, measured, met]) => [name, { goal, measured, met }]),
    ),
    goals: goals.map((g) => ({
      figure: g.figure,
      value: g.value,
      measured: g.measured,
      goal: g.goal,
      met: g.met,
    })),
    delivery: delivery ? deliveryJson(delivery) : null,
    durationSeconds: round(durationSeconds, 1),
  };
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify(json)}\n`);
}

const pick = (p: Percentiles) => ({ p50: p.p50, p95: p.p95, p99: p.p99 });

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

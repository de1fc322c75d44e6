/**
 * The load generator as a process of its own (forked by system.bench.ts), so the bench's own HTTP
 * client — the portal's side — does not count in the CPU the stack and its handlers spend per
 * determination. It sends the planned referrals and visits to the stack and learns when each was
 * decided from the bench (which sees it in-process), or by polling the API with `--base`.
 *
 * Messages: the parent sends one `start`; the driver announces each phase (`phase`, answered with
 * `phase-ok` once the parent has sampled its CPU), asks for outcomes (`wait` → `outcome`) and ends
 * with `result`. Times cross the process boundary as wall-clock milliseconds (timeOrigin + now).
 */
import { performance } from 'node:perf_hooks';
import {
  type Completion,
  createClient,
  createMembers,
  type PlannedReferral,
  pollingCompletion,
  type ReferralRun,
  runReferrals,
  runVisits,
  tokens,
  type VisitRun,
} from './load.js';
import { type PasRun, runPasSubmits } from './pas-load.js';

export interface DriverStart {
  t: 'start';
  baseUrl: string;
  concurrency: number;
  visits: number;
  timeoutMs: number;
  /** true: the parent reports outcomes; false: poll the API (`--base`). */
  parentCompletion: boolean;
  warm: PlannedReferral[];
  planned: PlannedReferral[];
  /** `$submit`s in the `pas` phase (SPEC 8), before the referral phase; 0 for none. */
  pasSubmits?: number;
}

export type ToDriver =
  | DriverStart
  | { t: 'phase-ok' }
  | { t: 'outcome'; id: number; outcome: { epochMs: number; outcome: string } | null };

export type FromDriver =
  | { t: 'phase'; name: string; cpuSeconds: number }
  | { t: 'wait'; id: number; key: string }
  | {
      t: 'result';
      referrals: ReferralRun[];
      visits: VisitRun[];
      requests: Record<string, number>;
      retries: Record<string, number>;
      retryReasons: Record<string, number>;
      pas?: PasRun;
    }
  | { t: 'error'; message: string };

const send = (m: FromDriver) => process.send?.(m);
/** Sends and resolves once the message is handed to the channel (so disconnecting after it loses nothing). */
const sendFlushed = (m: FromDriver) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) return resolve();
    process.send(m, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let phaseOk: (() => void) | undefined;
let nextWait = 0;
const waits = new Map<number, (o: { at: number; outcome: string } | undefined) => void>();

function phase(name: string): Promise<void> {
  return new Promise((resolve) => {
    phaseOk = resolve;
    send({ t: 'phase', name, cpuSeconds: ownCpuSeconds() });
  });
}

function askParent(key: string): Promise<{ at: number; outcome: string } | undefined> {
  const id = nextWait++;
  return new Promise((resolve) => {
    waits.set(id, resolve);
    send({ t: 'wait', id, key });
  });
}

async function run(start: DriverStart) {
  const client = createClient(start.baseUrl, start.concurrency);
  try {
    const t = await tokens(client);
    const completion: Completion = start.parentCompletion
      ? {
          referral: (id) => askParent(`ref:${id}`),
          visit: (_ref, visitId) => askParent(`visit:${visitId}`),
        }
      : pollingCompletion(client, t, start.timeoutMs);

    await createMembers(client, t, [...start.warm, ...start.planned], start.concurrency);
    if (start.warm.length > 0) {
      await phase('warmup');
      client.phase = 'warmup';
      const w = await runReferrals(client, t, start.warm, start.concurrency, completion);
      const wApproved = w.filter((r) => r.planned.category === 'approve' && r.referralId && r.doneAt);
      await runVisits(client, t, wApproved, Math.min(start.visits, 2), start.concurrency, completion);
    }
    await phase('pas');
    client.phase = 'pas';
    const pas = await runPasSubmits(
      client,
      t.portal,
      start.pasSubmits ?? 0,
      start.concurrency,
      `${process.pid}-${Date.now().toString(36)}`,
    );
    await phase('referrals');
    client.phase = 'referrals';
    const referrals = await runReferrals(client, t, start.planned, start.concurrency, completion);
    await phase('visits');
    client.phase = 'visits';
    const approved = referrals.filter(
      (r) => r.planned.category === 'approve' && r.referralId && r.doneAt && /APPROVED/.test(r.outcome ?? ''),
    );
    const visits = await runVisits(client, t, approved, start.visits, start.concurrency, completion);
    await phase('after');
    await sendFlushed({
      t: 'result',
      referrals,
      visits,
      requests: Object.fromEntries(client.requests),
      retries: Object.fromEntries(client.retries),
      retryReasons: Object.fromEntries(client.retryReasons),
      pas,
    });
  } finally {
    client.close();
  }
}

process.on('message', (m: ToDriver) => {
  if (m.t === 'start') {
    run(m).then(
      () => process.disconnect?.(),
      (err: Error) =>
        sendFlushed({ t: 'error', message: err.stack ?? err.message }).finally(() => process.disconnect?.()),
    );
  } else if (m.t === 'phase-ok') {
    phaseOk?.();
  } else if (m.t === 'outcome') {
    const resolve = waits.get(m.id);
    waits.delete(m.id);
    // Back to this process's clock, the one the requests' send times were taken on.
    resolve?.(
      m.outcome ? { at: m.outcome.epochMs - performance.timeOrigin, outcome: m.outcome.outcome } : undefined,
    );
  }
});

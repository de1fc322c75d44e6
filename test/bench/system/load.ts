/**
 * The load generator: demo data for the run, referral bodies in the requested mix, and the two
 * measured phases (referrals at concurrency C, then visits for each approved referral).
 *
 * Every referral gets its own member (a patient), so yearly visit limits and the member's visit
 * ledger never couple referrals that a real plan would see from different people. Administrative
 * denials use the demo members and providers made for them (coverage ended, benefit not covered,
 * visits used up, lapsed or out-of-state licence).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEMO_USERS } from '../../../infra/local/demo-data.js';
import { addDays, toIsoDate } from '../../../shared/dates.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody } from '../../fixtures.js';

export type Category = 'approve' | 'pend' | 'deny';
export const CATEGORIES: readonly Category[] = ['approve', 'pend', 'deny'];

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface Client {
  call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    extraHeaders?: Record<string, string>,
  ): Promise<HttpAnswer>;
  /**
   * `call` for a request that is safe to repeat (a referral with its Idempotency-Key, a visit with its
   * visitId): on a lost connection or a 502/503/504 it sends the same request again, as a portal
   * would, up to `RETRIES` times with a short backoff. Each repeat is counted in `retries`.
   */
  callIdempotent(
    method: string,
    path: string,
    body: unknown,
    token: string,
    extraHeaders?: Record<string, string>,
  ): Promise<HttpAnswer>;
  /** HTTP requests made, by phase. */
  readonly requests: Map<string, number>;
  /** Requests sent again after a lost connection or a gateway error, by phase. */
  readonly retries: Map<string, number>;
  /** The first reason of each kind a request was repeated, e.g. `read ECONNRESET` (for the report). */
  readonly retryReasons: Map<string, number>;
  phase: string;
  close(): void;
}

const RETRIES = 3;
const RETRY_STATUS = new Set([502, 503, 504]);

export function createClient(baseUrl: string, concurrency: number): Client {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(4, concurrency * 2) });
  const requests = new Map<string, number>();
  const retries = new Map<string, number>();
  const retryReasons = new Map<string, number>();
  const client: Client = {
    phase: 'setup',
    requests,
    retries,
    retryReasons,
    async callIdempotent(method, path, body, token, extraHeaders) {
      for (let attempt = 0; ; attempt++) {
        let reason: string;
        try {
          const res = await client.call(method, path, body, token, extraHeaders);
          if (!RETRY_STATUS.has(res.status) || attempt >= RETRIES) return res;
          reason = `HTTP ${res.status}`;
        } catch (err) {
          if (attempt >= RETRIES) throw err;
          reason = (err as Error).message;
        }
        retries.set(client.phase, (retries.get(client.phase) ?? 0) + 1);
        retryReasons.set(reason, (retryReasons.get(reason) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    },
    call(method, path, body, token, extraHeaders) {
      requests.set(client.phase, (requests.get(client.phase) ?? 0) + 1);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { ...extraHeaders };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      if (token) headers.authorization = `Bearer ${token}`;
      return new Promise((resolve, reject) => {
        const req = request({ agent, host: url.hostname, port: url.port, path, method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
  return client;
}

export async function token(client: Client, claims: object): Promise<string> {
  const res = await client.call('POST', '/_local/token', claims);
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

/** Runs `work(i)` for i in 0..count-1 with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------------------------------------------------------------------------------------------------
// The workload

export interface PlannedReferral {
  index: number;
  category: Category;
  /** What makes it land in its category, e.g. `A4 not met` or `coverage ended`. */
  variant: string;
  /** A member this run creates first (undefined: a demo member). */
  newMember?: { memberId: string; body: object };
  body: ReturnType<typeof referralBody>;
  /** Sent as the Idempotency-Key header (undefined: none). */
  idempotencyKey?: string;
}

const PEND_VARIANTS = ['A4 not met', 'maintenance', 'contraindication', 'non-contracted provider'] as const;
const DENY_VARIANTS = [
  'benefit not covered',
  'coverage ended',
  'visits used up',
  'licence lapsed',
  'out-of-state licence',
] as const;
const APPROVE_VARIANTS = ['commercial', 'commercial', 'commercial', 'commercial', 'medicaid', 'medicare'];

/** Spreads `count` items over the categories by `mix` with largest remainders, then interleaves them. */
export function planCategories(count: number, mix: Record<Category, number>): Category[] {
  const total = CATEGORIES.reduce((s, c) => s + mix[c], 0);
  const exact = CATEGORIES.map((c) => (count * mix[c]) / total);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < count; k++) counts[order[k % 3]![1]]! += 1;
  // Interleave deterministically (evenly spaced), so every stretch of the run sees the same mix.
  const slots: { c: Category; pos: number }[] = [];
  CATEGORIES.forEach((c, ci) => {
    const n = counts[ci]!;
    for (let j = 0; j < n; j++) slots.push({ c, pos: (j + 0.5) / n });
  });
  return slots.sort((a, b) => a.pos - b.pos).map((s) => s.c);
}

export function planReferrals(
  runId: string,
  count: number,
  mix: Record<Category, number>,
  withIdempotencyKey = true,
) {
  const today = toIsoDate(new Date());
  const startDate = addDays(today, -10);
  const perCategory: Record<Category, number> = { approve: 0, pend: 0, deny: 0 };
  return planCategories(count, mix).map((category, i): PlannedReferral => {
    const index = i;
    const n = perCategory[category]++;
    const memberId = `M-B${runId}-${index}`;
    const member = (lineOfBusiness: string) => ({
      memberId,
      body: {
        lineOfBusiness,
        coverage: { effectiveFrom: '2020-01-01' },
        massageTherapy: { covered: true, annualVisitLimit: 24 },
      },
    });
    const base = referralBody({ memberId, startDate });
    base.clinical.planOfCare = { certifiedByNpi: ORDERING_NPI, certifiedOn: addDays(today, -20) };
    const planned: PlannedReferral = {
      index,
      category,
      variant: '',
      body: base,
      ...(withIdempotencyKey ? { idempotencyKey: `bench-${runId}-${index}` } : {}),
    };
    if (category === 'approve') {
      const lob = APPROVE_VARIANTS[n % APPROVE_VARIANTS.length]!;
      planned.variant = lob;
      planned.newMember = member(lob);
      if (lob === 'medicare') base.renderingProviderNpi = '1003000001'; // Medicare: a physical therapist
    } else if (category === 'pend') {
      const v = PEND_VARIANTS[n % PEND_VARIANTS.length]!;
      planned.variant = v;
      planned.newMember = member('commercial');
      if (v === 'A4 not met') base.clinical.expectedImprovement = { withinWeeks: 13 };
      if (v === 'maintenance') base.clinical.purpose = 'maintenance';
      if (v === 'contraindication') base.clinical.contraindications = ['acute-inflammation'];
      if (v === 'non-contracted provider') base.renderingProviderNpi = '1003000027';
    } else {
      const v = DENY_VARIANTS[n % DENY_VARIANTS.length]!;
      planned.variant = v;
      if (v === 'benefit not covered') base.memberId = 'M-2001';
      else if (v === 'coverage ended') base.memberId = 'M-2002';
      else if (v === 'visits used up') base.memberId = 'M-2003';
      else {
        planned.newMember = member('commercial');
        base.renderingProviderNpi = v === 'licence lapsed' ? '1003000035' : '1003000043';
      }
    }
    return planned;
  });
}

/** The visits of one approved referral: improving ODI scores, so each re-review continues the authorization. */
export function planVisits(referral: PlannedReferral, count: number) {
  const today = toIsoDate(new Date());
  return Array.from({ length: count }, (_, k) => ({
    visitId: randomUUID(),
    date: addDays(today, -9 + k),
    renderingProviderNpi: referral.body.renderingProviderNpi ?? RENDERING_NPI,
    services: [{ cpt: '97124', minutes: 30, bodyRegion: 'lumbar', modifiers: [] }],
    sameDayProcedures: [],
    outcomeMeasures: [{ instrument: 'ODI', score: 38 - 4 * k }],
    notes: { techniques: ['effleurage', 'petrissage'], response: 'tolerated well' },
  }));
}

export interface Tokens {
  portal: string;
  admin: string;
  reviewer: string;
}

export async function tokens(client: Client): Promise<Tokens> {
  return {
    portal: await token(client, DEMO_USERS.portal),
    admin: await token(client, DEMO_USERS.admin),
    reviewer: await token(client, DEMO_USERS.reviewerMd),
  };
}

/** Creates the members the planned referrals need, through the admin API (not measured). */
export async function createMembers(
  client: Client,
  t: Tokens,
  planned: readonly PlannedReferral[],
  concurrency: number,
) {
  const members = planned.flatMap((p) => (p.newMember ? [p.newMember] : []));
  await pool(members.length, concurrency, async (i) => {
    const m = members[i]!;
    const res = await client.call('PUT', `/admin/members/${m.memberId}`, m.body, t.admin);
    if (res.status !== 200)
      throw new Error(`member ${m.memberId}: ${res.status} ${JSON.stringify(res.body)}`);
  });
}

// ---------------------------------------------------------------------------------------------------
// Measured phases

export interface ReferralRun {
  planned: PlannedReferral;
  referralId?: string;
  sentAt: number;
  /** When the automatic determination was recorded (or the review opened). */
  doneAt?: number;
  outcome?: string;
  status?: number;
  error?: string;
}

export interface VisitRun {
  referralId: string;
  visitId: string;
  visitNumber: number;
  sentAt: number;
  doneAt?: number;
  outcome?: string;
  error?: string;
}

/**
 * How the bench learns that work finished: in-process it is told by the collector the moment the
 * recording handler returns; against `--base` it polls `GET /referrals/{id}`.
 */
export interface Completion {
  referral(referralId: string): Promise<{ at: number; outcome: string } | undefined>;
  visit(
    referralId: string,
    visitId: string,
    visitNumber: number,
  ): Promise<{ at: number; outcome: string } | undefined>;
}

export async function runReferrals(
  client: Client,
  t: Tokens,
  planned: readonly PlannedReferral[],
  concurrency: number,
  completion: Completion,
): Promise<ReferralRun[]> {
  const runs: ReferralRun[] = planned.map((p) => ({ planned: p, sentAt: 0 }));
  await pool(runs.length, concurrency, async (i) => {
    const run = runs[i]!;
    run.sentAt = performance.now();
    try {
      // Portals send an Idempotency-Key (SPEC 4), so the bench does too: the costlier, realistic path.
      // With its key the POST is safe to repeat after a lost connection; without one it is not.
      const key = run.planned.idempotencyKey;
      const res = key
        ? await client.callIdempotent('POST', '/referrals', run.planned.body, t.portal, {
            'idempotency-key': key,
          })
        : await client.call('POST', '/referrals', run.planned.body, t.portal);
      run.status = res.status;
      const id = (res.body as { referralId?: string } | undefined)?.referralId;
      if (res.status !== 202 || !id) {
        run.error = `POST /referrals answered ${res.status}`;
        return;
      }
      run.referralId = id;
      const done = await completion.referral(id);
      if (!done) {
        run.error = 'no determination within the time limit';
        return;
      }
      run.doneAt = done.at;
      run.outcome = done.outcome;
    } catch (err) {
      run.error = (err as Error).message;
    }
  });
  return runs;
}

export async function runVisits(
  client: Client,
  t: Tokens,
  approved: readonly ReferralRun[],
  visitsEach: number,
  concurrency: number,
  completion: Completion,
): Promise<VisitRun[]> {
  const all: VisitRun[] = [];
  await pool(approved.length, concurrency, async (i) => {
    const ref = approved[i]!;
    const referralId = ref.referralId!;
    const visits = planVisits(ref.planned, visitsEach);
    for (const [k, body] of visits.entries()) {
      const run: VisitRun = {
        referralId,
        visitId: body.visitId,
        visitNumber: k + 1,
        sentAt: performance.now(),
      };
      all.push(run);
      try {
        // The visitId makes a repeat harmless: the same visit again answers as the first did.
        const res = await client.callIdempotent('POST', `/referrals/${referralId}/visits`, body, t.portal);
        if (res.status !== 202) {
          run.error = `POST visit answered ${res.status} ${JSON.stringify(res.body)}`;
          return;
        }
        const done = await completion.visit(referralId, body.visitId, k + 1);
        if (!done) {
          run.error = 'no re-review outcome within the time limit';
          return;
        }
        run.doneAt = done.at;
        run.outcome = done.outcome;
        if (done.outcome !== 'CONTINUE' && done.outcome !== 'EXTEND') return; // nothing more to visit
      } catch (err) {
        run.error = (err as Error).message;
        return;
      }
    }
  });
  return all;
}

/** Completion by polling the API (for `--base`, where the bench cannot see inside the stack). */
export function pollingCompletion(client: Client, t: Tokens, timeoutMs: number, everyMs = 20): Completion {
  const until = async <T>(check: () => Promise<T | undefined>) => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const v = await check();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return undefined;
  };
  return {
    referral: (referralId) =>
      until(async () => {
        const res = await client.call('GET', `/referrals/${referralId}`, undefined, t.reviewer);
        const status = (res.body as { status?: string } | undefined)?.status;
        return res.status === 200 && status && status !== 'RECEIVED'
          ? { at: performance.now(), outcome: status }
          : undefined;
      }),
    visit: (referralId, visitId) =>
      until(async () => {
        const res = await client.call('GET', `/referrals/${referralId}`, undefined, t.reviewer);
        const visits = (res.body as { visits?: { visitId: string; reReview?: { action: string } | null }[] })
          ?.visits;
        const rr = visits?.find((v) => v.visitId === visitId)?.reReview;
        return rr ? { at: performance.now(), outcome: rr.action } : undefined;
      }),
  };
}

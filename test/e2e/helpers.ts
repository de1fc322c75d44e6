import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_USERS } from '../../infra/local/demo-data.js';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { addDays, toIsoDate } from '../../shared/dates.js';
import type { PasCase } from '../fhir/bundles.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody } from '../fixtures.js';
import { checkAnswer } from './contract.js';

export const today = () => toIsoDate(new Date());
export const inDays = (n: number) => addDays(today(), n);

export interface Api {
  stack: LocalStack;
  url: string;
  token(user: keyof typeof DEMO_USERS | Record<string, string>): Promise<string>;
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A fresh local stack on a free port with its own data directory. */
export async function startApi(options: { timeScale?: number } = {}): Promise<Api> {
  const dataDir = mkdtempSync(join(tmpdir(), 'prior-auth-e2e-'));
  // A stack that fails to start leaves no data directory behind either.
  const stack = await startLocalStack({ port: 0, dataDir, ...options }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const tokens = new Map<string, string>();
  const api: Api = {
    stack,
    url: stack.url,
    async token(user) {
      const claims = typeof user === 'string' ? DEMO_USERS[user] : user;
      const key = JSON.stringify(claims);
      const cached = tokens.get(key);
      if (cached) return cached;
      const res = await api.call('POST', '/_local/token', { body: claims });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(key, res.body.token);
      return res.body.token as string;
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${stack.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      // Every answer of every journey is held to the OpenAPI document (SPEC 14).
      if (res.status < 500) checkAnswer(method, path, res.status, parsed, res.headers.get('content-type'));
      return { status: res.status, body: parsed };
    },
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return api;
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A referral body for the demo data, starting in a week unless told otherwise. */
export function referral(overrides: Record<string, unknown> = {}, clinical: Record<string, unknown> = {}) {
  const base = referralBody({ startDate: inDays(7) });
  const planOfCare = { certifiedByNpi: base.clinical.planOfCare.certifiedByNpi, certifiedOn: inDays(-25) };
  return { ...base, ...overrides, clinical: { ...base.clinical, planOfCare, ...clinical } };
}

export async function submit(api: Api, body: unknown, token?: string) {
  const res = await api.call('POST', '/referrals', { token: token ?? (await api.token('portal')), body });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.referralId as string;
}

/** Waits for the referral to leave RECEIVED (and, when asked, to reach a status). */
export async function settled(api: Api, referralId: string, status?: string) {
  const token = await api.token('reviewerMd');
  return eventually(
    async () => {
      const res = await api.call('GET', `/referrals/${referralId}`, { token });
      if (res.status !== 200 || res.body.status === 'RECEIVED') return undefined;
      if (status && res.body.status !== status) return undefined;
      return res.body;
    },
    15_000,
    `referral ${referralId} to settle${status ? ` as ${status}` : ''}`,
  );
}

export function visit(date: string, overrides: Record<string, unknown> = {}) {
  return {
    visitId: crypto.randomUUID(),
    date,
    renderingProviderNpi: '1234567893',
    services: [{ cpt: '97124', minutes: 30, bodyRegion: 'lumbar', modifiers: [] }],
    sameDayProcedures: [],
    outcomeMeasures: [{ instrument: 'ODI', score: 40 }],
    notes: { techniques: ['effleurage'], response: 'tolerated well' },
    ...overrides,
  };
}

/** A fresh member (commercial, 20 visits a year unless told otherwise), so tests don't share yearly limits. */
export async function newMember(api: Api, overrides: Record<string, unknown> = {}) {
  const memberId = `M-T${crypto.randomUUID().slice(0, 8)}`;
  const res = await api.call('PUT', `/admin/members/${memberId}`, {
    token: await api.token('admin'),
    body: {
      lineOfBusiness: 'commercial',
      coverage: { effectiveFrom: '2020-01-01' },
      massageTherapy: { covered: true, annualVisitLimit: 20 },
      ...overrides,
    },
  });
  if (res.status !== 200) throw new Error(`member: ${res.status} ${JSON.stringify(res.body)}`);
  return memberId;
}

/**
 * A PAS case for the local stack (member M-1001, demo providers, a week from today), each with a claim
 * identifier of its own under `prefix`.
 */
export function pasCases(prefix: string) {
  let claims = 0;
  const clinical = referral().clinical;
  return (overrides: Partial<PasCase> = {}): PasCase => ({
    claimId: `${prefix}-${Date.now()}-${++claims}`,
    memberId: 'M-1001',
    renderingProviderNpi: RENDERING_NPI,
    orderingProviderNpi: ORDERING_NPI,
    urgency: 'standard',
    startDate: inDays(7),
    requestedVisits: 6,
    diagnoses: [{ code: 'M54.50' }],
    cpts: ['97124'],
    clinical,
    ...overrides,
  });
}

import { createHash } from 'node:crypto';
import type { Repository } from '../data/repository.js';
import { NotFoundError } from '../errors.js';
import type { Caller, Clock, HistoryActor, ReferralRecord } from '../model.js';

/** Canonical JSON (sorted keys) so "the same body" means the same content, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function actorOf(caller: Caller, role: string): HistoryActor {
  return caller.credential
    ? { id: caller.sub, role, credential: caller.credential }
    : { id: caller.sub, role };
}

export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}

/** A portal sees only its own referrals; anyone else's answers 404, as if it did not exist (SPEC 4). */
export function assertCanRead(caller: Caller, referral: ReferralRecord): void {
  if (caller.roles.includes('reviewer')) return;
  if (caller.roles.includes('portal') && caller.portalId && caller.portalId === referral.portalId) return;
  throw new NotFoundError(`Referral ${referral.referralId}`);
}

export async function loadReferral(repo: Repository, referralId: string): Promise<ReferralRecord> {
  const referral = await repo.getReferral(referralId);
  if (!referral) throw new NotFoundError(`Referral ${referralId}`);
  return referral;
}

/**
 * Seconds until a due time, as a Step Functions timeout (a positive integer). What a host timer can
 * hold is the local engine's concern: infra/local re-arms its timers past setTimeout's 2^31-1 ms.
 */
export function secondsUntil(dueAt: string, clock: Clock): number {
  return Math.max(Math.ceil((Date.parse(dueAt) - clock.now().getTime()) / 1000), 1);
}

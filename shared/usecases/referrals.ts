import { ConditionFailedError, type Repository } from '../data/repository.js';
import { toIsoDate } from '../dates.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type {
  AppealRecord,
  Caller,
  Clock,
  HistoryEntry,
  InformationRequestRecord,
  ReferralRecord,
  ReviewRecord,
  VisitRecord,
} from '../model.js';
import { withoutToken } from '../model.js';
import { logger } from '../observability.js';
import { decisionDueAt } from '../policy/determine.js';
import type { WorkflowStarter } from '../ports.js';
import { POLICY_VERSION } from '../reasons.js';
import { parseReferral, type ReferralCase } from '../schemas.js';
import { actorOf, assertCanRead, bodyHash } from './common.js';

export interface SubmitDeps {
  repo: Repository;
  workflow: WorkflowStarter;
  clock: Clock;
  newId: () => string;
}

export interface SubmitAnswer {
  referralId: string;
  status: 'RECEIVED';
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const IDEMPOTENCY_HOURS = 24;

/**
 * POST /referrals. The referral, its first history entry and the idempotency record are one
 * transaction; the workflow starts afterwards, and a referral whose start failed is re-driven
 * by the reconciliation (it stays in RECEIVED, which the reconcile index lists).
 */
export async function submitReferral(
  deps: SubmitDeps,
  caller: Caller,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<{ answer: SubmitAnswer; replayed: boolean }> {
  if (!caller.portalId) throw new ForbiddenError('Portal users need a portalId claim to submit referrals.');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError([
      { field: 'Idempotency-Key', message: 'must be 1-128 letters, digits or ._:-' },
    ]);
  }
  const request = parseReferral(body, toIsoDate(deps.clock.now()));
  return submitCase(deps, caller, request, {
    ...(idempotencyKey === undefined ? {} : { idempotencyKey, bodyHash: bodyHash(body) }),
  });
}

/**
 * The intake every face of the desk shares (JSON, PAS): a parsed case, which may lack its clinical
 * section (SPEC 8, 10: the workflow then asks for it). `idempotency` replays the first answer for
 * the same key and body hash, and refuses the key with another body (409 IDEMPOTENCY_KEY_REUSED).
 */
export async function submitCase(
  deps: SubmitDeps,
  caller: Caller,
  request: ReferralCase,
  idempotency: { idempotencyKey?: string; bodyHash?: string } = {},
): Promise<{ answer: SubmitAnswer; replayed: boolean }> {
  if (!caller.portalId) throw new ForbiddenError('Portal users need a portalId claim to submit referrals.');
  const { idempotencyKey } = idempotency;
  const hash = idempotency.bodyHash ?? '';
  const now = deps.clock.now();

  if (idempotencyKey !== undefined) {
    const replay = await replayed(deps.repo, caller.portalId, idempotencyKey, hash);
    if (replay) return { answer: replay, replayed: true };
  }
  const receivedAt = now.toISOString();
  const record: ReferralRecord = {
    referralId: deps.newId(),
    portalId: caller.portalId,
    submittedBy: caller.sub,
    receivedAt,
    status: 'RECEIVED',
    request,
    reasons: [],
    criteria: [],
    lines: [],
    recommendation: null,
    decisionDueAt: decisionDueAt(receivedAt, request.urgency),
    policyVersion: POLICY_VERSION,
    reviewIds: [],
    version: 0,
  };
  const answer: SubmitAnswer = { referralId: record.referralId, status: 'RECEIVED' };
  const tx = deps.repo
    .transaction()
    .putReferral(record, null)
    .addHistory(record.referralId, {
      at: receivedAt,
      actor: actorOf(caller, 'portal'),
      event: 'RECEIVED',
      status: 'RECEIVED',
    });
  if (idempotencyKey !== undefined) {
    const expiresAt = Math.floor(now.getTime() / 1000) + IDEMPOTENCY_HOURS * 3600;
    tx.putIdempotency(caller.portalId, idempotencyKey, hash, answer, expiresAt);
  }
  try {
    await deps.repo.commit(tx);
  } catch (err) {
    // Lost a race with the same key: answer as the winner did.
    if (err instanceof ConditionFailedError && idempotencyKey !== undefined) {
      const replay = await replayed(deps.repo, caller.portalId, idempotencyKey, hash);
      if (replay) return { answer: replay, replayed: true };
    }
    throw err;
  }
  logger.info('referral received', { referralId: record.referralId, portalId: caller.portalId });
  try {
    await deps.workflow.startAuthorization(record.referralId);
  } catch (err) {
    logger.warn('workflow start failed; reconciliation will re-drive', {
      referralId: record.referralId,
      error: (err as Error).name,
    });
  }
  return { answer, replayed: false };
}

async function replayed(
  repo: Repository,
  portalId: string,
  key: string,
  hash: string,
): Promise<SubmitAnswer | undefined> {
  const previous = await repo.getIdempotency(portalId, key);
  if (!previous) return undefined;
  if (previous.bodyHash !== hash) {
    throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body.');
  }
  return previous.response as SubmitAnswer;
}

/** SPEC 4.2: the referral view, with its authorization, visits, reviews and history. */
export async function getReferralView(repo: Repository, caller: Caller, referralId: string) {
  const bundle = await repo.getReferralBundle(referralId);
  if (!bundle) throw new NotFoundError(`Referral ${referralId}`);
  const { referral } = bundle;
  assertCanRead(caller, referral);
  const reviews = await repo.getReviews(referral.reviewIds);
  return referralView(referral, bundle.history, bundle.visits, reviews);
}

function actorView(actor: ReferralRecord['decidedBy']) {
  if (actor === undefined) return null;
  return actor === 'system' ? 'system' : { id: actor.id, credential: actor.credential };
}

function historyView(h: HistoryEntry) {
  const actor =
    h.actor === 'system'
      ? 'system'
      : {
          id: h.actor.id,
          role: h.actor.role,
          ...(h.actor.credential ? { credential: h.actor.credential } : {}),
        };
  return {
    at: h.at,
    actor,
    event: h.event,
    ...(h.status ? { status: h.status } : {}),
    ...(h.reasons ? { reasons: h.reasons } : {}),
  };
}

export function referralView(
  referral: ReferralRecord,
  history: HistoryEntry[],
  visits: VisitRecord[],
  reviews: ReviewRecord[],
) {
  const auth = referral.authorization;
  return {
    referralId: referral.referralId,
    status: referral.status,
    reasons: referral.reasons,
    // Stored maps come back in the engine's key order only by luck: fix the shapes users read.
    criteria: referral.criteria.map((c) => ({ id: c.id, met: c.met, evidence: c.evidence })),
    lines: referral.lines.map((l) => ({
      cpt: l.cpt,
      unitsPerVisit: l.unitsPerVisit,
      status: l.status,
      reasons: l.reasons,
      separatelyPayable: l.separatelyPayable,
    })),
    recommendation: referral.recommendation,
    receivedAt: referral.receivedAt,
    decisionDueAt: referral.decisionDueAt,
    policyVersion: referral.policyVersion,
    decidedBy: actorView(referral.decidedBy),
    decidedAt: referral.decidedAt ?? null,
    memberId: referral.request.memberId,
    urgency: referral.request.urgency,
    startDate: referral.request.startDate,
    authorization: auth
      ? {
          status: auth.status,
          reasons: auth.reasons,
          basis: auth.basis,
          visitsRequested: auth.visitsRequested,
          visitsAuthorized: auth.visitsAuthorized,
          visitsUsed: auth.visitsUsed,
          visitsRemaining: Math.max(0, auth.visitsAuthorized - auth.visitsUsed),
          validFrom: auth.validFrom,
          validTo: auth.validTo,
          approvedCpts: auth.approvedCpts,
        }
      : null,
    visits: visits.map((v) => ({
      visitId: v.visitId,
      visitNumber: v.visitNumber,
      date: v.visit.date,
      billing: v.billing,
      outcomeMeasures: v.visit.outcomeMeasures,
      reReview: v.reReview ?? null,
    })),
    reviews: reviews.map((r) => {
      const { decision, ...rest } = withoutToken(r);
      return { ...rest, decision: decision ?? null };
    }),
    history: history.map(historyView),
    failure: referral.failure ?? null,
    informationRequests: (referral.informationRequests ?? []).map(informationRequestView),
    appeals: (referral.appeals ?? []).map(appealView),
  };
}

/** SPEC 10: what was asked, when, by whom, and what the answer changed. */
export function informationRequestView(r: InformationRequestRecord) {
  return {
    round: r.round,
    requestedAt: r.requestedAt,
    requestedBy: actorView(r.requestedBy),
    requested: r.requested.map((i) => ({ code: i.code, text: i.text })),
    dueAt: r.dueAt,
    status: r.answeredAt ? 'ANSWERED' : r.lapsedAt ? 'NOT_RECEIVED' : 'OPEN',
    answeredAt: r.answeredAt ?? null,
    note: r.note ?? null,
    changes: r.changes ?? [],
    lapsedAt: r.lapsedAt ?? null,
  };
}

/** SPEC 11: each appeal and its outcome. */
export function appealView(a: AppealRecord) {
  return {
    appealId: a.appealId,
    subject: a.subject,
    urgency: a.urgency,
    receivedAt: a.receivedAt,
    appealedStatus: a.appealedStatus,
    note: a.note,
    dueAt: a.dueAt,
    reviewId: a.reviewId,
    status: a.status,
    decidedAt: a.decidedAt ?? null,
    decidedBy: a.decidedBy ? { id: a.decidedBy.id, credential: a.decidedBy.credential } : null,
  };
}

import { createHash } from 'node:crypto';
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
import { assertCanRead, bodyHash } from './common.js';
import { evaluationReads } from './determination.js';

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

/**
 * POST /referrals. The referral is stored (its case, then its head: `Repository.createReferral`); the workflow starts
 * afterwards, and a referral whose start failed is re-driven by the reconciliation (it stays in
 * RECEIVED, which the reconcile index lists). Its arrival is the head's `receivedAt` and
 * `submittedBy`, which the history shows as its RECEIVED entry (`Repository.getReferralBundle`).
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
 * The referral id a portal's `Idempotency-Key` stands for: the same portal and key always name the
 * same referral, so the conditional write of the referral itself refuses a second one — no separate
 * idempotency record, and no read before the write.
 */
export function referralIdFor(portalId: string, idempotencyKey: string): string {
  const h = createHash('sha256').update(`referral\u0000${portalId}\u0000${idempotencyKey}`).digest('hex');
  // Laid out as a UUID (version 8: application-defined) like the random ids.
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `ref-${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The intake every face of the desk shares (JSON, PAS): a parsed case, which may lack its clinical
 * section (SPEC 8, 10: the workflow then asks for it). `idempotency` replays the first answer for
 * the same key and body hash, and refuses the key with another body (409 IDEMPOTENCY_KEY_REUSED).
 * With a key, the referral's id is derived from it (`referralIdFor`): the referral's conditional
 * writes are what find an earlier submission, and only then is anything read.
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
  const receivedAt = deps.clock.now().toISOString();
  const record: ReferralRecord = {
    referralId: idempotencyKey === undefined ? deps.newId() : referralIdFor(caller.portalId, idempotencyKey),
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
    ...(idempotencyKey === undefined ? {} : { idempotency: { key: idempotencyKey, bodyHash: hash } }),
    version: 0,
  };
  const answer: SubmitAnswer = { referralId: record.referralId, status: 'RECEIVED' };
  const outcome = await deps.repo.createReferral(record);
  if (!outcome.created) {
    // The key was used before (or a concurrent request with it won): answer as the first one did.
    const earlier = outcome.referral
      ? outcome.referral.portalId === caller.portalId
        ? outcome.referral.idempotency
        : undefined
      : outcome.idempotency;
    if (idempotencyKey === undefined || earlier?.key !== idempotencyKey) throw new ConditionFailedError();
    if (earlier.bodyHash !== hash) {
      throw new ConflictError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used with a different body.',
      );
    }
    return { answer, replayed: true };
  }
  logger.info('referral received', { referralId: record.referralId, portalId: caller.portalId });
  try {
    await deps.workflow.startAuthorization(record.referralId, evaluationReads(request));
  } catch (err) {
    logger.warn('workflow start failed; reconciliation will re-drive', {
      referralId: record.referralId,
      error: (err as Error).name,
    });
  }
  return { answer, replayed: false };
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

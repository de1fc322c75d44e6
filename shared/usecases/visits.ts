import * as z from 'zod';
import { computeBilling } from '../billing.js';
import { ConditionFailedError, type ReferralBundle, type Repository } from '../data/repository.js';
import { toIsoDate, yearOf } from '../dates.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Caller, Clock, ReReviewRecord, VisitRecord } from '../model.js';
import { logger } from '../observability.js';
import { visitsLeftThisYear } from '../policy/determine.js';
import {
  applyReReview,
  type ContinuationLimits,
  medicarePlanOfCareEnds,
  type ReReviewPatch,
} from '../policy/outcomes.js';
import type { EventPublisher } from '../ports.js';
import { REVIEW_REASONS, type ReReviewOutcome, type ReviewReason, reReview } from '../progress.js';
import { parseOrThrow, parseVisit, type Visit, VisitSchema } from '../schemas.js';
import { actorOf, assertCanRead, bodyHash, nowIso, secondsUntil } from './common.js';
import type { ReviewerDecision } from './determination.js';
import { type ContinuationState, continuationDueAt } from './reviews.js';

/** Conditional-write attempts for one visit before the conflict is reported (bounded, each on a fresh read). */
const VISIT_WRITE_ATTEMPTS = 8;

export const VISIT_EVENT = { source: 'prior-auth.visits', detailType: 'VisitCompleted' } as const;

/**
 * VisitCompleted detail, version 1 (docs/events.md). It carries the whole visit so a clinic's own
 * system can publish it straight onto the bus; the consumer records the visit if the API did not.
 */
export const VisitCompletedDetailSchema = z
  .object({ schemaVersion: z.literal('1'), referralId: z.string().min(1).max(64), visit: VisitSchema })
  .strict();
export type VisitCompletedDetail = z.infer<typeof VisitCompletedDetailSchema>;

export interface VisitAnswer {
  visitId: string;
  billing: ReturnType<typeof computeBilling>;
}

function notAuthorized(why: string) {
  return new ConflictError('VISIT_NOT_AUTHORIZED', `The visit is outside the authorization: ${why}.`);
}

/** Finds an earlier recording of the same visit id: the same body answers as before, another body is a conflict. */
function previousAnswer(bundle: ReferralBundle, visit: Visit, hash: string): VisitAnswer | undefined {
  const previous = bundle.visits.find((v) => v.visitId === visit.visitId);
  if (!previous) return undefined;
  if (previous.bodyHash !== hash) {
    throw new ConflictError(
      'VISIT_ID_CONFLICT',
      `Visit ${visit.visitId} was already recorded with a different body.`,
    );
  }
  return { visitId: previous.visitId, billing: previous.billing };
}

/**
 * Checks the visit against the authorization (SPEC 4.3) and writes the visit, the authorization's
 * visit count, the member's yearly ledger and a history entry in one transaction.
 */
async function admitVisit(
  repo: Repository,
  clock: Clock,
  bundle: ReferralBundle,
  visit: Visit,
  hash: string,
  actor: ReturnType<typeof actorOf> | 'system',
): Promise<{ answer: VisitAnswer; record: VisitRecord }> {
  const { referral } = bundle;
  const auth = referral.authorization;
  if (!auth) throw notAuthorized('the referral has no approved authorization');
  if (auth.status !== 'ACTIVE') throw notAuthorized(`the authorization is ${auth.status}`);
  if (visit.date < auth.validFrom || visit.date > auth.validTo) {
    throw notAuthorized(`the date is outside ${auth.validFrom}..${auth.validTo}`);
  }
  if (auth.visitsUsed >= auth.visitsAuthorized) throw notAuthorized('no authorized visits remain');
  const unapproved = visit.services.filter((s) => !auth.approvedCpts.includes(s.cpt)).map((s) => s.cpt);
  if (unapproved.length) throw notAuthorized(`code ${unapproved.join(', ')} is not approved`);

  const year = yearOf(visit.date);
  // The member and their yearly ledger in one read.
  const { member, visitsUsed: recorded } = await repo.getMemberWithVisitsUsed(
    referral.request.memberId,
    year,
  );
  if (!member) throw notAuthorized('the member is no longer on file');
  if (visitsLeftThisYear(member, recorded) <= 0) throw notAuthorized(`no visits are left in ${year}`);

  const billing = computeBilling({
    lineOfBusiness: member.lineOfBusiness,
    services: visit.services,
    sameDayProcedures: visit.sameDayProcedures,
  });
  const at = nowIso(clock);
  const record: VisitRecord = {
    referralId: referral.referralId,
    visitId: visit.visitId,
    visitNumber: bundle.visits.length + 1,
    memberId: referral.request.memberId,
    bodyHash: hash,
    receivedAt: at,
    visit,
    billing,
  };
  await repo.commit(
    repo
      .transaction()
      .putVisit(record, true)
      // The authorization's count, in place (version-checked): the referral's case is not rewritten.
      .updateReferral(referral.referralId, referral.version, {
        increment: [[['authorization', 'visitsUsed'], 1]],
      })
      .countMemberVisit(
        referral.request.memberId,
        year,
        member.massageTherapy.annualVisitLimit - member.priorVisitsThisYear,
      )
      .addHistory(referral.referralId, { at, actor, event: 'VISIT_RECORDED' }),
  );
  logger.info('visit recorded', {
    referralId: referral.referralId,
    visitId: visit.visitId,
    visitNumber: record.visitNumber,
  });
  return { answer: { visitId: visit.visitId, billing }, record };
}

export interface VisitDeps {
  repo: Repository;
  events: EventPublisher;
  clock: Clock;
}

/** POST /referrals/{id}/visits. */
export async function recordVisit(
  deps: VisitDeps,
  caller: Caller,
  referralId: string,
  body: unknown,
): Promise<VisitAnswer> {
  if (!caller.portalId) throw new ForbiddenError('Portal users need a portalId claim to record visits.');
  const visit = parseVisit(body, toIsoDate(deps.clock.now()));
  const bundle = await deps.repo.getReferralBundle(referralId);
  if (!bundle) throw new NotFoundError(`Referral ${referralId}`);
  assertCanRead(caller, bundle.referral);
  const hash = bodyHash(visit);
  const previous = previousAnswer(bundle, visit, hash);
  if (previous) return previous;
  let answer: VisitAnswer | undefined;
  // A conditional write that lost to the system's own bookkeeping (the previous visit's re-review
  // writing the authorization) is retried here on the record read again: it is not the clinic's
  // conflict. Real conflicts (VISIT_ID_CONFLICT, VISIT_NOT_AUTHORIZED) surface from the re-check.
  for (let attempt = 1, current = bundle; ; attempt++) {
    try {
      ({ answer } = await admitVisit(deps.repo, deps.clock, current, visit, hash, actorOf(caller, 'portal')));
      break;
    } catch (err) {
      if (!(err instanceof ConditionFailedError) || attempt >= VISIT_WRITE_ATTEMPTS) throw err;
    }
    await new Promise((ok) => setTimeout(ok, Math.min(200, 10 * 2 ** attempt * Math.random())));
    const fresh = await deps.repo.getReferralBundle(referralId);
    if (!fresh) throw new NotFoundError(`Referral ${referralId}`);
    // The same visit sent twice at once answers as the first.
    const first = previousAnswer(fresh, visit, hash);
    if (first) return first;
    current = fresh;
  }
  try {
    await publishVisit(deps.events, referralId, visit);
  } catch (err) {
    // The visit is recorded and marked for reconciliation, which publishes it again.
    logger.warn('VisitCompleted not published; reconciliation will retry', {
      referralId,
      visitId: visit.visitId,
      error: (err as Error).name,
    });
  }
  return answer;
}

/** The REVIEW outcome a visit's stored re-review is waiting on, while no reviewer has decided it. */
function awaitedReview(pending: ReReviewRecord, visitNumber: number): ReReviewOutcome | undefined {
  const [reason] = pending.reasons;
  if (pending.action !== 'REVIEW' || pending.decidedBy || !isReviewReason(reason)) return undefined;
  return {
    action: 'REVIEW',
    recommendation: 'STOP',
    reasons: [reason],
    explanation: pending.explanation,
    visitNumber,
    ...(pending.progress ? { progress: pending.progress } : {}),
  };
}

const isReviewReason = (code: string | undefined): code is ReviewReason =>
  (REVIEW_REASONS as readonly (string | undefined)[]).includes(code);

export function publishVisit(events: EventPublisher, referralId: string, visit: Visit) {
  const detail: VisitCompletedDetail = { schemaVersion: '1', referralId, visit };
  return events.publish(VISIT_EVENT.source, VISIT_EVENT.detailType, detail);
}

export interface ReReviewResult {
  duplicate: boolean;
  needsReview: boolean;
  reviewTimeoutSeconds: number;
  referralId: string;
  visitId: string;
  outcome?: ReReviewOutcome;
  dueAt?: string;
  /** The referral's version the re-review was decided on: RecordContinuation writes against it without reading again. */
  referralVersion?: number;
}

/**
 * The ContinuationReviewWorkflow's first task: validate the event, record the visit if it came
 * straight from a clinic's system, claim the visit (exactly once per visit, however often the
 * event arrives) and decide the re-review (SPEC 6.3).
 */
export async function reReviewVisit(repo: Repository, clock: Clock, event: unknown): Promise<ReReviewResult> {
  const envelope = parseOrThrow(z.object({ id: z.string().optional(), detail: z.unknown() }), event);
  const detail = parseOrThrow(VisitCompletedDetailSchema, envelope.detail);
  const { referralId, visit } = detail;
  let bundle = await repo.getReferralBundle(referralId);
  if (!bundle) throw new NotFoundError(`Referral ${referralId}`);
  const hash = bodyHash(visit);
  if (!previousAnswer(bundle, visit, hash)) {
    if (visit.date > toIsoDate(clock.now()))
      throw new ConflictError('VISIT_NOT_AUTHORIZED', 'The visit is dated after today.');
    try {
      await admitVisit(repo, clock, bundle, visit, hash, 'system');
    } catch (err) {
      // Another delivery of the same event recorded it first: carry on as that duplicate.
      if (!(err instanceof ConditionFailedError)) throw err;
    }
    bundle = await repo.getReferralBundle(referralId);
    if (!bundle || !previousAnswer(bundle, visit, hash))
      throw new ConflictError('VISIT_NOT_AUTHORIZED', 'The visit could not be recorded.');
  }
  const base = { referralId, visitId: visit.visitId, needsReview: false, reviewTimeoutSeconds: 1 };
  const stored = bundle.visits.find((v) => v.visitId === visit.visitId);
  // The claim belongs to one delivery of the event (its id). That delivery may come again — a Lambda
  // retry, a Step Functions redrive, the local stack's recovery after a crash — and finds the visit
  // claimed by itself and not recorded: it carries on where it stopped. Any other delivery is a duplicate.
  const claim = envelope.id ?? `event@${nowIso(clock)}`;
  const ours = stored?.reReviewClaim === claim;
  const duplicate = () => {
    logger.info('visit already re-reviewed: duplicate delivery ignored', {
      referralId,
      visitId: visit.visitId,
    });
    return { ...base, duplicate: true };
  };
  if (!stored || (stored.reReviewClaim !== undefined && !ours)) return duplicate();
  if (stored.reReview) {
    // Claimed, review open, not recorded: wait on the same review again (OpenReview re-arms it).
    const waiting = ours ? awaitedReview(stored.reReview, stored.visitNumber) : undefined;
    const review =
      waiting && stored.reReview.reviewId ? await repo.getReview(stored.reReview.reviewId) : undefined;
    if (!waiting || !review || review.recorded) return duplicate();
    return {
      ...base,
      duplicate: false,
      needsReview: true,
      reviewTimeoutSeconds: secondsUntil(review.dueAt, clock),
      outcome: waiting,
      dueAt: review.dueAt,
    };
  }
  const { referral } = bundle;
  // The claim and the member's figures, issued together (the reads are wasted only on a duplicate delivery).
  const [claimed, { member, visitsUsed: recorded }] = await Promise.all([
    ours || repo.claimReReview(referralId, visit.visitId, claim),
    repo.getMemberWithVisitsUsed(referral.request.memberId, yearOf(visit.date)),
  ]);
  if (!claimed) return duplicate();
  const auth = referral.authorization!;
  if (!member) throw new NotFoundError(`Member of referral ${referralId}`);
  const outcome = reReview({
    basis: auth.basis,
    lineOfBusiness: member.lineOfBusiness,
    baselineMeasures: referral.request.clinical?.outcomeMeasures ?? [],
    visits: bundle.visits.map((v) => ({
      visitId: v.visitId,
      date: v.visit.date,
      outcomeMeasures: v.visit.outcomeMeasures,
    })),
    authorization: {
      visitsAuthorized: auth.visitsAuthorized,
      visitsUsed: auth.visitsUsed,
      validTo: auth.validTo,
    },
    visitsLeftThisYear: visitsLeftThisYear(member, recorded),
    extensionBlock: member.massageTherapy.extensionBlock,
    ...optional('medicarePlanOfCareEnds', medicarePlanOfCareEnds(referral.request, member.lineOfBusiness)),
  });
  const dueAt = continuationDueAt(referral.request.urgency, nowIso(clock));
  logger.info('visit re-reviewed', { referralId, visitId: visit.visitId, action: outcome.action });
  return {
    ...base,
    duplicate: false,
    needsReview: outcome.action === 'REVIEW',
    reviewTimeoutSeconds: secondsUntil(dueAt, clock),
    outcome,
    dueAt,
    referralVersion: referral.version,
  };
}

/**
 * Applies the re-review (or the reviewer's decision on it) to the authorization, the visit and the
 * history, atomically. An automatic outcome is written against the referral's version the re-review
 * was decided on, without reading again; when it changed since, the records are read and the rule
 * applied to them.
 */
export async function recordContinuation(
  repo: Repository,
  clock: Clock,
  state: ContinuationState & { reReview?: ReReviewResult },
) {
  const rr = state.reReview;
  if (!rr?.outcome) throw new NotFoundError('Re-review result');
  const decision: ReviewerDecision | undefined = state.decision;
  if (!decision && rr.referralVersion !== undefined && rr.outcome.action !== 'REVIEW') {
    try {
      // validTo is only read by a reviewer's CONTINUE, never by an automatic outcome.
      const patch = applyReReview({ validTo: '' }, rr.outcome);
      return await writeContinuation(repo, clock, rr.referralId, rr.visitId, rr.referralVersion, patch);
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
  const bundle = await repo.getReferralBundle(rr.referralId);
  const visit = bundle?.visits.find((v) => v.visitId === rr.visitId);
  const auth = bundle?.referral.authorization;
  if (!bundle || !visit || !auth) throw new NotFoundError(`Visit ${rr.visitId}`);
  if (visit.reReview && (!decision || visit.reReview.decidedBy))
    return { action: visit.reReview.action, alreadyRecorded: true };
  const { referral } = bundle;
  let limits: ContinuationLimits | undefined;
  if (decision?.outcome === 'CONTINUE') {
    const memberId = referral.request.memberId;
    const { member, visitsUsed: recorded } = await repo.getMemberWithVisitsUsed(
      memberId,
      yearOf(visit.visit.date),
    );
    limits = member
      ? {
          visitsLeftThisYear: visitsLeftThisYear(member, recorded),
          ...optional('planOfCareEnds', medicarePlanOfCareEnds(referral.request, member.lineOfBusiness)),
        }
      : { visitsLeftThisYear: 0 };
  }
  const patch = applyReReview(auth, rr.outcome, decision, limits);
  // A reviewer's decision keeps the figures the review was opened on.
  const progress = patch.reReview.progress ?? visit.reReview?.progress;
  const reviewId = visit.reReview?.reviewId;
  const reReview = {
    ...patch.reReview,
    ...(progress ? { progress } : {}),
    ...(reviewId ? { reviewId } : {}),
  };
  return writeContinuation(
    repo,
    clock,
    referral.referralId,
    rr.visitId,
    referral.version,
    { ...patch, reReview },
    decision,
  );
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

async function writeContinuation(
  repo: Repository,
  clock: Clock,
  referralId: string,
  visitId: string,
  expectedVersion: number,
  patch: ReReviewPatch,
  decision?: ReviewerDecision,
) {
  const at = nowIso(clock);
  const tx = repo.transaction();
  if (decision) {
    const review = await repo.getReview(decision.reviewId);
    if (review) tx.putReview({ ...review, recorded: true }, 'any');
  }
  await repo.commit(
    tx
      .applyToAuthorization(referralId, expectedVersion, patch.authorization)
      .recordVisitReReview(
        referralId,
        visitId,
        { ...patch.reReview, at },
        decision ? 'pending-review' : 'none',
      )
      .addHistory(referralId, { at, ...patch.history }),
  );
  const action = patch.reReview.action;
  const authorization = patch.authorization.status;
  logger.info('re-review recorded', { referralId, visitId, action, authorization });
  return { action, authorization, alreadyRecorded: false };
}

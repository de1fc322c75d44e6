import { describeReason } from '../catalogue.js';
import { ConditionFailedError, type Repository } from '../data/repository.js';
import { addHours } from '../dates.js';
import { ConflictError, ForbiddenError, NotFoundError, TransientError, ValidationError } from '../errors.js';
import { type Caller, type Clock, type ReviewRecord, withoutToken } from '../model.js';
import { logger } from '../observability.js';
import { reviewerOf } from '../policy/outcomes.js';
import { type EventPublisher, type TaskCallbacks, TaskGoneError } from '../ports.js';
import type { ReReviewOutcome } from '../progress.js';
import {
  parseOrThrow,
  REVIEW_OUTCOMES,
  type ReviewDecision,
  ReviewDecisionSchema,
  type ReviewKind,
} from '../schemas.js';
import { loadReferral, nowIso } from './common.js';
import type { AuthorizationState, ReviewerDecision } from './determination.js';
import { appealView, informationRequestView, referralView } from './referrals.js';

/** The ContinuationReviewWorkflow's state as the tasks see it. */
export interface ContinuationState {
  detail?: { referralId?: string; visit?: { visitId?: string } };
  reReview?: { referralId: string; visitId: string; outcome: ReReviewOutcome; dueAt: string };
  decision?: ReviewerDecision;
}

/** The AppealWorkflow's state (SPEC 11). */
export interface AppealState {
  referralId: string;
  appealId: string;
  reviewTimeoutSeconds: number;
  decision?: ReviewerDecision;
}

export type ReviewState = AuthorizationState | ContinuationState | AppealState;

export interface OpenReviewInput {
  kind: ReviewKind;
  taskToken: string;
  escalated: boolean;
  state: ReviewState;
}

/** Review ids are derived from what they review, so a re-driven workflow finds its review again. */
export const reviewIdFor = (kind: ReviewKind, id: string, round = 0) =>
  kind === 'INITIAL'
    ? `rv-${id}${round > 0 ? `-r${round}` : ''}`
    : kind === 'APPEAL'
      ? `rv-appeal-${id}`
      : `rv-visit-${id}`;

/** The review a workflow state waits on. */
export function reviewIdOfState(kind: ReviewKind, state: ReviewState): string {
  if (kind === 'INITIAL') {
    const s = state as AuthorizationState;
    return reviewIdFor('INITIAL', s.referralId, s.round ?? 0);
  }
  if (kind === 'APPEAL') return reviewIdFor('APPEAL', (state as AppealState).appealId);
  return reviewIdFor('CONTINUATION', (state as ContinuationState).reReview?.visitId ?? '');
}

/** Continuation reviews get the standard clock unless the referral was expedited (SPEC 5.5 due times). */
export function continuationDueAt(urgency: 'standard' | 'expedited', now: string): string {
  return addHours(now, urgency === 'expedited' ? 24 : 72);
}

/**
 * The waitForTaskToken task: create the review holding the callback token (or, when the workflow
 * re-arms the wait after an escalation or a re-drive, store the new token on the same review).
 */
export async function openReview(
  repo: Repository,
  clock: Clock,
  input: OpenReviewInput,
): Promise<{ reviewId: string }> {
  const at = nowIso(clock);
  if (input.kind === 'APPEAL') return openAppealReview(repo, at, input.state as AppealState, input.taskToken);
  if (input.kind === 'INITIAL') {
    const state = input.state as AuthorizationState;
    const round = state.round ?? 0;
    const reviewId = reviewIdFor('INITIAL', state.referralId, round);
    const existing = await repo.getReview(reviewId);
    if (existing) return rearm(repo, existing, input.taskToken);
    const det = state.evaluation?.determination;
    if (!det) throw new NotFoundError(`Evaluation for referral ${state.referralId}`);
    const referral = await loadReferral(repo, state.referralId);
    const expected = referral.version;
    const review: ReviewRecord = {
      reviewId,
      referralId: referral.referralId,
      kind: 'INITIAL',
      status: 'OPEN',
      recommendation: det.recommendation,
      reasons: det.reasons,
      createdAt: at,
      dueAt: referral.decisionDueAt,
      escalated: false,
      taskToken: input.taskToken,
      round,
    };
    if (state.informationNotReceived) review.flags = ['INFORMATION_NOT_RECEIVED'];
    Object.assign(referral, {
      status: 'PENDING_REVIEW',
      reasons: det.reasons,
      criteria: det.criteria,
      lines: det.lines,
      recommendation: det.recommendation,
      reviewIds: [...referral.reviewIds, reviewId],
    });
    if (det.proposedAuthorization) {
      const { yearlyLimitApplied: _y, ...proposed } = det.proposedAuthorization;
      referral.proposedAuthorization = {
        ...proposed,
        approvedCpts: det.lines.filter((l) => l.status !== 'DENIED').map((l) => l.cpt),
      };
    }
    await repo.commit(
      repo
        .transaction()
        .putReview(review, 'new')
        .putReferral(referral, expected)
        .addHistory(referral.referralId, {
          at,
          actor: 'system',
          event: 'REVIEW_OPENED',
          status: 'PENDING_REVIEW',
          reasons: det.reasons,
        }),
    );
    logger.info('review opened', { reviewId, referralId: referral.referralId, kind: 'INITIAL' });
    return { reviewId };
  }

  const state = input.state as ContinuationState;
  const rr = state.reReview;
  if (!rr) throw new NotFoundError('Re-review result');
  const reviewId = reviewIdFor('CONTINUATION', rr.visitId);
  const existing = await repo.getReview(reviewId);
  if (existing) return rearm(repo, existing, input.taskToken);
  const bundle = await repo.getReferralBundle(rr.referralId);
  const visit = bundle?.visits.find((v) => v.visitId === rr.visitId);
  if (!bundle || !visit || !bundle.referral.authorization) throw new NotFoundError(`Visit ${rr.visitId}`);
  const { referral } = bundle;
  const expected = referral.version;
  const authorization = referral.authorization!;
  const outcome = rr.outcome;
  const review: ReviewRecord = {
    reviewId,
    referralId: referral.referralId,
    kind: 'CONTINUATION',
    visitId: rr.visitId,
    status: 'OPEN',
    recommendation: outcome.action === 'REVIEW' ? outcome.recommendation : null,
    reasons: outcome.reasons,
    createdAt: at,
    dueAt: rr.dueAt,
    escalated: false,
    taskToken: input.taskToken,
  };
  authorization.status = 'PENDING_REVIEW';
  authorization.reasons = outcome.reasons;
  referral.reviewIds = [...referral.reviewIds, reviewId];
  visit.reReview = {
    action: 'REVIEW',
    reasons: outcome.reasons,
    explanation: outcome.explanation,
    at,
    reviewId,
  };
  if (outcome.progress) visit.reReview.progress = outcome.progress;
  await repo.commit(
    repo
      .transaction()
      .putReview(review, 'new')
      .putReferral(referral, expected)
      .putVisit(visit, false)
      .addHistory(referral.referralId, {
        at,
        actor: 'system',
        event: 'CONTINUATION_REVIEW_OPENED',
        reasons: outcome.reasons,
      }),
  );
  logger.info('review opened', {
    reviewId,
    referralId: referral.referralId,
    visitId: rr.visitId,
    kind: 'CONTINUATION',
  });
  return { reviewId };
}

/**
 * A re-driven workflow (after an escalation or a crash) waits on the same review with a new token.
 * A review already decided keeps its decision; the new token lets recovery deliver it.
 */
async function rearm(repo: Repository, review: ReviewRecord, taskToken: string) {
  await repo.commit(
    repo.transaction().putReview({ ...review, taskToken }, review.status === 'OPEN' ? 'OPEN' : 'any'),
  );
  if (review.status !== 'OPEN')
    logger.warn('re-armed a decided review awaiting delivery', { reviewId: review.reviewId });
  return { reviewId: review.reviewId };
}

/**
 * SPEC 11: the appeal's review. The appeal itself was recorded when it was filed; this holds the
 * workflow's token and names the reviewer who may not decide it.
 */
async function openAppealReview(repo: Repository, at: string, state: AppealState, taskToken: string) {
  const reviewId = reviewIdFor('APPEAL', state.appealId);
  const existing = await repo.getReview(reviewId);
  if (existing) return rearm(repo, existing, taskToken);
  const referral = await loadReferral(repo, state.referralId);
  const appeal = referral.appeals?.find((a) => a.appealId === state.appealId);
  if (!appeal) throw new NotFoundError(`Appeal ${state.appealId}`);
  const expected = referral.version;
  const review: ReviewRecord = {
    reviewId,
    referralId: referral.referralId,
    kind: 'APPEAL',
    appealId: appeal.appealId,
    status: 'OPEN',
    recommendation: null,
    reasons:
      appeal.subject === 'AUTHORIZATION_STOP' ? (referral.authorization?.reasons ?? []) : referral.reasons,
    createdAt: at,
    dueAt: appeal.dueAt,
    escalated: false,
    taskToken,
  };
  if (appeal.appealedDecisionBy !== 'system') review.conflictReviewerId = appeal.appealedDecisionBy.id;
  referral.reviewIds = [...referral.reviewIds, reviewId];
  await repo.commit(
    repo
      .transaction()
      .putReview(review, 'new')
      .putReferral(referral, expected)
      .addHistory(referral.referralId, { at, actor: 'system', event: 'APPEAL_REVIEW_OPENED' }),
  );
  logger.info('review opened', { reviewId, referralId: referral.referralId, kind: 'APPEAL' });
  return { reviewId };
}

/** Past its due time a review is flagged and announced, never decided by the software (SPEC 7). */
export async function escalateReview(
  repo: Repository,
  events: EventPublisher,
  clock: Clock,
  kind: ReviewKind,
  state: ReviewState,
) {
  const reviewId = reviewIdOfState(kind, state);
  const review = await repo.getReview(reviewId);
  if (!review) throw new NotFoundError(`Review ${reviewId}`);
  if (review.status !== 'OPEN') return { reviewId, escalated: false };
  const at = nowIso(clock);
  await repo.commit(
    repo
      .transaction()
      .putReview({ ...review, escalated: true, escalatedAt: review.escalatedAt ?? at }, 'OPEN')
      .addHistory(review.referralId, { at, actor: 'system', event: 'REVIEW_ESCALATED' }),
  );
  await events.publish('prior-auth.reviews', 'ReviewOverdue', {
    schemaVersion: '1',
    reviewId,
    referralId: review.referralId,
    kind: review.kind,
    dueAt: review.dueAt,
    escalatedAt: at,
  });
  logger.warn('review overdue: escalated', { reviewId, referralId: review.referralId });
  return { reviewId, escalated: true };
}

function queueItem(r: ReviewRecord, now: string) {
  const overdue = r.dueAt < now;
  return {
    reviewId: r.reviewId,
    referralId: r.referralId,
    kind: r.kind,
    recommendation: r.recommendation,
    reasons: r.reasons,
    dueAt: r.dueAt,
    overdue,
    escalated: r.escalated || overdue,
  };
}

/** GET /reviews?status=open: soonest due first. */
export async function listOpenReviews(repo: Repository, clock: Clock, status: string | undefined) {
  if (status !== undefined && status !== 'open') {
    throw new ValidationError([{ field: 'status', message: "only 'open' is supported" }]);
  }
  const now = nowIso(clock);
  const items = (await repo.listOpenReviews()).map((r) => queueItem(r, now));
  return { items };
}

/** GET /reviews/{id}: the review with the referral's evidence and each reason's policy text. */
export async function getReviewDetail(repo: Repository, clock: Clock, reviewId: string) {
  const review = await repo.getReview(reviewId);
  if (!review) throw new NotFoundError(`Review ${reviewId}`);
  const bundle = await repo.getReferralBundle(review.referralId);
  if (!bundle) throw new NotFoundError(`Referral ${review.referralId}`);
  const reviews = await repo.getReviews(bundle.referral.reviewIds);
  const request = bundle.referral.request;
  const now = nowIso(clock);
  return {
    ...withoutToken(review),
    ...queueItem(review, now),
    allowedOutcomes: REVIEW_OUTCOMES[review.kind],
    // What an APPROVE grants unless the reviewer sets approvedVisits.
    proposedAuthorization: bundle.referral.proposedAuthorization ?? null,
    // For a continuation review: the figures the re-review judged progress on.
    progress: review.visitId
      ? (bundle.visits.find((v) => v.visitId === review.visitId)?.reReview?.progress ?? null)
      : null,
    reasonTexts: Object.fromEntries(
      [...review.reasons, ...(review.flags ?? [])].map((c) => [c, describeReason(c)]),
    ),
    flags: review.flags ?? [],
    // SPEC 10: a review after an answer shows both versions of the case and what changed.
    information: (bundle.referral.informationRequests ?? []).map((r) => ({
      ...informationRequestView(r),
      previousRequest: r.previousRequest ?? null,
    })),
    // SPEC 11: the appeal this review hears, and whose decision it was.
    appeal: review.appealId
      ? (() => {
          const a = bundle.referral.appeals?.find((x) => x.appealId === review.appealId);
          return a
            ? {
                ...appealView(a),
                appealedDecisionBy: a.appealedDecisionBy,
                previousRequest: a.previousRequest ?? null,
              }
            : null;
        })()
      : null,
    evidence: {
      request: {
        memberId: request.memberId,
        urgency: request.urgency,
        startDate: request.startDate,
        requestedVisits: request.requestedVisits,
        diagnoses: request.diagnoses,
        services: request.services,
        renderingProviderNpi: request.renderingProviderNpi,
        orderingProviderNpi: request.orderingProviderNpi,
        clinical: request.clinical,
      },
      referral: referralView(bundle.referral, bundle.history, bundle.visits, reviews),
    },
  };
}

export interface DecideDeps {
  repo: Repository;
  callbacks: TaskCallbacks;
  clock: Clock;
}

/**
 * POST /reviews/{id}/decision. The conditional write (OPEN → DECIDED) comes before the task result
 * is sent, so of two racing decisions exactly one wins; the loser gets 409. A decision whose
 * execution has gone is undone and answers 409 too.
 */
export async function decideReview(deps: DecideDeps, caller: Caller, reviewId: string, body: unknown) {
  const reviewer = reviewerOf(caller);
  const decision: ReviewDecision = parseOrThrow(ReviewDecisionSchema, body);
  const review = await deps.repo.getReview(reviewId);
  if (!review) throw new NotFoundError(`Review ${reviewId}`);
  const allowed: readonly string[] = REVIEW_OUTCOMES[review.kind];
  if (!allowed.includes(decision.outcome)) {
    throw new ValidationError([
      { field: 'outcome', message: `a ${review.kind} review takes ${allowed.join(' or ')}` },
    ]);
  }
  if (review.status !== 'OPEN') throw alreadyDecided(reviewId);
  // SPEC 11: an appeal is heard by someone other than who made the decision appealed.
  if (review.kind === 'APPEAL' && review.conflictReviewerId === reviewer.id) {
    throw new ForbiddenError(
      'An appeal must be decided by a reviewer who did not make the decision appealed.',
      'APPEAL_REVIEWER_CONFLICT',
    );
  }
  const sent: ReviewerDecision = {
    reviewId,
    outcome: decision.outcome,
    reasonCodes: decision.reasonCodes ?? [],
    reviewer,
    decidedAt: nowIso(deps.clock),
  };
  if (decision.note) sent.note = decision.note;
  if (decision.approvedVisits !== undefined) sent.approvedVisits = decision.approvedVisits;
  if (decision.requested) sent.requested = decision.requested;
  const decided: ReviewRecord = { ...review, status: 'DECIDED', decision: { ...sent } };
  try {
    await deps.repo.commit(deps.repo.transaction().putReview(decided, 'OPEN'));
  } catch (err) {
    if (err instanceof ConditionFailedError) throw alreadyDecided(reviewId);
    throw err;
  }
  try {
    await deliver(deps, review, sent);
  } catch (err) {
    // Not delivered: put the review back as it was, so the decision is never half-made.
    await deps.repo.commit(deps.repo.transaction().putReview(review, 'any'));
    if (err instanceof TaskGoneError) {
      throw new ConflictError(
        'REVIEW_NOT_AWAITING_DECISION',
        'The workflow waiting for this review has ended (timed out or stopped); the decision was not applied.',
        err,
      );
    }
    throw new TransientError(
      'The decision could not be delivered to the workflow; nothing was recorded. Try again.',
      err,
    );
  }
  logger.info('review decided', { reviewId, referralId: review.referralId, outcome: decision.outcome });
  return {
    reviewId,
    referralId: review.referralId,
    kind: review.kind,
    outcome: decision.outcome,
    decidedBy: sent.reviewer,
    decidedAt: sent.decidedAt,
  };
}

/**
 * Sends the decision through the review's task token. At an escalation the workflow swaps the wait
 * for a new one with a new token; a decision landing in that moment follows the new token.
 */
async function deliver(deps: DecideDeps, review: ReviewRecord, sent: ReviewerDecision) {
  let token = review.taskToken;
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.callbacks.succeed(token, sent);
      return;
    } catch (err) {
      if (!(err instanceof TaskGoneError) || attempt >= 15) throw err;
      await new Promise((ok) => setTimeout(ok, 200));
      const fresh = await deps.repo.getReview(review.reviewId);
      if (!fresh || fresh.taskToken === token) {
        if (attempt >= 5) throw err;
        continue;
      }
      token = fresh.taskToken;
    }
  }
}

function alreadyDecided(reviewId: string) {
  return new ConflictError('REVIEW_ALREADY_DECIDED', `Review ${reviewId} has already been decided.`);
}

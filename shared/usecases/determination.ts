import { ConditionFailedError, type EvaluationData, type Repository } from '../data/repository.js';
import { yearOf } from '../dates.js';
import { NotFoundError } from '../errors.js';
import { type Clock, type EvaluationReads, FINAL_STATUSES, type ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import { type Authorization, authorizationFor } from '../policy/determine.js';
import { type CaseDetermination, determineCase } from '../policy/information.js';
import {
  applyDetermination,
  applyReviewerDecision,
  type DeterminationPatch,
  type ReviewerDecision,
} from '../policy/outcomes.js';
import { decisionIncrement } from '../report.js';
import type { ReferralCase } from '../schemas.js';
import { loadReferral, nowIso, secondsUntil } from './common.js';

/** The AuthorizationWorkflow's state as the tasks see it. */
export type { ReviewerDecision };

export interface AuthorizationState {
  referralId: string;
  /**
   * The workflow's pass over the case: 0 at first, one more after each information request ends
   * (answered or lapsed, SPEC 10). Each pass opens its own review.
   */
  round?: number;
  /** Set on the pass after an information request ran out unanswered. */
  informationNotReceived?: boolean;
  /** What an evaluation will read besides the referral, from the execution's input (ids only). */
  reads?: EvaluationReads;
  evaluation?: Evaluation;
  decision?: ReviewerDecision;
  failure?: { Error?: string; Cause?: string };
}

/** Where the workflow goes after Evaluate (its `Route?` choice). */
export type EvaluationNext = 'RECORD' | 'REVIEW' | 'REQUEST_INFORMATION';

export interface Evaluation {
  referralId: string;
  next: EvaluationNext;
  needsReview: boolean;
  reviewTimeoutSeconds: number;
  alreadyFinal: boolean;
  determination: CaseDetermination;
  /**
   * The referral's version when it was evaluated: RecordDetermination records an automatic
   * determination in place against it, without reading the referral again.
   */
  referralVersion?: number;
  /** What the report counts (SPEC 12), so the in-place record needs no read. */
  receivedAt: string;
  urgency: 'standard' | 'expedited';
  /** An information request extended the decision time. */
  extended: boolean;
}

/** What evaluating this case reads besides the referral (ids only): `WorkflowStarter` passes it along. */
export function evaluationReads(r: ReferralCase): EvaluationReads {
  const certifierNpi = r.clinical?.planOfCare?.certifiedByNpi;
  const needCertifier =
    certifierNpi && certifierNpi !== r.orderingProviderNpi && certifierNpi !== r.renderingProviderNpi;
  return {
    memberId: r.memberId,
    year: yearOf(r.startDate),
    npis: [r.renderingProviderNpi, r.orderingProviderNpi, ...(needCertifier ? [certifierNpi] : [])],
  };
}

const sameReads = (a: EvaluationReads, b: EvaluationReads) =>
  a.memberId === b.memberId && a.year === b.year && a.npis.join(',') === b.npis.join(',');

function contextOf(referral: ReferralRecord, data: EvaluationData) {
  const r = referral.request;
  // A certifier who is also the ordering or rendering provider is not read a second time.
  const certifierNpi = evaluationReads(r).npis[2];
  return {
    member: data.member,
    renderingProvider: data.providers.get(r.renderingProviderNpi),
    orderingProvider: data.providers.get(r.orderingProviderNpi),
    certifyingProvider: certifierNpi ? data.providers.get(certifierNpi) : undefined,
    visitsRecordedThisYear: data.visitsUsed,
  };
}

async function loadContext(repo: Repository, referral: ReferralRecord) {
  // Independent reads, in one round trip.
  const reads = evaluationReads(referral.request);
  return contextOf(referral, await repo.getMemberAndProviders(reads.memberId, reads.year, reads.npis));
}

/**
 * The referral and what evaluating it reads. Told beforehand (`reads`, from the execution's input),
 * all of it comes in one round trip, used only if the case still names the same member, year and
 * providers; otherwise, or untold (a re-drive), the referral first and then the rest.
 */
async function loadForEvaluation(repo: Repository, referralId: string, reads: EvaluationReads | undefined) {
  if (reads) {
    const { referral, data } = await repo.getReferralWith(referralId, reads);
    if (!referral) throw new NotFoundError(`Referral ${referralId}`);
    if (sameReads(evaluationReads(referral.request), reads))
      return { referral, ctx: contextOf(referral, data) };
    return { referral, ctx: await loadContext(repo, referral) };
  }
  const referral = await loadReferral(repo, referralId);
  return { referral, ctx: await loadContext(repo, referral) };
}

/**
 * Evaluate: eligibility, provider, codes and clinical criteria (SPEC 5), as one pure call over loaded
 * data. On a later pass (SPEC 10) the same policy runs on the case as the answer left it; after an
 * unanswered request the review it opens carries INFORMATION_NOT_RECEIVED.
 */
export async function evaluateReferral(
  repo: Repository,
  clock: Clock,
  state: Pick<AuthorizationState, 'referralId' | 'round' | 'informationNotReceived' | 'reads'>,
): Promise<Evaluation> {
  const { referralId } = state;
  const round = state.round ?? 0;
  const { referral, ctx } = await loadForEvaluation(repo, referralId, state.reads);
  const determination = determineCase({
    referral: referral.request,
    member: ctx.member,
    renderingProvider: ctx.renderingProvider,
    orderingProvider: ctx.orderingProvider,
    certifyingProvider: ctx.certifyingProvider,
    visitsRecordedThisYear: ctx.visitsRecordedThisYear,
    receivedAt: referral.receivedAt,
    ...(state.informationNotReceived ? { informationNotReceived: true } : {}),
  });
  const alreadyFinal = FINAL_STATUSES.includes(referral.status);
  const next = nextStep(alreadyFinal, determination, round);
  logger.info('referral evaluated', { referralId, status: determination.status, alreadyFinal, round, next });
  return {
    referralId,
    next,
    needsReview: next === 'REVIEW',
    reviewTimeoutSeconds: secondsUntil(referral.decisionDueAt, clock),
    alreadyFinal,
    determination,
    referralVersion: referral.version,
    receivedAt: referral.receivedAt,
    urgency: referral.request.urgency,
    extended: (referral.informationRequests?.length ?? 0) > 0,
  };
}

/**
 * A case the rules can decide is recorded; one they cannot goes to a reviewer. A case without its
 * clinical section is asked for it once, on the first pass: if the answer still lacks it, or none
 * comes, a reviewer decides (the software never denies for want of an answer).
 */
function nextStep(alreadyFinal: boolean, det: CaseDetermination, round: number): EvaluationNext {
  if (alreadyFinal || det.status !== 'PENDING_REVIEW') return 'RECORD';
  if (det.informationNeeded && round === 0) return 'REQUEST_INFORMATION';
  return 'REVIEW';
}

/**
 * Record the determination (automatic, or a reviewer's) and its history entry in one transaction.
 * Idempotent: a referral already final is left as it is. An automatic determination is written
 * against the version Evaluate saw, without reading the referral again; when it changed since (a
 * re-drive, a recorded failure, already final) the referral is read and the rule applied to it.
 */
export async function recordDetermination(repo: Repository, clock: Clock, state: AuthorizationState) {
  const evaluation = state.evaluation;
  const decision = state.decision;
  if (!decision && evaluation && !evaluation.alreadyFinal && evaluation.referralVersion !== undefined) {
    try {
      return await write(
        repo,
        clock,
        state.referralId,
        evaluation.referralVersion,
        applyDetermination(evaluation.determination, nowIso(clock)),
        evaluation,
      );
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
  const referral = await loadReferral(repo, state.referralId);
  if (FINAL_STATUSES.includes(referral.status)) return { status: referral.status, alreadyRecorded: true };
  if (!evaluation) throw new NotFoundError(`Evaluation for referral ${state.referralId}`);
  const det = evaluation.determination;
  let patch: DeterminationPatch;
  if (!decision) patch = applyDetermination(det, nowIso(clock));
  else {
    let authorization: Authorization | undefined;
    if (decision.outcome === 'APPROVE') {
      const ctx = await loadContext(repo, referral);
      const basis = det.proposedAuthorization?.basis ?? 'A';
      authorization = ctx.member
        ? authorizationFor(
            referral.request,
            ctx.member,
            ctx.visitsRecordedThisYear,
            basis,
            decision.approvedVisits,
          )
        : undefined;
    }
    patch = applyReviewerDecision(det, decision, authorization);
  }
  const report = referral.reportYear === undefined ? evaluation : undefined;
  return write(repo, clock, referral.referralId, referral.version, patch, report, decision);
}

async function write(
  repo: Repository,
  clock: Clock,
  referralId: string,
  expectedVersion: number,
  patch: DeterminationPatch,
  /** What the report counts; absent when this referral was counted already. */
  report: Pick<Evaluation, 'urgency' | 'receivedAt' | 'extended'> | undefined,
  decision?: ReviewerDecision,
) {
  const tx = repo.transaction();
  if (decision) {
    const review = await repo.getReview(decision.reviewId);
    if (review) tx.putReview({ ...review, recorded: true }, 'any');
  }
  // SPEC 12: a referral's first determination counts in its year's report, in the same transaction.
  const status = patch.referral.status;
  const referral: DeterminationPatch['referral'] & { reportYear?: number } = { ...patch.referral };
  if (report && (status === 'APPROVED' || status === 'PARTIALLY_APPROVED' || status === 'DENIED')) {
    const at = patch.referral.decidedAt ?? nowIso(clock);
    referral.reportYear = yearOf(at);
    tx.countDecision(
      referral.reportYear,
      report.urgency,
      decisionIncrement({ status, receivedAt: report.receivedAt, decidedAt: at, extended: report.extended }),
    );
  }
  await repo.commit(
    tx
      .recordDetermination(referralId, expectedVersion, referral)
      .addHistory(referralId, { at: nowIso(clock), ...patch.history }),
  );
  logger.info('determination recorded', { referralId, status, by: decision ? 'reviewer' : 'system' });
  return { status, alreadyRecorded: false };
}

/** A domain error stopped the workflow: note it on the referral (without PHI) so it is visible and not re-driven forever. */
export async function recordFailure(repo: Repository, clock: Clock, referralId: string, error: string) {
  const referral = await repo.getReferral(referralId);
  if (!referral || FINAL_STATUSES.includes(referral.status)) return;
  const at = nowIso(clock);
  const expected = referral.version;
  referral.failure = { error, at };
  await repo.commit(
    repo.transaction().putReferral(referral, expected).addHistory(referralId, {
      at,
      actor: 'system',
      event: 'DETERMINATION_FAILED',
      status: referral.status,
    }),
  );
  logger.error('determination failed', { referralId, error });
}

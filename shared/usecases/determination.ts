import { ConditionFailedError, type Repository } from '../data/repository.js';
import { yearOf } from '../dates.js';
import { NotFoundError } from '../errors.js';
import { type Clock, FINAL_STATUSES, type ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import { type Authorization, authorizationFor, type Determination, determine } from '../policy/determine.js';
import {
  applyDetermination,
  applyReviewerDecision,
  type DeterminationPatch,
  type ReviewerDecision,
} from '../policy/outcomes.js';
import { loadReferral, nowIso, secondsUntil } from './common.js';

/** The AuthorizationWorkflow's state as the tasks see it. */
export type { ReviewerDecision };

export interface AuthorizationState {
  referralId: string;
  evaluation?: Evaluation;
  decision?: ReviewerDecision;
  failure?: { Error?: string; Cause?: string };
}

export interface Evaluation {
  referralId: string;
  needsReview: boolean;
  reviewTimeoutSeconds: number;
  alreadyFinal: boolean;
  determination: Determination;
  /**
   * The referral's version when it was evaluated: RecordDetermination records an automatic
   * determination in place against it, without reading the referral again.
   */
  referralVersion?: number;
}

async function loadContext(repo: Repository, referral: ReferralRecord) {
  const r = referral.request;
  const certifierNpi = r.clinical.planOfCare?.certifiedByNpi;
  const needCertifier =
    certifierNpi && certifierNpi !== r.orderingProviderNpi && certifierNpi !== r.renderingProviderNpi;
  // Independent reads, in one round trip.
  const npis = [r.renderingProviderNpi, r.orderingProviderNpi, ...(needCertifier ? [certifierNpi] : [])];
  const { member, visitsUsed, providers } = await repo.getMemberAndProviders(
    r.memberId,
    yearOf(r.startDate),
    npis,
  );
  return {
    member,
    renderingProvider: providers.get(r.renderingProviderNpi),
    orderingProvider: providers.get(r.orderingProviderNpi),
    certifyingProvider: needCertifier ? providers.get(certifierNpi) : undefined,
    visitsRecordedThisYear: visitsUsed,
  };
}

/** Evaluate: eligibility, provider, codes and clinical criteria (SPEC 5), as one pure call over loaded data. */
export async function evaluateReferral(
  repo: Repository,
  clock: Clock,
  referralId: string,
): Promise<Evaluation> {
  const referral = await loadReferral(repo, referralId);
  const ctx = await loadContext(repo, referral);
  const determination = determine({
    referral: referral.request,
    member: ctx.member,
    renderingProvider: ctx.renderingProvider,
    orderingProvider: ctx.orderingProvider,
    certifyingProvider: ctx.certifyingProvider,
    visitsRecordedThisYear: ctx.visitsRecordedThisYear,
    receivedAt: referral.receivedAt,
  });
  const alreadyFinal = FINAL_STATUSES.includes(referral.status);
  logger.info('referral evaluated', { referralId, status: determination.status, alreadyFinal });
  return {
    referralId,
    needsReview: !alreadyFinal && determination.status === 'PENDING_REVIEW',
    reviewTimeoutSeconds: secondsUntil(referral.decisionDueAt, clock),
    alreadyFinal,
    determination,
    referralVersion: referral.version,
  };
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
  return write(repo, clock, referral.referralId, referral.version, patch, decision);
}

async function write(
  repo: Repository,
  clock: Clock,
  referralId: string,
  expectedVersion: number,
  patch: DeterminationPatch,
  decision?: ReviewerDecision,
) {
  const tx = repo.transaction();
  if (decision) {
    const review = await repo.getReview(decision.reviewId);
    if (review) tx.putReview({ ...review, recorded: true }, 'any');
  }
  await repo.commit(
    tx
      .recordDetermination(referralId, expectedVersion, patch.referral)
      .addHistory(referralId, { at: nowIso(clock), ...patch.history }),
  );
  const status = patch.referral.status;
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

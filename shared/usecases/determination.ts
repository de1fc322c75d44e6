import { ConditionFailedError, type Repository, type Transaction } from '../data/repository.js';
import { yearOf } from '../dates.js';
import { NotFoundError } from '../errors.js';
import { type Clock, FINAL_STATUSES, type LineResult, type ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import { type Authorization, authorizationFor } from '../policy/determine.js';
import { type CaseDetermination, determineCase } from '../policy/information.js';
import type { ReasonCode } from '../reasons.js';
import { decisionIncrement } from '../report.js';
import type { RequestedItem, ReviewOutcome } from '../schemas.js';
import { loadReferral, nowIso, secondsUntil } from './common.js';

/** The AuthorizationWorkflow's state as the tasks see it. */
export interface AuthorizationState {
  referralId: string;
  /**
   * The workflow's pass over the case: 0 at first, one more after each information request ends
   * (answered or lapsed, SPEC 10). Each pass opens its own review.
   */
  round?: number;
  /** Set on the pass after an information request ran out unanswered. */
  informationNotReceived?: boolean;
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

/** What the decision handler sends back through the task token. */
export interface ReviewerDecision {
  reviewId: string;
  outcome: ReviewOutcome;
  reasonCodes: ReasonCode[];
  note?: string;
  approvedVisits?: number;
  requested?: RequestedItem[];
  reviewer: { id: string; credential: string };
  decidedAt: string;
}

async function loadContext(repo: Repository, referral: ReferralRecord) {
  const r = referral.request;
  const certifierNpi = r.clinical?.planOfCare?.certifiedByNpi;
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

/**
 * Evaluate: eligibility, provider, codes and clinical criteria (SPEC 5), as one pure call over loaded
 * data. On a later pass (SPEC 10) the same policy runs on the case as the answer left it; after an
 * unanswered request the review it opens carries INFORMATION_NOT_RECEIVED.
 */
export async function evaluateReferral(
  repo: Repository,
  clock: Clock,
  state: Pick<AuthorizationState, 'referralId' | 'round' | 'informationNotReceived'>,
): Promise<Evaluation> {
  const { referralId } = state;
  const round = state.round ?? 0;
  const referral = await loadReferral(repo, referralId);
  const ctx = await loadContext(repo, referral);
  const determination = determineCase({
    referral: referral.request,
    member: ctx.member,
    renderingProvider: ctx.renderingProvider,
    orderingProvider: ctx.orderingProvider,
    certifyingProvider: ctx.certifyingProvider,
    visitsRecordedThisYear: ctx.visitsRecordedThisYear,
    receivedAt: referral.receivedAt,
  });
  if (state.informationNotReceived && determination.status === 'PENDING_REVIEW') {
    determination.reasons = unique<ReasonCode>([...determination.reasons, 'INFORMATION_NOT_RECEIVED']);
  }
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

function toAuthorizationRecord(a: Authorization, lines: LineResult[], reasons: ReasonCode[]) {
  return {
    status: 'ACTIVE' as const,
    reasons,
    basis: a.basis,
    visitsRequested: a.visitsRequested,
    visitsAuthorized: a.visitsAuthorized,
    visitsUsed: 0,
    validFrom: a.validFrom,
    validTo: a.validTo,
    approvedCpts: lines.filter((l) => l.status === 'APPROVED').map((l) => l.cpt),
  };
}

/**
 * SPEC 12: the first determination of a referral counts in its year's report aggregate, in the
 * same transaction that records it.
 */
function countInReport(tx: Transaction, referral: ReferralRecord) {
  if (referral.reportYear !== undefined || !referral.decidedAt) return;
  if (
    referral.status !== 'APPROVED' &&
    referral.status !== 'PARTIALLY_APPROVED' &&
    referral.status !== 'DENIED'
  )
    return;
  const year = yearOf(referral.decidedAt);
  referral.reportYear = year;
  tx.countDecision(
    year,
    referral.request.urgency,
    decisionIncrement({
      status: referral.status,
      receivedAt: referral.receivedAt,
      decidedAt: referral.decidedAt,
      extended: (referral.informationRequests?.length ?? 0) > 0,
    }),
  );
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/**
 * Record the determination (automatic, or a reviewer's) and its history entry in one transaction.
 * Idempotent: a referral already final is left as it is.
 */
export async function recordDetermination(repo: Repository, clock: Clock, state: AuthorizationState) {
  const fast = state.evaluation;
  if (!state.decision && fast && !fast.alreadyFinal && fast.referralVersion !== undefined) {
    const recorded = await recordAutomaticInPlace(repo, clock, state.referralId, fast, fast.referralVersion);
    if (recorded) return recorded;
  }
  const referral = await loadReferral(repo, state.referralId);
  if (FINAL_STATUSES.includes(referral.status)) return { status: referral.status, alreadyRecorded: true };
  const evaluation = state.evaluation;
  if (!evaluation) throw new NotFoundError(`Evaluation for referral ${state.referralId}`);
  const det = evaluation.determination;
  const at = nowIso(clock);
  const expected = referral.version;
  const decision = state.decision;

  if (!decision) {
    referral.status = det.status === 'PENDING_REVIEW' ? 'PENDING_REVIEW' : det.status;
    referral.reasons = det.reasons;
    referral.criteria = det.criteria;
    referral.lines = det.lines;
    referral.recommendation = det.recommendation;
    referral.decidedBy = 'system';
    referral.decidedAt = at;
    if (det.authorization) referral.authorization = toAuthorizationRecord(det.authorization, det.lines, []);
  } else if (decision.outcome === 'APPROVE') {
    const ctx = await loadContext(repo, referral);
    const basis = det.proposedAuthorization?.basis ?? 'A';
    const lines: LineResult[] = det.lines.map((l) =>
      l.status === 'PENDING_REVIEW' ? { ...l, status: 'APPROVED', reasons: ['REVIEWER_APPROVED'] } : l,
    );
    const auth = ctx.member
      ? authorizationFor(
          referral.request,
          ctx.member,
          ctx.visitsRecordedThisYear,
          basis,
          decision.approvedVisits,
        )
      : undefined;
    const partial = lines.some((l) => l.status === 'DENIED') || Boolean(auth?.yearlyLimitApplied);
    referral.status = partial ? 'PARTIALLY_APPROVED' : 'APPROVED';
    referral.reasons = unique<ReasonCode>([
      ...decision.reasonCodes,
      'REVIEWER_APPROVED',
      ...lines.flatMap((l) => (l.status === 'DENIED' ? l.reasons : [])),
      ...(auth?.yearlyLimitApplied ? (['BENEFIT_LIMIT_APPLIED'] as ReasonCode[]) : []),
    ]);
    referral.lines = lines;
    referral.criteria = det.criteria;
    referral.recommendation = null;
    if (auth) referral.authorization = toAuthorizationRecord(auth, lines, []);
  } else {
    const reasons = unique<ReasonCode>([...decision.reasonCodes, 'REVIEWER_DENIED']);
    referral.status = 'DENIED';
    referral.reasons = reasons;
    referral.criteria = det.criteria;
    referral.lines = det.lines.map((l) => (l.status === 'DENIED' ? l : { ...l, status: 'DENIED', reasons }));
    referral.recommendation = null;
  }
  if (decision) {
    referral.decidedBy = decision.reviewer;
    referral.decidedAt = decision.decidedAt;
  }
  delete referral.proposedAuthorization;
  const tx = repo.transaction();
  countInReport(tx, referral);
  if (decision) {
    const review = await repo.getReview(decision.reviewId);
    if (review) tx.putReview({ ...review, recorded: true }, 'any');
  }
  await repo.commit(
    tx.putReferral(referral, expected).addHistory(referral.referralId, {
      at,
      actor: decision
        ? { id: decision.reviewer.id, role: 'reviewer', credential: decision.reviewer.credential }
        : 'system',
      event: decision ? `REVIEWER_${decision.outcome}` : 'DETERMINED',
      status: referral.status,
      reasons: referral.reasons,
    }),
  );
  logger.info('determination recorded', {
    referralId: referral.referralId,
    status: referral.status,
    by: decision ? 'reviewer' : 'system',
  });
  return { status: referral.status, alreadyRecorded: false };
}

/**
 * The automatic determination written in place: the same fields, history entry and version bump as
 * the read-modify-write below, conditional on the version Evaluate saw, so it needs no read. When the
 * referral changed since (a re-drive, a recorded failure, already final), it answers undefined and
 * the caller takes the general path, which reads the referral and decides.
 */
async function recordAutomaticInPlace(
  repo: Repository,
  clock: Clock,
  referralId: string,
  evaluation: Evaluation,
  expectedVersion: number,
): Promise<{ status: ReferralRecord['status']; alreadyRecorded: false } | undefined> {
  const det = evaluation.determination;
  const at = nowIso(clock);
  const status: ReferralRecord['status'] = det.status === 'PENDING_REVIEW' ? 'PENDING_REVIEW' : det.status;
  const set: [string[], unknown][] = [
    [['status'], status],
    [['reasons'], det.reasons],
    [['criteria'], det.criteria],
    [['lines'], det.lines],
    [['recommendation'], det.recommendation],
    [['decidedBy'], 'system'],
    [['decidedAt'], at],
  ];
  if (det.authorization) {
    set.push([['authorization'], toAuthorizationRecord(det.authorization, det.lines, [])]);
  }
  const tx = repo.transaction();
  if (status !== 'PENDING_REVIEW') {
    const year = yearOf(at);
    set.push([['reportYear'], year]);
    tx.countDecision(
      year,
      evaluation.urgency,
      decisionIncrement({
        status,
        receivedAt: evaluation.receivedAt,
        decidedAt: at,
        extended: evaluation.extended,
      }),
    );
  }
  try {
    await repo.commit(
      tx
        .updateReferral(referralId, expectedVersion, { set, remove: [['proposedAuthorization']] })
        .addHistory(referralId, { at, actor: 'system', event: 'DETERMINED', status, reasons: det.reasons }),
    );
  } catch (err) {
    if (err instanceof ConditionFailedError) return undefined;
    throw err;
  }
  logger.info('determination recorded', { referralId, status, by: 'system' });
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

/**
 * SPEC 11: appeals. Filing records the appeal on the referral and starts its AppealWorkflow
 * execution; the execution opens an APPEAL review (the same review loop as every other review:
 * clock, escalation, audit), and RecordAppeal applies the outcome.
 */
import { ConditionFailedError, type Repository } from '../data/repository.js';
import { addDays, addHours, toIsoDate, yearOf } from '../dates.js';
import { ConflictError, NotFoundError, TransientError } from '../errors.js';
import type { Actor, AppealRecord, Caller, Clock, ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import { authorizationFor, visitsLeftThisYear } from '../policy/determine.js';
import { mergeInformation } from '../policy/information.js';
import {
  type AppealFacts,
  applyAppealDecision,
  medicarePlanOfCareEnds,
  type ReviewerDecision,
} from '../policy/outcomes.js';
import { AppealSchema, parseOrThrow } from '../schemas.js';
import { actorOf, loadReferral, nowIso, secondsUntil } from './common.js';
import type { AppealState } from './reviews.js';
import { reviewIdFor } from './reviews.js';

/** SPEC 11: an appeal is decided within 72 h (expedited) or 30 days (standard). */
export const APPEAL_DUE = { expeditedHours: 72, standardDays: 30 } as const;

export function appealDueAt(receivedAt: string, urgency: 'standard' | 'expedited'): string {
  return urgency === 'expedited'
    ? addHours(receivedAt, APPEAL_DUE.expeditedHours)
    : `${addDays(receivedAt.slice(0, 10), APPEAL_DUE.standardDays)}${receivedAt.slice(10)}`;
}

export interface AppealStarter {
  /** Starts the appeal's execution, named by the appeal id. */
  startAppeal(input: { referralId: string; appealId: string; reviewTimeoutSeconds: number }): Promise<void>;
}

export interface FileAppealDeps {
  repo: Repository;
  appeals: AppealStarter;
  clock: Clock;
  newId: () => string;
}

/** What is appealed, and who decided it (the appeal's reviewer must be someone else). */
function appealable(
  referral: ReferralRecord,
  stopReviewer: Actor | undefined,
): { subject: AppealRecord['subject']; status: string; by: Actor } | undefined {
  if (referral.authorization?.status === 'STOPPED') {
    return { subject: 'AUTHORIZATION_STOP', status: 'STOPPED', by: stopReviewer ?? 'system' };
  }
  if (referral.status === 'DENIED' || referral.status === 'PARTIALLY_APPROVED') {
    return { subject: 'DETERMINATION', status: referral.status, by: referral.decidedBy ?? 'system' };
  }
  return undefined;
}

/**
 * `POST /referrals/{id}/appeals` (owning portal). 409 APPEAL_ALREADY_OPEN while one is open on the
 * same decision; 409 NOT_APPEALABLE when there is no adverse decision to appeal. A refused request,
 * or one whose workflow could not start, leaves the referral as it was.
 */
export async function fileAppeal(deps: FileAppealDeps, caller: Caller, referralId: string, body: unknown) {
  const request = parseOrThrow(AppealSchema, body);
  const referral = await deps.repo.getReferral(referralId);
  if (!referral || !caller.portalId || caller.portalId !== referral.portalId) {
    throw new NotFoundError(`Referral ${referralId}`);
  }
  const appeals = referral.appeals ?? [];
  if (appeals.some((a) => a.status === 'OPEN')) {
    throw new ConflictError('APPEAL_ALREADY_OPEN', `Referral ${referralId} already has an open appeal.`);
  }
  const reviews = await deps.repo.getReviews(referral.reviewIds);
  const stop = reviews.filter((r) => r.kind === 'CONTINUATION' && r.decision?.outcome === 'STOP').at(-1)
    ?.decision?.reviewer;
  const target = appealable(referral, stop);
  if (!target) {
    throw new ConflictError(
      'NOT_APPEALABLE',
      `Referral ${referralId} has no denial, partial approval or stopped authorization to appeal (status ${referral.status}).`,
    );
  }
  // The same decision appealed and upheld goes to external review, not to another internal appeal.
  if (
    appeals.some(
      (a) => a.subject === target.subject && a.status === 'UPHELD' && a.appealedStatus === target.status,
    )
  ) {
    throw new ConflictError(
      'APPEAL_ALREADY_DECIDED',
      'This decision has been appealed and upheld; the next step is an independent external review.',
    );
  }
  const merged = request.clinical
    ? mergeInformation(referral.request, { clinical: request.clinical })
    : undefined;
  const receivedAt = nowIso(deps.clock);
  const appealId = deps.newId();
  const appeal: AppealRecord = {
    appealId,
    subject: target.subject,
    urgency: request.urgency,
    receivedAt,
    submittedBy: caller.sub,
    note: request.note,
    appealedStatus: target.status,
    appealedDecisionBy: target.by,
    dueAt: appealDueAt(receivedAt, request.urgency),
    reviewId: reviewIdFor('APPEAL', appealId),
    status: 'OPEN',
  };
  const next: ReferralRecord = { ...referral, appeals: [...appeals, appeal] };
  if (merged) {
    appeal.previousRequest = referral.request;
    next.request = merged;
  }
  const expected = referral.version;
  try {
    await deps.repo.commit(
      deps.repo
        .transaction()
        .putReferral(next, expected)
        .addHistory(referralId, { at: receivedAt, actor: actorOf(caller, 'portal'), event: 'APPEAL_FILED' }),
    );
  } catch (err) {
    if (err instanceof ConditionFailedError)
      throw new ConflictError(
        'APPEAL_ALREADY_OPEN',
        `Referral ${referralId} changed meanwhile; an appeal may be open.`,
      );
    throw err;
  }
  try {
    await deps.appeals.startAppeal({
      referralId,
      appealId,
      reviewTimeoutSeconds: secondsUntil(appeal.dueAt, deps.clock),
    });
  } catch (err) {
    await deps.repo.commit(deps.repo.transaction().putReferral(referral, expected + 1));
    throw new TransientError('The appeal could not be started; nothing was recorded. Try again.', err);
  }
  logger.info('appeal filed', { referralId, appealId, subject: target.subject });
  return {
    appealId,
    referralId,
    subject: appeal.subject,
    status: appeal.status,
    urgency: appeal.urgency,
    dueAt: appeal.dueAt,
  };
}

/**
 * AppealWorkflow › RecordAppeal. OVERTURN: the referral becomes APPROVED (every line, with an
 * authorization) or the stopped authorization ACTIVE again, reason APPEAL_OVERTURNED. UPHOLD: the
 * decision stands, with APPEAL_UPHELD added. Idempotent: an appeal already decided is left alone.
 */
export async function recordAppeal(repo: Repository, clock: Clock, state: AppealState) {
  const decision = state.decision;
  if (!decision) throw new NotFoundError(`Decision for appeal ${state.appealId}`);
  const referral = await loadReferral(repo, state.referralId);
  const appeal = referral.appeals?.find((a) => a.appealId === state.appealId);
  if (!appeal) throw new NotFoundError(`Appeal ${state.appealId}`);
  if (appeal.status !== 'OPEN') return { status: appeal.status, alreadyRecorded: true };
  const at = nowIso(clock);
  const patch = applyAppealDecision(
    referral,
    appeal.appealId,
    decision,
    await appealFacts(repo, referral, toIsoDate(new Date(at)), decision),
  );
  const tx = repo.transaction();
  if (patch.countApprovedAfterAppeal && referral.reportYear !== undefined)
    tx.countApprovedAfterAppeal(referral.reportYear, referral.request.urgency);
  const review = await repo.getReview(decision.reviewId);
  if (review) tx.putReview({ ...review, recorded: true }, 'any');
  await repo.commit(
    tx
      .putReferral(patch.referral, referral.version)
      .addHistory(referral.referralId, { at, ...patch.history }),
  );
  const status = patch.referral.appeals?.find((a) => a.appealId === appeal.appealId)?.status ?? appeal.status;
  logger.info('appeal recorded', {
    referralId: referral.referralId,
    appealId: appeal.appealId,
    outcome: status,
  });
  return { status, alreadyRecorded: false };
}

/** The member's figures the appeal's outcome rests on, read now. */
async function appealFacts(
  repo: Repository,
  referral: ReferralRecord,
  today: string,
  decision: ReviewerDecision,
): Promise<AppealFacts> {
  const { member, visitsUsed: usedNow } = await repo.getMemberWithVisitsUsed(
    referral.request.memberId,
    yearOf(today),
  );
  if (!member) return { today, visitsLeft: 0, extensionBlock: 0 };
  const facts: AppealFacts = {
    today,
    visitsLeft: visitsLeftThisYear(member, usedNow),
    extensionBlock: member.massageTherapy.extensionBlock,
  };
  const planOfCareEnds = medicarePlanOfCareEnds(referral.request, member.lineOfBusiness);
  if (planOfCareEnds) facts.planOfCareEnds = planOfCareEnds;
  if (decision.outcome === 'OVERTURN' && !referral.authorization) {
    const startYear = yearOf(referral.request.startDate);
    const used =
      startYear === yearOf(today)
        ? usedNow
        : await repo.getMemberVisitsUsed(referral.request.memberId, startYear);
    const basis = member.lineOfBusiness === 'medicare' ? 'MEDICARE' : 'A';
    facts.authorization = authorizationFor(referral.request, member, used, basis, decision.approvedVisits);
  }
  return facts;
}

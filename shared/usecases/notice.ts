import { APPEAL_TEXT, describeReason } from '../catalogue.js';
import type { Repository } from '../data/repository.js';
import { NotFoundError } from '../errors.js';
import { type AppealRecord, type Caller, FINAL_STATUSES, type ReferralRecord } from '../model.js';
import { POLICY_VERSION } from '../reasons.js';
import { assertCanRead } from './common.js';

const HEADLINES = {
  RECEIVED: 'We have received the request and are reviewing it.',
  PENDING_REVIEW: 'A licensed clinical reviewer is reviewing this request. No decision has been made yet.',
  PENDING_INFORMATION:
    'We have asked the clinic for more information. No decision has been made yet; the decision time starts again when the answer arrives.',
  APPROVED: 'The request is approved.',
  PARTIALLY_APPROVED: 'The request is approved in part.',
  DENIED: 'The request is denied.',
} as const;

const PENDED_SENTENCE = ' A clinical reviewer will look at it.';

/** A notice speaks in the tense of its status: once decided, a pend reason no longer promises a review. */
function inTenseOf(status: ReferralRecord['status'], sentence: string): string {
  return FINAL_STATUSES.includes(status) ? sentence.replace(PENDED_SENTENCE, '') : sentence;
}

/** The note the reviewer wrote with the initial decision (SPEC 7: a denial carries it). */
async function reviewerNote(repo: Repository, reviewIds: string[]): Promise<string | null> {
  const reviews = await repo.getReviews(reviewIds);
  return reviews.find((r) => r.kind === 'INITIAL')?.decision?.note ?? null;
}

/** What an appeal's notice says: outcome, the reviewer's credential, and the next step. */
function appealOutcome(a: AppealRecord) {
  const what = a.subject === 'AUTHORIZATION_STOP' ? 'the decision to stop visits' : 'the decision';
  return {
    appealId: a.appealId,
    status: a.status,
    decidedAt: a.decidedAt ?? null,
    reviewerCredential: a.decidedBy?.credential ?? null,
    headline:
      a.status === 'OPEN'
        ? `Your appeal of ${what} is being reviewed by a licensed clinician who did not make it. We decide by ${a.dueAt}.`
        : a.status === 'OVERTURNED'
          ? `Your appeal is granted: a licensed clinical reviewer (${a.decidedBy?.credential}) who did not make ${what} reversed it.`
          : `Your appeal is denied: a licensed clinical reviewer (${a.decidedBy?.credential}) who did not make ${what} kept it.`,
    nextSteps:
      a.status === 'OPEN'
        ? 'No action is needed; you will be told the outcome.'
        : a.status === 'OVERTURNED'
          ? 'The authorized visits may be scheduled now; see the authorization on this notice.'
          : 'You may ask for an independent external review by an independent review organization (in Washington, RCW 48.43.535) within the time limit printed on this notice. Medicare members: follow the steps on your Medicare notice. The plan sends the case file to the reviewer free of charge.',
  };
}

/**
 * GET /referrals/{id}/notice: the determination notice in plain language: the decision, each
 * reason's sentence and the policy text it rests on, who decided, and how to appeal.
 */
export async function getNotice(repo: Repository, caller: Caller, referralId: string) {
  const referral = await repo.getReferral(referralId);
  if (!referral) throw new NotFoundError(`Referral ${referralId}`);
  assertCanRead(caller, referral);
  const auth = referral.authorization;
  const decidedBy = referral.decidedBy;
  const denied =
    referral.status === 'DENIED' || referral.status === 'PARTIALLY_APPROVED' || auth?.status === 'STOPPED';
  const lastAppeal = referral.appeals?.filter((a) => a.status !== 'OPEN').at(-1) ?? referral.appeals?.at(-1);
  return {
    referralId,
    status: referral.status,
    headline: HEADLINES[referral.status],
    decidedAt: referral.decidedAt ?? null,
    decidedBy:
      decidedBy === undefined
        ? null
        : decidedBy === 'system'
          ? "Decided automatically under the plan's published criteria."
          : `Decided by a licensed clinical reviewer (${decidedBy.credential}).`,
    reviewerCredential: decidedBy && decidedBy !== 'system' ? decidedBy.credential : null,
    authorization: auth
      ? {
          status: auth.status,
          visitsAuthorized: auth.visitsAuthorized,
          visitsUsed: auth.visitsUsed,
          validFrom: auth.validFrom,
          validTo: auth.validTo,
          codes: auth.approvedCpts,
        }
      : null,
    reasons: referral.reasons.map((code) => {
      const entry = describeReason(code);
      return {
        code,
        title: entry.title,
        sentence: inTenseOf(referral.status, entry.sentence),
        policy: entry.policy,
      };
    }),
    reviewerNote: decidedBy && decidedBy !== 'system' ? await reviewerNote(repo, referral.reviewIds) : null,
    lines: referral.lines.map((l) => ({ cpt: l.cpt, status: l.status, reasons: l.reasons })),
    policyVersion: referral.policyVersion ?? POLICY_VERSION,
    appeal: denied && !lastAppeal ? APPEAL_TEXT : null,
    // SPEC 11: the outcome of the latest appeal, who decided it, and what comes next.
    appealOutcome: lastAppeal ? appealOutcome(lastAppeal) : null,
    informationRequested:
      referral.status === 'PENDING_INFORMATION'
        ? (referral.informationRequests?.at(-1)?.requested.map((r) => ({ code: r.code, text: r.text })) ?? [])
        : null,
  };
}

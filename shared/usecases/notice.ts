import { APPEAL_TEXT, describeReason } from '../catalogue.js';
import type { Repository } from '../data/repository.js';
import { NotFoundError } from '../errors.js';
import type { Caller } from '../model.js';
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
  const denied = referral.status === 'DENIED' || referral.status === 'PARTIALLY_APPROVED';
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
      return { code, title: entry.title, sentence: entry.sentence, policy: entry.policy };
    }),
    lines: referral.lines.map((l) => ({ cpt: l.cpt, status: l.status, reasons: l.reasons })),
    policyVersion: referral.policyVersion ?? POLICY_VERSION,
    appeal: denied ? APPEAL_TEXT : null,
  };
}

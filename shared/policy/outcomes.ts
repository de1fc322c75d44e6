/**
 * How an outcome is applied to the stored records (SPEC 5.5, 6.3, 7). Pure: each function takes what
 * was decided and the records it lands on and returns a patch — the referral's or authorization's new
 * fields, the visit's re-review and the history entry. Use cases load the records, call one of these
 * and hand the patch to the repository (`Transaction.updateReferral`), which writes it; nothing
 * downstream decides. Every reason code a reviewer's decision adds is emitted here.
 */
import { addDays, minDate } from '../dates.js';
import { ForbiddenError } from '../errors.js';
import type {
  Actor,
  AuthorizationRecord,
  AuthorizationStatus,
  Caller,
  HistoryActor,
  LineResult,
  RecordedDecision,
  ReferralRecord,
  ReReviewRecord,
} from '../model.js';
import { AUTHORIZATION_STATUS_AFTER, EXTENSION_DAYS, type ReReviewOutcome } from '../progress.js';
import type { ReasonCode } from '../reasons.js';
import type { LineOfBusiness, ReferralCase } from '../schemas.js';
import { type Authorization, type Determination, POLICY_LIMITS } from './determine.js';

/** What a reviewer sent back through the task token: the review's stored `decision` and the review's id. */
export type ReviewerDecision = RecordedDecision & { reviewId: string };

/** The authorization status a reviewer's continuation decision leaves behind (SPEC 7). */
export const AUTHORIZATION_STATUS_AFTER_REVIEWER = {
  CONTINUE: 'ACTIVE',
  STOP: 'STOPPED',
} as const satisfies Record<'CONTINUE' | 'STOP', AuthorizationStatus>;

/** SPEC 7: the reviewer's credential is recorded with every decision; a reviewer without one cannot decide. */
export function reviewerOf(caller: Caller): { id: string; credential: string } {
  if (!caller.credential) throw new ForbiddenError('Reviewers need a credential claim to decide reviews.');
  return { id: caller.sub, credential: caller.credential };
}

/** Medicare: the certified plan of care ends `planOfCareDays` after certification; nothing runs past it. */
export function medicarePlanOfCareEnds(
  request: ReferralCase,
  lineOfBusiness: LineOfBusiness,
): string | undefined {
  const poc = request.clinical?.planOfCare;
  return lineOfBusiness === 'medicare' && poc
    ? addDays(poc.certifiedOn, POLICY_LIMITS.planOfCareDays)
    : undefined;
}

/**
 * The one rule for moving an authorization's end when visits are added (an automatic EXTEND and a
 * reviewer's CONTINUE alike): validTo + 30 days, not past the Medicare plan of care's end, never earlier
 * than it was.
 */
export function extendedValidTo(validTo: string, planOfCareEnds?: string): string {
  const extended = addDays(validTo, EXTENSION_DAYS);
  const capped = planOfCareEnds ? minDate(extended, planOfCareEnds) : extended;
  return capped > validTo ? capped : validTo;
}

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

const historyActor = (decision: ReviewerDecision | undefined): HistoryActor =>
  decision
    ? { id: decision.reviewer.id, role: 'reviewer', credential: decision.reviewer.credential }
    : 'system';

export interface HistoryPatch {
  actor: HistoryActor;
  event: string;
  status: string;
  reasons: ReasonCode[];
}

/** A referral's determination as written: every field replaced, the proposed authorization dropped. */
export interface DeterminationPatch {
  referral: Pick<
    ReferralRecord,
    'status' | 'reasons' | 'criteria' | 'lines' | 'recommendation' | 'decidedAt'
  > & { decidedBy: Actor; authorization?: AuthorizationRecord };
  history: HistoryPatch;
}

/** A new authorization as the system records it: ACTIVE, nothing used, the approved lines' codes. */
export function authorizationRecord(a: Authorization, lines: LineResult[]): AuthorizationRecord {
  return {
    status: 'ACTIVE',
    reasons: [],
    basis: a.basis,
    visitsRequested: a.visitsRequested,
    visitsAuthorized: a.visitsAuthorized,
    visitsUsed: 0,
    validFrom: a.validFrom,
    validTo: a.validTo,
    approvedCpts: lines.filter((l) => l.status === 'APPROVED').map((l) => l.cpt),
  };
}

/** The automatic determination (SPEC 5.5) as a patch; a PENDING_REVIEW one leaves no authorization. */
export function applyDetermination(det: Determination, at: string): DeterminationPatch {
  return {
    referral: {
      status: det.status,
      reasons: det.reasons,
      criteria: det.criteria,
      lines: det.lines,
      recommendation: det.recommendation,
      decidedBy: 'system',
      decidedAt: at,
      ...(det.authorization ? { authorization: authorizationRecord(det.authorization, det.lines) } : {}),
    },
    history: { actor: 'system', event: 'DETERMINED', status: det.status, reasons: det.reasons },
  };
}

/**
 * A reviewer's APPROVE or DENY of a pended referral (SPEC 7). APPROVE approves the pended lines
 * (REVIEWER_APPROVED) and grants `authorization` — computed by the caller with `authorizationFor`
 * from the member's current figures — partially when a line stays denied or the yearly limit capped
 * the visits (BENEFIT_LIMIT_APPLIED). DENY denies every line (REVIEWER_DENIED).
 */
export function applyReviewerDecision(
  det: Determination,
  decision: ReviewerDecision,
  authorization: Authorization | undefined,
): DeterminationPatch {
  const decided = { decidedBy: decision.reviewer, decidedAt: decision.decidedAt, criteria: det.criteria };
  const history = (status: string, reasons: ReasonCode[]): HistoryPatch => ({
    actor: historyActor(decision),
    event: `REVIEWER_${decision.outcome}`,
    status,
    reasons,
  });
  if (decision.outcome === 'APPROVE') {
    const lines: LineResult[] = det.lines.map((l) =>
      l.status === 'PENDING_REVIEW' ? { ...l, status: 'APPROVED', reasons: ['REVIEWER_APPROVED'] } : l,
    );
    const limited = Boolean(authorization?.yearlyLimitApplied);
    const status = lines.some((l) => l.status === 'DENIED') || limited ? 'PARTIALLY_APPROVED' : 'APPROVED';
    const reasons = unique<ReasonCode>([
      ...decision.reasonCodes,
      'REVIEWER_APPROVED',
      ...lines.flatMap((l) => (l.status === 'DENIED' ? l.reasons : [])),
      ...(limited ? (['BENEFIT_LIMIT_APPLIED'] as const) : []),
    ]);
    return {
      referral: {
        ...decided,
        status,
        reasons,
        lines,
        recommendation: null,
        ...(authorization ? { authorization: authorizationRecord(authorization, lines) } : {}),
      },
      history: history(status, reasons),
    };
  }
  const reasons = unique<ReasonCode>([...decision.reasonCodes, 'REVIEWER_DENIED']);
  return {
    referral: {
      ...decided,
      status: 'DENIED',
      reasons,
      lines: det.lines.map((l) => (l.status === 'DENIED' ? l : { ...l, status: 'DENIED', reasons })),
      recommendation: null,
    },
    history: history('DENIED', reasons),
  };
}

/** A re-review applied to the authorization: a delta, so it can be written in place. */
export interface ReReviewPatch {
  authorization: {
    status: AuthorizationStatus;
    reasons: ReasonCode[];
    /** Added to visitsAuthorized. */
    addVisits: number;
    validTo?: string;
  };
  reReview: Omit<ReReviewRecord, 'at'>;
  history: HistoryPatch;
}

/** What a reviewer's CONTINUE may grant: the visits still left this year, and where the plan of care ends. */
export interface ContinuationLimits {
  visitsLeftThisYear: number;
  planOfCareEnds?: string;
}

/**
 * The re-review after a visit (SPEC 6.3) applied to its authorization, or — when it went to a
 * reviewer — the reviewer's STOP (REVIEWER_STOPPED) or CONTINUE (REVIEWER_CONTINUED, up to
 * `approvedVisits` more visits within what is left this year, validTo moved by `extendedValidTo`).
 */
export function applyReReview(
  authorization: Pick<AuthorizationRecord, 'validTo'>,
  outcome: ReReviewOutcome,
  decision?: ReviewerDecision,
  limits?: ContinuationLimits,
): ReReviewPatch {
  const progress = outcome.progress ? { progress: outcome.progress } : {};
  if (outcome.action !== 'REVIEW') {
    const status = AUTHORIZATION_STATUS_AFTER[outcome.action];
    const extend = outcome.action === 'EXTEND' ? outcome.extension : undefined;
    return {
      authorization: {
        status,
        reasons: outcome.reasons,
        addVisits: extend?.visits ?? 0,
        ...(extend ? { validTo: extend.validTo } : {}),
      },
      reReview: {
        action: outcome.action,
        reasons: outcome.reasons,
        explanation: outcome.explanation,
        ...progress,
      },
      history: { actor: 'system', event: `RE_REVIEW_${outcome.action}`, status, reasons: outcome.reasons },
    };
  }
  if (!decision || (decision.outcome !== 'CONTINUE' && decision.outcome !== 'STOP')) {
    throw new RangeError('A re-review that went to a reviewer is applied with their CONTINUE or STOP');
  }
  const status = AUTHORIZATION_STATUS_AFTER_REVIEWER[decision.outcome];
  let addVisits = 0;
  let validTo: string | undefined;
  let reasons: ReasonCode[];
  if (decision.outcome === 'STOP') {
    reasons = unique<ReasonCode>([...decision.reasonCodes, 'REVIEWER_STOPPED']);
  } else {
    addVisits = Math.min(decision.approvedVisits ?? 0, limits?.visitsLeftThisYear ?? 0);
    if (addVisits > 0) validTo = extendedValidTo(authorization.validTo, limits?.planOfCareEnds);
    reasons = unique<ReasonCode>([...decision.reasonCodes, 'REVIEWER_CONTINUED']);
  }
  return {
    authorization: { status, reasons, addVisits, ...(validTo ? { validTo } : {}) },
    reReview: {
      action: decision.outcome,
      reasons,
      explanation: outcome.explanation,
      decidedBy: decision.reviewer,
      ...progress,
    },
    history: { actor: historyActor(decision), event: `REVIEWER_${decision.outcome}`, status, reasons },
  };
}

/** What an appeal's outcome needs to know beyond the records: the member's figures, read by the caller. */
export interface AppealFacts {
  /** The day the outcome is recorded (YYYY-MM-DD). */
  today: string;
  /** Visits the member has left this year and the plan's extension block (a stopped authorization). */
  visitsLeft: number;
  extensionBlock: number;
  /** Medicare: the certified plan of care's last day; nothing runs past it. */
  planOfCareEnds?: string;
  /** A denial overturned: the authorization the policy grants now (`authorizationFor`), if the member is known. */
  authorization?: Authorization;
}

export interface AppealPatch {
  referral: ReferralRecord;
  history: Omit<HistoryPatch, 'status'> & { status?: string };
  /** SPEC 12: an overturned denial counts as approved after appeal in the report. */
  countApprovedAfterAppeal: boolean;
}

/**
 * An appeal decided by a reviewer who did not make the appealed decision (SPEC 11). OVERTURN of a
 * determination approves every line (APPEAL_OVERTURNED) with an authorization; OVERTURN of a stop
 * reinstates the authorization (ACTIVE) with the visits the reviewer grants, else what was left, else
 * one extension block, within the year's limit, and moves an ended validTo as an extension does.
 * UPHOLD leaves the decision standing with APPEAL_UPHELD added. Returns a new referral; the input is
 * not changed.
 */
export function applyAppealDecision(
  referral: ReferralRecord,
  appealId: string,
  decision: ReviewerDecision,
  facts: AppealFacts,
): AppealPatch {
  const appeal = referral.appeals?.find((a) => a.appealId === appealId);
  if (!appeal) throw new Error(`Appeal ${appealId} is not on referral ${referral.referralId}`);
  const overturned = decision.outcome === 'OVERTURN';
  const code: ReasonCode = overturned ? 'APPEAL_OVERTURNED' : 'APPEAL_UPHELD';
  const reasons = unique<ReasonCode>([...decision.reasonCodes, code]);
  const next: ReferralRecord = {
    ...referral,
    appeals: (referral.appeals ?? []).map((a) =>
      a.appealId === appealId
        ? {
            ...a,
            status: overturned ? 'OVERTURNED' : 'UPHELD',
            decidedAt: decision.decidedAt,
            decidedBy: decision.reviewer,
          }
        : a,
    ),
  };
  let countApprovedAfterAppeal = false;

  if (appeal.subject === 'AUTHORIZATION_STOP') {
    const auth = referral.authorization;
    if (!auth) throw new Error(`Referral ${referral.referralId} has no authorization to reinstate`);
    const patched: AuthorizationRecord = { ...auth, reasons };
    if (overturned) {
      const remaining = Math.max(0, auth.visitsAuthorized - auth.visitsUsed);
      const more = decision.approvedVisits ?? (remaining > 0 ? 0 : facts.extensionBlock);
      patched.visitsAuthorized = auth.visitsAuthorized + Math.min(more, facts.visitsLeft);
      patched.status = 'ACTIVE';
      if (auth.validTo < facts.today) patched.validTo = extendedValidTo(facts.today, facts.planOfCareEnds);
    }
    next.authorization = patched;
  } else if (overturned) {
    const lines = referral.lines.map((l) => ({
      ...l,
      status: 'APPROVED' as const,
      reasons: ['APPEAL_OVERTURNED' as const],
    }));
    if (referral.authorization) {
      next.authorization = {
        ...referral.authorization,
        approvedCpts: lines.map((l) => l.cpt),
        visitsAuthorized: referral.authorization.visitsAuthorized + (decision.approvedVisits ?? 0),
      };
    } else if (facts.authorization) {
      next.authorization = authorizationRecord(facts.authorization, lines);
    }
    Object.assign(next, {
      status: 'APPROVED',
      lines,
      reasons,
      decidedBy: decision.reviewer,
      decidedAt: decision.decidedAt,
    });
    countApprovedAfterAppeal = referral.reportYear !== undefined;
  } else {
    next.reasons = unique<ReasonCode>([...referral.reasons, ...reasons]);
  }
  return {
    referral: next,
    history: {
      actor: historyActor(decision),
      event: code,
      status: appeal.subject === 'AUTHORIZATION_STOP' ? next.authorization?.status : next.status,
      reasons,
    },
    countApprovedAfterAppeal,
  };
}

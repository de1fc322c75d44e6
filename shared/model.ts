/** What the system stores and shows: referral, authorization, review and visit records. */
import type { Billing } from './billing.js';
import type { ProgressFigures, ReReviewAction } from './progress.js';
import type { ReasonCode } from './reasons.js';
import type { ReferralCase, RequestedItem, ReviewDecision, ReviewKind, Visit } from './schemas.js';

export const REFERRAL_STATUSES = [
  'RECEIVED',
  'PENDING_REVIEW',
  // SPEC 10: the desk has asked the clinic for what is missing; the decision clock is stopped.
  'PENDING_INFORMATION',
  'APPROVED',
  'PARTIALLY_APPROVED',
  'DENIED',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const FINAL_STATUSES: readonly ReferralStatus[] = ['APPROVED', 'PARTIALLY_APPROVED', 'DENIED'];

export const AUTHORIZATION_STATUSES = [
  'ACTIVE',
  'PENDING_REVIEW',
  'COMPLETED',
  'STOPPED',
  'EXHAUSTED',
] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

export type Actor = 'system' | { id: string; credential: string };

export interface CriterionFinding {
  id: string;
  met: boolean | null;
  evidence: string;
}

export interface LineResult {
  cpt: string;
  unitsPerVisit: number;
  status: 'APPROVED' | 'DENIED' | 'PENDING_REVIEW';
  reasons: ReasonCode[];
  separatelyPayable: boolean;
}

export interface AuthorizationRecord {
  status: AuthorizationStatus;
  reasons: ReasonCode[];
  basis: 'A' | 'B' | 'MEDICARE';
  visitsRequested: number;
  visitsAuthorized: number;
  visitsUsed: number;
  validFrom: string;
  validTo: string;
  approvedCpts: string[];
}

/** Who caused a state change: the system, or a signed-in person with their role. */
export type HistoryActor = 'system' | { id: string; role: string; credential?: string };

export interface HistoryEntry {
  at: string;
  actor: HistoryActor;
  event: string;
  status?: string;
  reasons?: ReasonCode[];
}

export interface ReferralRecord {
  referralId: string;
  portalId: string;
  submittedBy: string;
  receivedAt: string;
  status: ReferralStatus;
  /** The case as it now stands (an answer to an information request is merged into it). */
  request: ReferralCase;
  reasons: ReasonCode[];
  criteria: CriterionFinding[];
  lines: LineResult[];
  recommendation: 'APPROVE' | 'DENY' | null;
  decisionDueAt: string;
  policyVersion: string;
  decidedBy?: Actor;
  decidedAt?: string;
  authorization?: AuthorizationRecord;
  /** What an approval would grant while the referral waits for a reviewer. */
  proposedAuthorization?: Omit<AuthorizationRecord, 'status' | 'reasons' | 'visitsUsed'>;
  reviewIds: string[];
  failure?: { error: string; at: string };
  /** SPEC 10: every information request, oldest first. */
  informationRequests?: InformationRequestRecord[];
  /** The waiting workflow's callback token while PENDING_INFORMATION. Server-side only. */
  informationTaskToken?: string;
  /** SPEC 11: every appeal, oldest first. */
  appeals?: AppealRecord[];
  /** The year the first determination counts in (SPEC 12's report); set when it is recorded. */
  reportYear?: number;
  /**
   * The `Idempotency-Key` it was submitted with and the body's hash: the referral's id is derived from
   * the portal and the key, so a second submission with the key finds this referral (SPEC 4).
   */
  idempotency?: { key: string; bodyHash: string };
  /** Optimistic-locking counter: every write checks and bumps it. */
  version: number;
}

export interface InformationRequestRecord {
  /** Which pass of the AuthorizationWorkflow asked (0 for the first). */
  round: number;
  requestedAt: string;
  requestedBy: Actor;
  requested: RequestedItem[];
  /** The review whose reviewer asked, when a person asked. */
  reviewId?: string;
  /** When the 14 days run out. */
  dueAt: string;
  /** The decision due time when the clock stopped. */
  pausedDecisionDueAt: string;
  answeredAt?: string;
  answeredBy?: string;
  note?: string;
  /** The case before the answer was merged, and what the answer changed. */
  previousRequest?: ReferralCase;
  changes?: { field: string; before: unknown; after: unknown }[];
  /** Set when the 14 days ran out without an answer. */
  lapsedAt?: string;
}

export interface AppealRecord {
  appealId: string;
  /** What is appealed: the referral's determination or its authorization's stop. */
  subject: 'DETERMINATION' | 'AUTHORIZATION_STOP';
  urgency: 'standard' | 'expedited';
  receivedAt: string;
  submittedBy: string;
  note: string;
  /** The status appealed (DENIED, PARTIALLY_APPROVED or STOPPED). */
  appealedStatus: string;
  /** Who made the decision appealed; the appeal's reviewer must be someone else. */
  appealedDecisionBy: Actor;
  dueAt: string;
  reviewId: string;
  status: 'OPEN' | 'OVERTURNED' | 'UPHELD';
  decidedAt?: string;
  decidedBy?: { id: string; credential: string };
  previousRequest?: ReferralCase;
}

export interface ReReviewRecord {
  /** What the re-review decided; REVIEW until a reviewer's CONTINUE or STOP replaces it. */
  action: ReReviewAction | 'STOP';
  reasons: ReasonCode[];
  explanation: string;
  /** The primary measure's figures the re-review used (baseline, latest, improvement, MCID). */
  progress?: ProgressFigures;
  at: string;
  reviewId?: string;
  decidedBy?: Actor;
}

export interface VisitRecord {
  referralId: string;
  visitId: string;
  visitNumber: number;
  memberId: string;
  bodyHash: string;
  receivedAt: string;
  visit: Visit;
  billing: Billing;
  reReview?: ReReviewRecord;
  /** Set by the first re-review that claims this visit: the exactly-once guard. */
  reReviewClaim?: string;
}

export interface ReviewRecord {
  reviewId: string;
  referralId: string;
  kind: ReviewKind;
  visitId?: string;
  /** INITIAL reviews: the workflow pass that opened it (0 for the first; SPEC 10 re-evaluations count up). */
  round?: number;
  /** APPEAL reviews: the appeal, and whose decision may not decide it. */
  appealId?: string;
  conflictReviewerId?: string;
  /** e.g. INFORMATION_NOT_RECEIVED: the review came back after an unanswered information request. */
  flags?: ReasonCode[];
  status: 'OPEN' | 'DECIDED';
  recommendation: string | null;
  reasons: ReasonCode[];
  createdAt: string;
  dueAt: string;
  escalated: boolean;
  escalatedAt?: string;
  /** The decision has been applied by the workflow (until then the review stays in the queue index for recovery). */
  recorded?: boolean;
  /** The workflow's callback token. Held server-side only: never in a response, log or page. */
  taskToken: string;
  decision?: RecordedDecision;
}

/**
 * A reviewer's decision as it is kept: the request's fields (SPEC 7, `ReviewDecisionSchema`) with the
 * reason codes settled, who decided and when. The workflow receives the same shape with the review's id
 * (`ReviewerDecision`, shared/policy/outcomes.ts).
 */
export type RecordedDecision = Omit<ReviewDecision, 'reasonCodes'> & {
  reasonCodes: ReasonCode[];
  reviewer: { id: string; credential: string };
  decidedAt: string;
};

export type PublicReview = Omit<ReviewRecord, 'taskToken'>;

export function withoutToken(review: ReviewRecord): PublicReview {
  const { taskToken: _hidden, ...rest } = review;
  return rest;
}

export interface Caller {
  sub: string;
  roles: string[];
  portalId?: string;
  credential?: string;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * What an evaluation reads besides the referral: the member, their visit ledger for the year the
 * referral starts in, and the providers it names (ids only). Derived from the case (`evaluationReads`).
 */
export interface EvaluationReads {
  memberId: string;
  year: number;
  npis: string[];
}

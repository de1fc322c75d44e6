/**
 * The shapes of the API answers the console reads (SPEC 4, GET /reviews and /reviews/{id}), from
 * the domain's own types. Only what the console shows; the API may send more.
 */
import type { CatalogueEntry } from '../../catalogue.js';
import type {
  AuthorizationRecord,
  AuthorizationStatus,
  CriterionFinding,
  LineResult,
  ReferralStatus,
} from '../../model.js';
import type { ProgressFigures } from '../../progress.js';
import type { ReasonCode } from '../../reasons.js';
import type { Referral, RequestedItem, ReviewKind, ReviewOutcome } from '../../schemas.js';

export type Outcome = ReviewOutcome;

export interface QueueItem {
  reviewId: string;
  referralId: string;
  kind: ReviewKind;
  recommendation: string | null;
  reasons: ReasonCode[];
  dueAt: string;
  overdue: boolean;
  escalated: boolean;
}

export interface Person {
  id: string;
  credential?: string;
  role?: string;
}
export type ActorView = 'system' | Person | null | undefined;

export interface BillingLineView {
  cpt: string;
  units: number;
  minutes?: number;
  modifiers?: string[];
  separatelyPayable?: boolean;
  edits?: string[];
}

export interface VisitView {
  visitId: string;
  visitNumber: number;
  date: string;
  billing: { lines?: BillingLineView[] } | null;
  outcomeMeasures: { instrument: string; score: number }[];
  reReview: {
    action: string;
    reasons: ReasonCode[];
    explanation?: string;
    /** The primary measure's figures this re-review judged on. */
    progress?: ProgressFigures;
  } | null;
}

export interface ReferralView {
  referralId: string;
  status: ReferralStatus;
  reasons: ReasonCode[];
  criteria: CriterionFinding[];
  lines: LineResult[];
  authorization:
    | (Omit<AuthorizationRecord, 'status'> & { status: AuthorizationStatus; visitsRemaining: number })
    | null;
  visits: VisitView[];
  informationRequests?: InformationRequestView[];
  appeals?: AppealView[];
  history: { at: string; actor: ActorView; event: string; status?: string; reasons?: ReasonCode[] }[];
}

/** SPEC 10: one information request with its answer and what the answer changed. */
export interface InformationRequestView {
  round: number;
  requestedAt: string;
  requestedBy: ActorView;
  requested: RequestedItem[];
  dueAt: string;
  status: 'OPEN' | 'ANSWERED' | 'NOT_RECEIVED';
  answeredAt: string | null;
  note: string | null;
  changes: { field: string; before: unknown; after: unknown }[];
  lapsedAt: string | null;
  previousRequest?: unknown;
}

/** SPEC 11: the appeal an APPEAL review hears. */
export interface AppealView {
  appealId: string;
  subject: 'DETERMINATION' | 'AUTHORIZATION_STOP';
  urgency: string;
  receivedAt: string;
  appealedStatus: string;
  note: string;
  dueAt: string;
  status: 'OPEN' | 'OVERTURNED' | 'UPHELD';
  appealedDecisionBy?: ActorView;
}

export interface ReviewDecisionView {
  outcome: Outcome;
  reasonCodes?: ReasonCode[];
  note?: string;
  reviewer?: Person;
  decidedAt?: string;
}

export interface ReviewDetail extends QueueItem {
  status: 'OPEN' | 'DECIDED';
  visitId?: string;
  allowedOutcomes: Outcome[];
  /** What an APPROVE grants unless the reviewer sets approvedVisits. */
  proposedAuthorization: Omit<AuthorizationRecord, 'status' | 'reasons' | 'visitsUsed'> | null;
  /** For a continuation review: the figures the re-review judged progress on. */
  progress: ProgressFigures | null;
  reasonTexts: Partial<Record<ReasonCode, CatalogueEntry>>;
  /** e.g. INFORMATION_NOT_RECEIVED: the review came back after an unanswered information request. */
  flags?: ReasonCode[];
  information?: InformationRequestView[];
  appeal?: AppealView | null;
  decision?: ReviewDecisionView;
  evidence: {
    request: Partial<Omit<Referral, 'clinical'>> & { clinical?: Partial<Referral['clinical']> };
    referral: ReferralView;
  };
}

export interface DecisionAnswer {
  reviewId: string;
  referralId: string;
  kind: ReviewKind;
  outcome: Outcome;
  decidedBy?: Person;
  decidedAt?: string;
}

/** SPEC 12: GET /reports/prior-authorization (admin). */
export interface UrgencyMeasuresView {
  requestsDecided: number;
  percentApproved: number | null;
  percentDenied: number | null;
  percentApprovedAfterAppeal: number | null;
  percentApprovedAfterExtendedDecisionTime: number | null;
  averageHoursToDecision: number | null;
  medianHoursToDecision: number | null;
}
export interface ReportView {
  year: number;
  itemsAndServices: { code: string; description: string }[];
  standard: UrgencyMeasuresView;
  expedited: UrgencyMeasuresView;
  decisionTimes: Record<'standard' | 'expedited', { upToHours: number | null; count: number }[]>;
  notes: string[];
}

/**
 * SPEC 10: asking for what is missing. Pure functions: what an answer does to the case, what a
 * case without a clinical section gets, and when the decision clock runs again.
 */
import { addDays, addHours } from '../dates.js';
import { ValidationError } from '../errors.js';
import type { HistoryActor, InformationRequestRecord, ReferralRecord } from '../model.js';
import type { ReasonCode } from '../reasons.js';
import {
  type Clinical,
  type ClinicalPatch,
  ClinicalSchema,
  type InformationAnswer,
  issuesToDetails,
  type ReferralCase,
  type RequestedItem,
} from '../schemas.js';
import {
  type CriterionId,
  type Determination,
  type DeterminationInput,
  determine,
  POLICY_LIMITS,
} from './determine.js';

/** SPEC 10: how long the desk waits for the clinic's answer before the review returns to the queue. */
export const INFORMATION_WAIT_DAYS = 14;

/** The questionnaire a case without a clinical section is asked to answer (SPEC 8). */
export const QUESTIONNAIRE_URL = 'Questionnaire/massage-therapy';

/** What the desk asks for when a request arrives without any clinical information. */
export const MISSING_CLINICAL_REQUEST: RequestedItem[] = [
  {
    code: 'CLINICAL_NOTES',
    text: `Please answer the massage-therapy medical-necessity questionnaire (${QUESTIONNAIRE_URL}): purpose, objective findings, functional limitations, therapeutic benefit, expected improvement, contraindications, outcome measures and, for Medicare members, the plan of care.`,
  },
];

/**
 * An answer merged over the case: `diagnoses` and `orderingProviderNpi` replace theirs; in
 * `clinical` each field sent replaces the field it names (lists whole: a clinic sends the list as
 * it now stands), and the small objects `terminalIllness` and `planOfCare` merge field by field.
 * Fields not sent keep their value. A case that had no clinical section takes the answer's, which
 * must then be complete enough to stand alone (its `purpose`), else 422.
 */
export function mergeInformation(current: ReferralCase, answer: InformationAnswer): ReferralCase {
  const merged: ReferralCase = { ...current };
  if (answer.diagnoses) merged.diagnoses = answer.diagnoses.map((d) => ({ ...d }));
  if (answer.orderingProviderNpi) merged.orderingProviderNpi = answer.orderingProviderNpi;
  if (answer.clinical) merged.clinical = mergeClinical(current.clinical, answer.clinical);
  return merged;
}

function mergeClinical(base: Clinical | undefined, patch: ClinicalPatch): Clinical {
  const draft: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === 'terminalIllness' || key === 'planOfCare') {
      draft[key] = { ...((draft[key] as object | undefined) ?? {}), ...(value as object) };
    } else {
      draft[key] = value;
    }
  }
  // The merged section must be a whole SPEC 4.1 `clinical` (defaults filled in for a first one).
  const parsed = ClinicalSchema.safeParse(draft);
  if (!parsed.success) {
    throw new ValidationError(
      issuesToDetails(parsed.error).map((d) => ({
        field: `clinical.${d.field === '(body)' ? '' : d.field}`.replace(/\.$/, ''),
        message: base ? d.message : `${d.message} (the referral has no clinical section yet)`,
      })),
    );
  }
  return parsed.data;
}

/** Fields whose value the answer changed, as `path: [before, after]`: the reviewer's diff of the two versions. */
export function informationDiff(
  before: ReferralCase,
  after: ReferralCase,
): { field: string; before: unknown; after: unknown }[] {
  const out: { field: string; before: unknown; after: unknown }[] = [];
  const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
  if (!same(before.diagnoses, after.diagnoses))
    out.push({ field: 'diagnoses', before: before.diagnoses, after: after.diagnoses });
  if (before.orderingProviderNpi !== after.orderingProviderNpi)
    out.push({
      field: 'orderingProviderNpi',
      before: before.orderingProviderNpi,
      after: after.orderingProviderNpi,
    });
  const keys = new Set([...Object.keys(before.clinical ?? {}), ...Object.keys(after.clinical ?? {})]);
  for (const key of [...keys].sort()) {
    const b = (before.clinical as Record<string, unknown> | undefined)?.[key];
    const a = (after.clinical as Record<string, unknown> | undefined)?.[key];
    if (!same(b, a)) out.push({ field: `clinical.${key}`, before: b ?? null, after: a ?? null });
  }
  return out;
}

/** JSON with sorted keys: stored maps come back in any key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SPEC 10: once the answer arrives the decision time runs again in full (72 h standard, 24 h expedited). */
export function decisionDueAfterAnswer(answeredAt: string, urgency: ReferralCase['urgency']): string {
  return addHours(answeredAt, POLICY_LIMITS.decisionHours[urgency]);
}

export function informationDueAt(requestedAt: string): string {
  return addDays(requestedAt.slice(0, 10), INFORMATION_WAIT_DAYS) + requestedAt.slice(10);
}

/** What the administrative checks decide without clinical information. */
const ADMINISTRATIVE_CRITERIA: ReadonlySet<CriterionId> = new Set(['ELIGIBILITY', 'PROVIDER', 'CODES']);
const ADMINISTRATIVE_PENDS: ReadonlySet<ReasonCode> = new Set([
  'NON_CONTRACTED_PROVIDER',
  'CODE_NOT_IN_RANGE',
  'CODE_DELETED',
  'BENEFIT_LIMIT_APPLIED',
]);
/** Stands in for the missing section so the administrative checks can run; nothing clinical is read from it. */
const NO_CLINICAL: Clinical = ClinicalSchema.parse({ purpose: 'rehabilitation' });

export interface CaseDetermination extends Determination {
  /** Set when the case cannot be judged clinically until the clinic answers (SPEC 10). */
  informationNeeded: RequestedItem[] | null;
}

export type CaseDeterminationInput = Omit<DeterminationInput, 'referral'> & {
  referral: ReferralCase;
  /** The pass after a request the clinic left unanswered (SPEC 10). */
  informationNotReceived?: boolean;
};

/**
 * SPEC 5 for a case that may lack its clinical section. With one: `determine` as is. Without: the
 * administrative checks still decide (an ineligible member is still denied), and what would be
 * judged on clinical grounds is not evaluated but asked for.
 */
export function determineCase(input: CaseDeterminationInput): CaseDetermination {
  const det = judgeCase(input);
  // SPEC 10: a case back from an unanswered request goes to its reviewer flagged INFORMATION_NOT_RECEIVED.
  return input.informationNotReceived && det.status === 'PENDING_REVIEW'
    ? { ...det, reasons: [...new Set<ReasonCode>([...det.reasons, 'INFORMATION_NOT_RECEIVED'])] }
    : det;
}

function judgeCase(input: CaseDeterminationInput): CaseDetermination {
  const { clinical } = input.referral;
  if (clinical)
    return { ...determine({ ...input, referral: { ...input.referral, clinical } }), informationNeeded: null };
  const det = determine({ ...input, referral: { ...input.referral, clinical: NO_CLINICAL } });
  if (det.status === 'DENIED') return { ...det, informationNeeded: null };
  const reasons: ReasonCode[] = [
    ...det.reasons.filter((r) => ADMINISTRATIVE_PENDS.has(r)),
    'INFORMATION_REQUESTED',
  ];
  return {
    ...det,
    status: 'PENDING_REVIEW',
    reasons,
    criteria: det.criteria.map((c) =>
      ADMINISTRATIVE_CRITERIA.has(c.id) || (c.met === null && c.evidence.startsWith('not applicable'))
        ? c
        : { id: c.id, met: null, evidence: 'not evaluated: the clinical information has not been received' },
    ),
    lines: det.lines.map((l) =>
      l.status === 'DENIED' ? l : { ...l, status: 'PENDING_REVIEW', reasons: ['INFORMATION_REQUESTED'] },
    ),
    recommendation: null,
    authorization: null,
    informationNeeded: MISSING_CLINICAL_REQUEST,
  };
}

/** A patch to a referral and the history entry that records it (the use case writes both together). */
export interface InformationPatch {
  referral: ReferralRecord;
  history: { actor: HistoryActor; event: ReasonCode; status: string; reasons: ReasonCode[] };
}

/**
 * SPEC 10: the desk asks for information. The referral becomes PENDING_INFORMATION with reason
 * INFORMATION_REQUESTED, the decision clock stops (its due time kept to restart from), the clinic has
 * INFORMATION_WAIT_DAYS to answer, and the callback token waits on the referral. Asked by a reviewer
 * (their decision's `requested`), or by the system for a case without clinical information, when what
 * the administrative checks found is recorded as the first word on the case.
 */
export function applyInformationRequest(
  referral: ReferralRecord,
  ask: {
    round: number;
    at: string;
    requested: RequestedItem[];
    taskToken: string;
    reviewer?: { id: string; credential: string; reviewId: string };
    /** The system's own request: what the administrative checks found. */
    determination?: Pick<Determination, 'criteria' | 'lines'>;
  },
): InformationPatch {
  const request: InformationRequestRecord = {
    round: ask.round,
    requestedAt: ask.at,
    requestedBy: ask.reviewer ? { id: ask.reviewer.id, credential: ask.reviewer.credential } : 'system',
    requested: ask.requested,
    dueAt: informationDueAt(ask.at),
    pausedDecisionDueAt: referral.decisionDueAt,
    ...(ask.reviewer ? { reviewId: ask.reviewer.reviewId } : {}),
  };
  const next: ReferralRecord = {
    ...referral,
    status: 'PENDING_INFORMATION',
    reasons: ['INFORMATION_REQUESTED'],
    informationRequests: [...(referral.informationRequests ?? []), request],
    informationTaskToken: ask.taskToken,
    ...(!ask.reviewer && ask.determination
      ? { criteria: ask.determination.criteria, lines: ask.determination.lines, recommendation: null }
      : {}),
  };
  return {
    referral: next,
    history: {
      actor: ask.reviewer
        ? { id: ask.reviewer.id, role: 'reviewer', credential: ask.reviewer.credential }
        : 'system',
      event: 'INFORMATION_REQUESTED',
      status: 'PENDING_INFORMATION',
      reasons: ['INFORMATION_REQUESTED'],
    },
  };
}

/**
 * SPEC 10: the wait ran out. The request is marked lapsed, the reason is INFORMATION_NOT_RECEIVED, the
 * token is dropped and the decision clock runs again in full from now; nothing is decided (the next pass
 * opens a review flagged INFORMATION_NOT_RECEIVED). Undefined when the round was answered or lapsed.
 */
export function applyInformationLapse(
  referral: ReferralRecord,
  round: number,
  at: string,
): InformationPatch | undefined {
  const request = referral.informationRequests?.find((r) => r.round === round);
  if (!request || request.lapsedAt || request.answeredAt) return undefined;
  const { informationTaskToken: _gone, ...rest } = referral;
  return {
    referral: {
      ...rest,
      reasons: ['INFORMATION_NOT_RECEIVED'],
      decisionDueAt: decisionDueAfterAnswer(at, referral.request.urgency),
      informationRequests: (referral.informationRequests ?? []).map((r) =>
        r.round === round ? { ...r, lapsedAt: at } : r,
      ),
    },
    history: {
      actor: 'system',
      event: 'INFORMATION_NOT_RECEIVED',
      status: referral.status,
      reasons: ['INFORMATION_NOT_RECEIVED'],
    },
  };
}

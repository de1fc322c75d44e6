/**
 * SPEC 6.2–6.3: outcome measures and the re-review after each visit. Pure: the authorization,
 * its visits and the member's remaining benefit are passed in; the caller records the outcome.
 */
import { addDays, minDate } from './dates.js';
import type { ReasonCode } from './reasons.js';
import { INSTRUMENTS, type Instrument, type LineOfBusiness } from './schemas.js';

/** What an authorization was approved on: criterion A, criterion B (comfort care) or Medicare. */
export const APPROVAL_BASES = ['A', 'B', 'MEDICARE'] as const;
export type ApprovalBasis = (typeof APPROVAL_BASES)[number];

export const RE_REVIEW_ACTIONS = ['CONTINUE', 'COMPLETE', 'REVIEW', 'EXTEND', 'EXHAUST'] as const;
export type ReReviewAction = (typeof RE_REVIEW_ACTIONS)[number];

/** The authorization status each outcome leaves behind (SPEC 4.2 / 6.3); applied by policy/outcomes.ts. */
export const AUTHORIZATION_STATUS_AFTER = {
  CONTINUE: 'ACTIVE',
  EXTEND: 'ACTIVE',
  COMPLETE: 'COMPLETED',
  REVIEW: 'PENDING_REVIEW',
  EXHAUST: 'EXHAUSTED',
} as const satisfies Record<ReReviewAction, string>;

export const DEFAULT_PROGRESS_CHECK_AFTER_VISITS = 4;
/** Medicare wants a progress measure at least every 10 visits. */
export const MEDICARE_PROGRESS_EVERY_VISITS = 10;
export const EXTENSION_DAYS = 30;
/** Scores are decimals (NDI's MCID is 7.5): compare with a tolerance so 7.4999999 counts as 7.5. */
const EPSILON = 1e-9;

/** Change from baseline in the instrument's "better" direction: positive is improvement. */
export function improvement(instrument: Instrument, baseline: number, latest: number): number {
  return INSTRUMENTS[instrument].better === 'lower' ? baseline - latest : latest - baseline;
}

/** A goal is reached at or beyond it, by direction (lower better: score <= goal). */
export function reachedGoal(instrument: Instrument, score: number, goal: number): boolean {
  return INSTRUMENTS[instrument].better === 'lower' ? score <= goal + EPSILON : score >= goal - EPSILON;
}

/** Improvement of at least the MCID (exactly the MCID counts) is clinically meaningful. */
export function isMeaningful(instrument: Instrument, baseline: number, latest: number): boolean {
  return improvement(instrument, baseline, latest) >= INSTRUMENTS[instrument].mcid - EPSILON;
}

export interface BaselineMeasure {
  instrument: Instrument;
  score: number;
  goal?: number | undefined;
}
export interface MeasureReport {
  instrument: Instrument;
  score: number;
}
export interface VisitRecord {
  visitId: string;
  date: string;
  outcomeMeasures: readonly MeasureReport[];
}

export interface ReReviewInput {
  basis: ApprovalBasis;
  lineOfBusiness: LineOfBusiness;
  /** The referral's clinical.outcomeMeasures; the first is the primary measure. */
  baselineMeasures: readonly BaselineMeasure[];
  /** Every visit of the authorization so far, in order, the one just recorded last. */
  visits: readonly VisitRecord[];
  /** `visitsUsed` already counts the visit just recorded. */
  authorization: { visitsAuthorized: number; visitsUsed: number; validTo: string };
  /** The member's visits left this calendar year, after this visit. */
  visitsLeftThisYear: number;
  extensionBlock: number;
  progressCheckAfterVisits?: number;
  /** Medicare only: planOfCare.certifiedOn + 90 days; extensions never run past it. */
  medicarePlanOfCareEnds?: string;
}

/** The primary measure's figures the decision used. */
export interface ProgressFigures {
  instrument: Instrument;
  baseline: number;
  /** null until a visit reports the primary measure. */
  latest: number | null;
  /** Visit number (1-based) that reported `latest`. */
  latestAtVisit: number | null;
  improvement: number | null;
  mcid: number;
  meaningful: boolean | null;
}
export interface GoalFigures {
  instrument: Instrument;
  goal: number;
  latest: number | null;
  reached: boolean;
}

export const REVIEW_REASONS = [
  'NO_MEANINGFUL_PROGRESS',
  'MEDICARE_MAINTENANCE_REVIEW',
  'PROGRESS_NOT_DOCUMENTED',
  'PLAN_OF_CARE_REQUIRED',
] as const satisfies readonly ReasonCode[];
export type ReviewReason = (typeof REVIEW_REASONS)[number];

interface OutcomeBase {
  explanation: string;
  /** Visit number the decision was made at (= visits.length). */
  visitNumber: number;
  /** Absent when the referral named no outcome measure. */
  progress?: ProgressFigures;
}
export type ReReviewOutcome =
  | (OutcomeBase & { action: 'CONTINUE'; reasons: [] })
  | (OutcomeBase & { action: 'COMPLETE'; reasons: ['GOALS_ACHIEVED']; goals: GoalFigures[] })
  | (OutcomeBase & { action: 'REVIEW'; recommendation: 'STOP'; reasons: [ReviewReason] })
  | (OutcomeBase & { action: 'EXTEND'; reasons: []; extension: { visits: number; validTo: string } })
  | (OutcomeBase & { action: 'EXHAUST'; reasons: ['BENEFIT_EXHAUSTED'] });

/** Latest score and the visit number (1-based) it came from; a later report in one visit wins. */
function latestReport(
  visits: readonly VisitRecord[],
  instrument: Instrument,
): { score: number; atVisit: number } | null {
  for (let v = visits.length - 1; v >= 0; v--) {
    const reports = visits[v]?.outcomeMeasures.filter((m) => m.instrument === instrument) ?? [];
    const last = reports[reports.length - 1];
    if (last) return { score: last.score, atVisit: v + 1 };
  }
  return null;
}

function progressFigures(primary: BaselineMeasure, visits: readonly VisitRecord[]): ProgressFigures {
  const latest = latestReport(visits, primary.instrument);
  const { mcid } = INSTRUMENTS[primary.instrument];
  if (!latest) {
    return {
      instrument: primary.instrument,
      baseline: primary.score,
      latest: null,
      latestAtVisit: null,
      improvement: null,
      mcid,
      meaningful: null,
    };
  }
  return {
    instrument: primary.instrument,
    baseline: primary.score,
    latest: latest.score,
    latestAtVisit: latest.atVisit,
    improvement: improvement(primary.instrument, primary.score, latest.score),
    mcid,
    meaningful: isMeaningful(primary.instrument, primary.score, latest.score),
  };
}

/**
 * Goals are judged on scores reported at visits: an instrument never re-measured has not
 * shown its goal reached, even if the referral's baseline already met it.
 */
function goalFigures(measures: readonly BaselineMeasure[], visits: readonly VisitRecord[]): GoalFigures[] {
  return measures.flatMap((m) => {
    if (m.goal === undefined) return [];
    const latest = latestReport(visits, m.instrument);
    return [
      {
        instrument: m.instrument,
        goal: m.goal,
        latest: latest?.score ?? null,
        reached: latest !== null && reachedGoal(m.instrument, latest.score, m.goal),
      },
    ];
  });
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/**
 * Step 3 of SPEC 6.3, from visit `check` on. So that a reviewer's CONTINUE is not followed by
 * the same review at every later visit, each piece of evidence is judged once:
 * - plateau: judged on the latest primary score, at the visit that reports it — or, for a score
 *   reported before the check visit, at the check visit itself;
 * - never documented: at the check visit, then every `check` visits while still undocumented;
 * - Medicare: also when 10, 20, … visits in a row have gone without the primary measure
 *   (counted from visit 1 when it was never reported).
 */
function progressReview(
  input: ReReviewInput,
  check: number,
  medicare: boolean,
): { reason: ReviewReason; explanation: string } | null {
  const n = input.visits.length;
  if (n < check) return null;
  const primary = input.baselineMeasures[0];
  const latest = primary ? latestReport(input.visits, primary.instrument) : null;

  const sinceLastReport = n - (latest?.atVisit ?? 0);
  if (
    medicare &&
    primary &&
    sinceLastReport >= MEDICARE_PROGRESS_EVERY_VISITS &&
    sinceLastReport % MEDICARE_PROGRESS_EVERY_VISITS === 0
  ) {
    return {
      reason: 'PROGRESS_NOT_DOCUMENTED',
      explanation: `The primary outcome measure (${primary.instrument}) has not been reported in the last ${sinceLastReport} visits; Medicare needs a progress measure at least every ${MEDICARE_PROGRESS_EVERY_VISITS} visits.`,
    };
  }
  if (!primary || !latest) {
    if ((n - check) % check !== 0) return null;
    return {
      reason: 'PROGRESS_NOT_DOCUMENTED',
      explanation: primary
        ? `No visit has reported the primary outcome measure (${primary.instrument}) by visit ${n}, so progress cannot be judged.`
        : `The referral named no outcome measure, so progress cannot be judged at visit ${n}.`,
    };
  }

  const freshEvidence = latest.atVisit === n || (latest.atVisit < check && n === check);
  if (!freshEvidence || isMeaningful(primary.instrument, primary.score, latest.score)) return null;
  const gain = improvement(primary.instrument, primary.score, latest.score);
  const { mcid } = INSTRUMENTS[primary.instrument];
  const figures = `${primary.instrument} went from ${fmt(primary.score)} to ${fmt(latest.score)} (improvement ${fmt(gain)}; at least ${fmt(mcid)} is meaningful)`;
  return medicare
    ? {
        reason: 'MEDICARE_MAINTENANCE_REVIEW',
        explanation: `${figures}. A reviewer decides whether skilled maintenance therapy is still needed.`,
      }
    : {
        reason: 'NO_MEANINGFUL_PROGRESS',
        explanation: `${figures}. Recommended to stop: the patient is not showing meaningful progress.`,
      };
}

/**
 * The re-review after one visit (SPEC 6.3), in order:
 * 1. criterion-B (comfort care) authorizations skip the progress steps 2–3;
 * 2. every measure with a goal has reached it → COMPLETE (only if some measure has a goal);
 * 3. from visit `progressCheckAfterVisits` on: plateau or undocumented progress → REVIEW, STOP;
 * 4. no authorized visits left → EXTEND by min(extensionBlock, visits left this year) and
 *    validTo + 30 days (Medicare: not past the plan of care's end; an ended plan → REVIEW with
 *    PLAN_OF_CARE_REQUIRED), or EXHAUST when nothing is left this year;
 * otherwise CONTINUE.
 */
export function reReview(input: ReReviewInput): ReReviewOutcome {
  const n = input.visits.length;
  const lastVisit = input.visits[n - 1];
  if (!lastVisit) throw new RangeError('reReview needs the visit just recorded');
  const check = Math.max(
    1,
    Math.floor(input.progressCheckAfterVisits ?? DEFAULT_PROGRESS_CHECK_AFTER_VISITS),
  );
  const medicare = input.basis === 'MEDICARE' || input.lineOfBusiness === 'medicare';
  const primary = input.baselineMeasures[0];
  const base: OutcomeBase = {
    explanation: '',
    visitNumber: n,
    ...(primary ? { progress: progressFigures(primary, input.visits) } : {}),
  };

  if (input.basis !== 'B') {
    const goals = goalFigures(input.baselineMeasures, input.visits);
    if (goals.length > 0 && goals.every((g) => g.reached)) {
      return {
        ...base,
        action: 'COMPLETE',
        reasons: ['GOALS_ACHIEVED'],
        goals,
        explanation: `Every goal has been reached (${goals
          .map((g) => `${g.instrument} ${fmt(g.latest ?? 0)}, goal ${fmt(g.goal)}`)
          .join('; ')}). The authorization is complete.`,
      };
    }
    const review = progressReview(input, check, medicare);
    if (review) {
      return {
        ...base,
        action: 'REVIEW',
        recommendation: 'STOP',
        reasons: [review.reason],
        explanation: review.explanation,
      };
    }
  }

  const { visitsAuthorized, visitsUsed, validTo } = input.authorization;
  if (visitsUsed < visitsAuthorized) {
    return {
      ...base,
      action: 'CONTINUE',
      reasons: [],
      explanation: `${visitsAuthorized - visitsUsed} of ${visitsAuthorized} authorized visits remain.`,
    };
  }
  if (input.visitsLeftThisYear <= 0) {
    return {
      ...base,
      action: 'EXHAUST',
      reasons: ['BENEFIT_EXHAUSTED'],
      explanation: 'All authorized visits are used and no massage therapy visits are left this year.',
    };
  }
  const visits = Math.min(input.extensionBlock, input.visitsLeftThisYear);
  let newValidTo = addDays(validTo, EXTENSION_DAYS);
  if (medicare && input.medicarePlanOfCareEnds) {
    newValidTo = minDate(newValidTo, input.medicarePlanOfCareEnds);
    // No day left after this visit inside the certified plan of care: a new certification is needed.
    if (newValidTo <= lastVisit.date) {
      return {
        ...base,
        action: 'REVIEW',
        recommendation: 'STOP',
        reasons: ['PLAN_OF_CARE_REQUIRED'],
        explanation: `All authorized visits are used and the plan of care ended on ${input.medicarePlanOfCareEnds}; more visits need a recertified plan of care.`,
      };
    }
  }
  return {
    ...base,
    action: 'EXTEND',
    reasons: [],
    extension: { visits, validTo: newValidTo },
    explanation: `All authorized visits are used; ${visits} more visit${visits === 1 ? '' : 's'} authorized, valid to ${newValidTo}.`,
  };
}

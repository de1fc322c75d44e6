/**
 * SPEC 5: the initial determination of a referral. Pure: everything it needs is passed in, so
 * the workflow, the reviewer console and the tests all get the same answer for the same input.
 *
 * The software only ever denies on administrative grounds (eligibility, benefit, provider
 * qualification, codes, Medicare's PT rule). A clinical finding it cannot approve is pended for a
 * licensed reviewer with a recommendation (SPEC 1, 5.5; CMS Feb-2024 FAQ).
 */
import {
  CODE_TABLE,
  type CodeTable,
  checkLineCode,
  isSeparatelyPayable,
  type LineCodeResult,
} from '../codes.js';
import { addDays, addHours, daysBetween, minDate, yearOf } from '../dates.js';
import { POLICY_VERSION, type ReasonCode } from '../reasons.js';
import type { Credential, Member, Provider, Purpose, Referral, ReferralCase } from '../schemas.js';

// ---------- vocabulary ----------
export const DETERMINATION_STATUSES = ['APPROVED', 'PARTIALLY_APPROVED', 'DENIED', 'PENDING_REVIEW'] as const;
export type DeterminationStatus = (typeof DETERMINATION_STATUSES)[number];

export const LINE_STATUSES = ['APPROVED', 'DENIED', 'PENDING_REVIEW'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

/** SPEC 4.2 criterion ids, in the fixed order every determination lists them. */
export const CRITERION_IDS = [
  'ELIGIBILITY',
  'PROVIDER',
  'CODES',
  'MEDICARE',
  'EXCLUSIONS',
  'CONTRAINDICATIONS',
  'B',
  'A1',
  'A2',
  'A3',
  'A4',
] as const;
export type CriterionId = (typeof CRITERION_IDS)[number];

export const RECOMMENDATIONS = ['APPROVE', 'DENY'] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

export const AUTHORIZATION_BASES = ['A', 'B', 'MEDICARE'] as const;
export type AuthorizationBasis = (typeof AUTHORIZATION_BASES)[number];

/** The only reasons the software may deny on; everything clinical goes to a reviewer. */
export const ADMINISTRATIVE_DENIAL_REASONS = [
  'MEMBER_NOT_ELIGIBLE',
  'BENEFIT_NOT_COVERED',
  'BENEFIT_EXHAUSTED',
  'PROVIDER_NOT_QUALIFIED',
  'CODE_NOT_IN_RANGE',
  'CODE_DELETED',
  'MEDICARE_PT_REQUIRED',
] as const satisfies readonly ReasonCode[];
export type AdministrativeDenialReason = (typeof ADMINISTRATIVE_DENIAL_REASONS)[number];

/** SPEC 5.2: credentials that may bill massage. */
export const MASSAGE_BILLING_CREDENTIALS = [
  'LMT',
  'PT',
  'OT',
  'DC',
  'MD',
  'DO',
] as const satisfies readonly Credential[];
/** SPEC 5.4 (plan-of-care certifier) and 5.5 A3 (ordering provider). */
export const PHYSICIAN_CREDENTIALS = ['MD', 'DO'] as const satisfies readonly Credential[];
export const EXCLUDED_PURPOSES = [
  'prevention',
  'recreation',
  'stress-reduction',
] as const satisfies readonly Purpose[];
/** SPEC 5.5 A2: ICD-10-CM chapter M (musculoskeletal), S (injury) or category G89 (pain). */
export const A2_DIAGNOSIS_PREFIXES = ['M', 'S', 'G89'] as const;

export const POLICY_LIMITS = {
  licenseState: 'WA',
  /** Medicare: a plan of care certified at most this many days before the start date. */
  planOfCareDays: 90,
  authorizationDays: 60,
  maxImprovementWeeks: 12,
  decisionHours: { expedited: 24, standard: 72 },
} as const;

// ---------- shapes ----------
export interface Criterion {
  id: CriterionId;
  /** null: not evaluated, or not applicable to this member; the evidence says which. */
  met: boolean | null;
  evidence: string;
}

export interface DeterminationLine {
  cpt: string;
  unitsPerVisit: number;
  status: LineStatus;
  reasons: ReasonCode[];
  separatelyPayable: boolean;
}

export interface Authorization {
  visitsRequested: number;
  visitsAuthorized: number;
  validFrom: string;
  validTo: string;
  basis: AuthorizationBasis;
  /** The member's visits left this year is what capped the count (SPEC 5.5: BENEFIT_LIMIT_APPLIED). */
  yearlyLimitApplied: boolean;
}

export interface Determination {
  status: DeterminationStatus;
  reasons: ReasonCode[];
  criteria: Criterion[];
  lines: DeterminationLine[];
  /** What the reviewer is advised; set only when PENDING_REVIEW. */
  recommendation: Recommendation | null;
  /** Set when APPROVED or PARTIALLY_APPROVED. Null rather than absent so it stores as-is. */
  authorization: Authorization | null;
  /** Set when PENDING_REVIEW: what a reviewer's APPROVE grants. */
  proposedAuthorization: Authorization | null;
  decisionDueAt: string;
  policyVersion: string;
  visitsLeftThisYear: number;
}

export interface DeterminationInput {
  referral: Referral;
  /** undefined: no such member on file. */
  member: Member | undefined;
  renderingProvider: Provider | undefined;
  orderingProvider: Provider | undefined;
  /**
   * Directory entry for `clinical.planOfCare.certifiedByNpi`, when the caller looked it up. Optional:
   * a certifier whose NPI is the ordering (or rendering) provider's is recognised without it, and
   * any other certifier without it counts as unknown (so the plan of care pends).
   */
  certifyingProvider?: Provider | undefined;
  /** Visits recorded in this system for the member in the calendar year of `startDate`. */
  visitsRecordedThisYear: number;
  /** ISO timestamp the referral was received. */
  receivedAt: string;
}

export interface DetermineOptions {
  /** Injectable so tests can exercise a deleted code; defaults to the published range. */
  codeTable?: CodeTable;
}

// ---------- helpers shared with eligibility and reviewer decisions ----------
export function coverageActiveOn(member: Member, date: string): boolean {
  const { effectiveFrom, effectiveTo } = member.coverage;
  return effectiveFrom <= date && (effectiveTo === undefined || date <= effectiveTo);
}

/** SPEC 5.1: visits before this system plus visits recorded in it, for the same calendar year. */
export function visitsUsedThisYear(member: Member, visitsRecordedThisYear: number): number {
  return member.priorVisitsThisYear + visitsRecordedThisYear;
}

export function visitsLeftThisYear(member: Member, visitsRecordedThisYear: number): number {
  return Math.max(
    0,
    member.massageTherapy.annualVisitLimit - visitsUsedThisYear(member, visitsRecordedThisYear),
  );
}

export function decisionDueAt(receivedAt: string, urgency: Referral['urgency']): string {
  if (Number.isNaN(Date.parse(receivedAt))) throw new TypeError('receivedAt must be an ISO timestamp');
  return addHours(receivedAt, POLICY_LIMITS.decisionHours[urgency]);
}

/**
 * SPEC 5.5 "Approval", for the system's approval and a reviewer's alike. Without `approvedVisits`:
 * min(requested, initial allotment, visits left this year). A reviewer's `approvedVisits` replaces
 * the request and the allotment (the reviewer may grant more than the first block) but never
 * exceeds the visits left this year.
 *
 * Medicare: validTo is not past certifiedOn + 90 days. When that day falls before the start date
 * the plan of care was stale and the referral pended; a reviewer approving it has accepted the
 * certification, so the cap (which would leave no valid day) is not applied.
 */
export function authorizationFor(
  referral: ReferralCase,
  member: Member,
  visitsRecordedThisYear: number,
  basis: AuthorizationBasis,
  approvedVisits?: number,
): Authorization {
  const left = visitsLeftThisYear(member, visitsRecordedThisYear);
  const wanted =
    approvedVisits ?? Math.min(referral.requestedVisits, member.massageTherapy.initialVisitAllotment);
  const validFrom = referral.startDate;
  let validTo = addDays(validFrom, POLICY_LIMITS.authorizationDays);
  const poc = referral.clinical?.planOfCare;
  if (basis === 'MEDICARE' && poc) {
    const planEnds = addDays(poc.certifiedOn, POLICY_LIMITS.planOfCareDays);
    if (planEnds >= validFrom) validTo = minDate(validTo, planEnds);
  }
  return {
    visitsRequested: referral.requestedVisits,
    visitsAuthorized: Math.min(wanted, left),
    validFrom,
    validTo,
    basis,
    yearlyLimitApplied: left < wanted,
  };
}

// ---------- the determination ----------
type PendReason = Extract<
  ReasonCode,
  | 'NON_CONTRACTED_PROVIDER'
  | 'PLAN_OF_CARE_REQUIRED'
  | 'EXCLUDED_PURPOSE'
  | 'MAINTENANCE_NOT_COVERED'
  | 'CONTRAINDICATION'
  | 'A1_NOT_MET'
  | 'A2_NOT_MET'
  | 'A3_NOT_MET'
  | 'A4_NOT_MET'
>;

/** SPEC 5.5 criteria that Medicare members are not judged on (5.4 applies instead). */
const NON_MEDICARE_CRITERIA: ReadonlySet<CriterionId> = new Set(['EXCLUSIONS', 'B', 'A1', 'A2', 'A3', 'A4']);
const CODE_REASONS: ReadonlySet<ReasonCode> = new Set(['CODE_NOT_IN_RANGE', 'CODE_DELETED']);

function hasAny(credentials: readonly Credential[], wanted: readonly Credential[]): Credential[] {
  return credentials.filter((c) => wanted.includes(c));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function determine(input: DeterminationInput, options: DetermineOptions = {}): Determination {
  const table = options.codeTable ?? CODE_TABLE;
  const { referral, member } = input;
  const start = referral.startDate;
  const lob = member?.lineOfBusiness;
  const dueAt = decisionDueAt(input.receivedAt, referral.urgency);
  const left = member ? visitsLeftThisYear(member, input.visitsRecordedThisYear) : 0;

  const recorded = new Map<CriterionId, Criterion>();
  const record = (id: CriterionId, met: boolean | null, evidence: string) =>
    recorded.set(id, { id, met, evidence });
  let codeResults: LineCodeResult[] | undefined;

  // Criteria no step reached: "not applicable" when the member's line of business rules them out,
  // else "not evaluated" with the reason evaluation stopped.
  const criteriaList = (stoppedBecause: string | null): Criterion[] =>
    CRITERION_IDS.map((id) => {
      const found = recorded.get(id);
      if (found) return found;
      if (lob === 'medicare' && NON_MEDICARE_CRITERIA.has(id))
        return { id, met: null, evidence: 'not applicable to Medicare members' };
      if (lob !== undefined && lob !== 'medicare' && id === 'MEDICARE')
        return { id, met: null, evidence: `not applicable to ${lob} members` };
      return { id, met: null, evidence: `not evaluated: ${stoppedBecause ?? 'no rule reached it'}` };
    });

  const linesFor = (lineStatus: LineStatus, referralReasons: readonly ReasonCode[]): DeterminationLine[] => {
    const carried = referralReasons.filter((r) => !CODE_REASONS.has(r));
    return referral.services.map((s, i) => {
      const code = codeResults?.[i];
      const refused = code !== undefined && !code.ok;
      return {
        cpt: s.cpt,
        unitsPerVisit: s.unitsPerVisit,
        status: refused ? 'DENIED' : lineStatus,
        reasons: refused ? [code.reason] : [...carried],
        separatelyPayable: isSeparatelyPayable(s.cpt, lob, table),
      };
    });
  };

  const deny = (reasons: ReasonCode[], stoppedBecause: string): Determination => {
    const unq = unique(reasons);
    return {
      status: 'DENIED',
      reasons: unq,
      criteria: criteriaList(stoppedBecause),
      lines: linesFor('DENIED', unq),
      recommendation: null,
      authorization: null,
      proposedAuthorization: null,
      decisionDueAt: dueAt,
      policyVersion: POLICY_VERSION,
      visitsLeftThisYear: left,
    };
  };

  // ---- 5.1 eligibility ----
  if (!member) {
    record('ELIGIBILITY', false, `member ${referral.memberId} is not on file`);
    return deny(['MEMBER_NOT_ELIGIBLE'], 'the member is not eligible');
  }
  const { effectiveFrom, effectiveTo } = member.coverage;
  const span = `${effectiveFrom}..${effectiveTo ?? 'open'}`;
  if (!coverageActiveOn(member, start)) {
    record('ELIGIBILITY', false, `coverage ${span} is not active on start date ${start}`);
    return deny(['MEMBER_NOT_ELIGIBLE'], 'the member is not eligible');
  }
  const active = `coverage active ${span} on start date ${start}`;
  if (!member.massageTherapy.covered) {
    record('ELIGIBILITY', false, `${active}; massage therapy is not a covered benefit`);
    return deny(['BENEFIT_NOT_COVERED'], 'massage therapy is not a covered benefit');
  }
  const limit = member.massageTherapy.annualVisitLimit;
  const used = visitsUsedThisYear(member, input.visitsRecordedThisYear);
  const usage = `${used} of ${limit} visits used in ${yearOf(start)} (${member.priorVisitsThisYear} before this system, ${input.visitsRecordedThisYear} recorded)`;
  if (left === 0) {
    record('ELIGIBILITY', false, `${active}; ${usage}, none left`);
    return deny(['BENEFIT_EXHAUSTED'], 'no visits are left this year');
  }
  record('ELIGIBILITY', true, `${active}; massage therapy covered; ${usage}, ${left} left`);

  const reasons: ReasonCode[] = [];
  const pend: PendReason[] = [];
  const pendFor = (reason: PendReason) => {
    pend.push(reason);
    reasons.push(reason);
  };

  // ---- 5.2 provider ----
  const rp = input.renderingProvider;
  const rNpi = referral.renderingProviderNpi;
  if (!rp) {
    record('PROVIDER', false, `rendering provider ${rNpi} is not in the directory`);
    return deny(['PROVIDER_NOT_QUALIFIED'], 'the rendering provider is not qualified');
  }
  const billing = hasAny(rp.credentials, MASSAGE_BILLING_CREDENTIALS);
  const problems: string[] = [];
  if (rp.licenseState !== POLICY_LIMITS.licenseState) problems.push(`licensed in ${rp.licenseState}, not WA`);
  // A licence expiring on the start date is still valid that day.
  if (rp.licenseExpires < start)
    problems.push(`licence expired ${rp.licenseExpires}, before start date ${start}`);
  if (billing.length === 0)
    problems.push(`no credential that may bill massage (holds ${rp.credentials.join(', ')})`);
  if (problems.length > 0) {
    record('PROVIDER', false, `rendering provider ${rNpi}: ${problems.join('; ')}`);
    return deny(['PROVIDER_NOT_QUALIFIED'], 'the rendering provider is not qualified');
  }
  const qualified = `rendering provider ${rNpi} (${billing.join(', ')}) holds a WA licence valid through ${rp.licenseExpires}`;
  if (rp.contracted) {
    record('PROVIDER', true, `${qualified} and is contracted`);
  } else {
    record('PROVIDER', false, `${qualified} but is not contracted: a network exception is needed`);
    pendFor('NON_CONTRACTED_PROVIDER');
  }

  // ---- 5.3 codes ----
  const results = referral.services.map((s) => checkLineCode(s.cpt, start, table));
  codeResults = results;
  const codeEvidence = referral.services
    .map((s, i) => {
      const r = results[i];
      return r && !r.ok ? r.evidence : `${s.cpt} is in the range`;
    })
    .join('; ');
  const codeReasons = unique(results.flatMap((r) => (r.ok ? [] : [r.reason])));
  const survivors = results.filter((r) => r.ok).length;
  if (survivors === 0) {
    record('CODES', false, codeEvidence);
    return deny(codeReasons, 'no requested code may be authorized');
  }
  const partialCodes = codeReasons.length > 0;
  record('CODES', !partialCodes, codeEvidence);
  reasons.push(...codeReasons);

  // ---- 5.4 Medicare / 5.5 others ----
  let basis: AuthorizationBasis;
  if (member.lineOfBusiness === 'medicare') {
    if (!rp.credentials.includes('PT')) {
      record(
        'MEDICARE',
        false,
        `rendering provider ${rNpi} holds ${rp.credentials.join(', ')}, not PT; Medicare covers massage only from a physical therapist`,
      );
      return deny(
        [...codeReasons, 'MEDICARE_PT_REQUIRED'],
        'Medicare covers massage only from a physical therapist',
      );
    }
    const plan = planOfCareFinding(input);
    record('MEDICARE', plan.ok, `rendering provider ${rNpi} is a PT; ${plan.evidence}`);
    if (plan.ok) reasons.push('MEDICARE_CRITERIA_MET');
    else pendFor('PLAN_OF_CARE_REQUIRED');
    // Safety applies to every member: SPEC 5.4 is silent on contraindications, but the seed says
    // massage is contraindicated in these conditions, so a Medicare referral listing one pends too.
    if (contraindicationsFinding(referral, record)) pendFor('CONTRAINDICATION');
    basis = 'MEDICARE';
  } else {
    const exclusion = exclusionFinding(referral, record);
    if (exclusion) pendFor(exclusion);
    if (contraindicationsFinding(referral, record)) pendFor('CONTRAINDICATION');
    const bMet = criterionB(referral, record);
    // A is always evaluated and recorded; its unmet codes matter only when B did not approve.
    const aUnmet = criteriaA(input, record);
    if (bMet) reasons.push('CRITERIA_B_MET');
    else if (aUnmet.length === 0) reasons.push('CRITERIA_A_MET');
    else for (const r of aUnmet) pendFor(r);
    basis = bMet ? 'B' : 'A';
  }

  // ---- 5.5 approval ----
  const auth = authorizationFor(referral, member, input.visitsRecordedThisYear, basis);
  if (auth.yearlyLimitApplied) reasons.push('BENEFIT_LIMIT_APPLIED');
  const finalReasons = unique(reasons);

  if (pend.length > 0) {
    // A reviewer asked only for a network exception on an otherwise approvable referral is advised to approve.
    const onlyNetwork = pend.every((r) => r === 'NON_CONTRACTED_PROVIDER');
    return {
      status: 'PENDING_REVIEW',
      reasons: finalReasons,
      criteria: criteriaList(null),
      lines: linesFor('PENDING_REVIEW', finalReasons),
      recommendation: onlyNetwork ? 'APPROVE' : 'DENY',
      authorization: null,
      proposedAuthorization: auth,
      decisionDueAt: dueAt,
      policyVersion: POLICY_VERSION,
      visitsLeftThisYear: left,
    };
  }
  return {
    status: partialCodes || auth.yearlyLimitApplied ? 'PARTIALLY_APPROVED' : 'APPROVED',
    reasons: finalReasons,
    criteria: criteriaList(null),
    lines: linesFor('APPROVED', finalReasons),
    recommendation: null,
    authorization: auth,
    proposedAuthorization: null,
    decisionDueAt: dueAt,
    policyVersion: POLICY_VERSION,
    visitsLeftThisYear: left,
  };
}

type Recorder = (id: CriterionId, met: boolean | null, evidence: string) => void;

/**
 * SPEC 5.4 plan of care. The certifier is looked up by NPI among the providers passed in: the
 * ordering provider, then the rendering provider, then `certifyingProvider`. A certifier found in
 * none of them is unknown, so its MD/DO credential cannot be confirmed and the plan pends.
 */
function planOfCareFinding(input: DeterminationInput): { ok: boolean; evidence: string } {
  const { referral } = input;
  const poc = referral.clinical.planOfCare;
  if (!poc) return { ok: false, evidence: 'no plan of care on the referral' };
  const problems: string[] = [];
  const days = daysBetween(poc.certifiedOn, referral.startDate);
  const timing = `plan of care certified ${poc.certifiedOn}, ${Math.abs(days)} days ${days >= 0 ? 'before' : 'after'} start date ${referral.startDate}`;
  if (days > POLICY_LIMITS.planOfCareDays)
    problems.push(`${timing} (at most ${POLICY_LIMITS.planOfCareDays})`);
  const npi = poc.certifiedByNpi;
  const certifier =
    npi === referral.orderingProviderNpi
      ? input.orderingProvider
      : npi === referral.renderingProviderNpi
        ? input.renderingProvider
        : input.certifyingProvider;
  const physician = certifier ? hasAny(certifier.credentials, PHYSICIAN_CREDENTIALS) : [];
  if (!certifier) problems.push(`certifier ${npi} is not in the directory`);
  else if (physician.length === 0)
    problems.push(`certifier ${npi} holds ${certifier.credentials.join(', ')}, not MD or DO`);
  if (problems.length > 0) return { ok: false, evidence: problems.join('; ') };
  return { ok: true, evidence: `${timing}, by ${physician.join('/')} ${npi}` };
}

function exclusionFinding(
  referral: Referral,
  record: Recorder,
): 'EXCLUDED_PURPOSE' | 'MAINTENANCE_NOT_COVERED' | null {
  const purpose = referral.clinical.purpose;
  if ((EXCLUDED_PURPOSES as readonly Purpose[]).includes(purpose)) {
    record(
      'EXCLUSIONS',
      false,
      `purpose ${purpose} is excluded (prevention, recreation or stress reduction)`,
    );
    return 'EXCLUDED_PURPOSE';
  }
  if (purpose === 'maintenance') {
    record(
      'EXCLUSIONS',
      false,
      'purpose maintenance: maintaining the current level of function is not covered',
    );
    return 'MAINTENANCE_NOT_COVERED';
  }
  record('EXCLUSIONS', true, `purpose ${purpose} is not excluded`);
  return null;
}

/** Returns true when a contraindication is listed. */
function contraindicationsFinding(referral: Referral, record: Recorder): boolean {
  const listed = referral.clinical.contraindications;
  if (listed.length === 0) {
    record('CONTRAINDICATIONS', true, 'no contraindication listed');
    return false;
  }
  record('CONTRAINDICATIONS', false, `massage is contraindicated: ${unique(listed).join(', ')}`);
  return true;
}

function criterionB(referral: Referral, record: Recorder): boolean {
  const { terminal, comfortCare } = referral.clinical.terminalIllness;
  if (terminal && comfortCare) {
    record('B', true, 'terminal illness, therapy needed for comfort');
    return true;
  }
  record(
    'B',
    false,
    terminal ? 'terminal illness, but comfort care is not indicated' : 'no terminal illness documented',
  );
  return false;
}

/** Evaluates and records A1–A4; returns the unmet ones' reason codes in order. */
function criteriaA(input: DeterminationInput, record: Recorder): PendReason[] {
  const { referral } = input;
  const c = referral.clinical;
  const unmet: PendReason[] = [];

  const findings = c.objectiveFindings.length;
  const limits = c.functionalLimitations.length;
  const diagnoses = referral.diagnoses.length;
  const counts = `${plural(findings, 'objective finding', 'objective findings')}, ${plural(limits, 'functional limitation', 'functional limitations')}, ${plural(diagnoses, 'diagnosis', 'diagnoses')} documented`;
  const a1 = findings > 0 && limits > 0 && diagnoses > 0;
  record('A1', a1, a1 ? counts : `${counts}; at least one of each is needed`);
  if (!a1) unmet.push('A1_NOT_MET');

  const benefit = (c.therapeuticBenefit ?? '').trim().length > 0;
  const qualifying = referral.diagnoses.find((d) => A2_DIAGNOSIS_PREFIXES.some((p) => d.code.startsWith(p)));
  const a2Parts = [benefit ? 'therapeutic benefit stated' : 'no therapeutic-benefit statement'];
  if (qualifying) {
    const chapter = A2_DIAGNOSIS_PREFIXES.find((p) => qualifying.code.startsWith(p)) ?? '';
    a2Parts.push(`diagnosis ${qualifying.code} is in ICD-10-CM chapter ${chapter}`);
  } else {
    a2Parts.push(
      `no diagnosis in ICD-10-CM chapter M, S or G89 (${referral.diagnoses.map((d) => d.code).join(', ')})`,
    );
  }
  const a2 = benefit && qualifying !== undefined;
  record('A2', a2, a2Parts.join('; '));
  if (!a2) unmet.push('A2_NOT_MET');

  const op = input.orderingProvider;
  const oNpi = referral.orderingProviderNpi;
  const physician = op ? hasAny(op.credentials, PHYSICIAN_CREDENTIALS) : [];
  const a3 = physician.length > 0;
  record(
    'A3',
    a3,
    !op
      ? `ordering provider ${oNpi} is not in the directory`
      : a3
        ? `ordering provider ${oNpi} is in the directory with ${physician.join(', ')}`
        : `ordering provider ${oNpi} holds ${op.credentials.join(', ')}, not MD or DO`,
  );
  if (!a3) unmet.push('A3_NOT_MET');

  const weeks = c.expectedImprovement?.withinWeeks;
  const max = POLICY_LIMITS.maxImprovementWeeks;
  const a4 = weeks !== undefined && weeks <= max;
  record(
    'A4',
    a4,
    weeks === undefined
      ? 'no expected-improvement period stated'
      : `improvement expected within ${plural(weeks, 'week', 'weeks')} (at most ${max})`,
  );
  if (!a4) unmet.push('A4_NOT_MET');
  return unmet;
}

/**
 * The health plan's published code range for referral reason "Massage Therapy" (seed 000) and
 * SPEC 4's pre-authorization code check (`GET /codes/{cpt}`) and SPEC 5.3's per-line code rule.
 */
import type { ReasonCode } from './reasons.js';
import type { LineOfBusiness } from './schemas.js';

export const REFERRAL_REASON = 'Massage Therapy';

/** CMS Medicare physician fee schedule status: A = separately paid, B = bundled (covered, never paid on its own). */
export const MEDICARE_PAYMENT_STATUSES = ['A', 'B'] as const;
export type MedicarePaymentStatus = (typeof MEDICARE_PAYMENT_STATUSES)[number];

export interface CodeEntry {
  readonly description: string;
  /** Timed codes are billed per 15 minutes (SPEC 6.1); untimed ones as one unit. */
  readonly timed: boolean;
  readonly medicarePaymentStatus: MedicarePaymentStatus;
  /** First date of service the code is in the published range. */
  readonly effectiveFrom: string;
  /** Deletion date set by AMA (CPT) or CMS (HCPCS), when deleted. */
  readonly deletedOn?: string;
}
export type CodeTable = Readonly<Record<string, CodeEntry>>;

/** `effectiveFrom` is the published range page's creation date (seed 000: "03/16/2020 Created"). */
export const CODE_TABLE = {
  '97124': {
    description:
      'Therapeutic procedure, 1 or more areas, each 15 minutes; massage, including effleurage, petrissage and/or tapotement (stroking, compression, percussion)',
    timed: true,
    medicarePaymentStatus: 'A',
    effectiveFrom: '2020-03-16',
  },
  '97140': {
    description:
      'Manual therapy techniques (eg, mobilization/manipulation, manual lymphatic drainage, manual traction), 1 or more regions, each 15 minutes',
    timed: true,
    medicarePaymentStatus: 'A',
    effectiveFrom: '2020-03-16',
  },
  '97010': {
    description: 'Application of a modality to 1 or more areas; hot or cold packs',
    timed: false,
    medicarePaymentStatus: 'B',
    effectiveFrom: '2020-03-16',
  },
} as const satisfies CodeTable;
export type RangeCpt = keyof typeof CODE_TABLE;
export const RANGE_CPTS = Object.keys(CODE_TABLE) as RangeCpt[];

/** Evaluation and management codes: never part of a procedure authorization (seed 000, SPEC 5.3). */
export const EM_RANGE = { from: 99202, to: 99499 } as const;

export function isEmCode(cpt: string): boolean {
  if (!/^\d{5}$/.test(cpt)) return false;
  const n = Number(cpt);
  return n >= EM_RANGE.from && n <= EM_RANGE.to;
}

/** Own-property lookup, so a path segment such as "constructor" never matches Object.prototype. */
export function codeEntry(cpt: string, table: CodeTable = CODE_TABLE): CodeEntry | undefined {
  return Object.hasOwn(table, cpt) ? table[cpt] : undefined;
}

/**
 * Whether a line is paid on its own for this line of business. Medicare bundles status-B codes
 * (97010) into the visit: approved, but not separately payable (SPEC 5.4). Out-of-range codes are
 * not payable under this authorization at all.
 */
export function isSeparatelyPayable(
  cpt: string,
  lineOfBusiness: LineOfBusiness | undefined,
  table: CodeTable = CODE_TABLE,
): boolean {
  const entry = codeEntry(cpt, table);
  if (!entry) return false;
  return lineOfBusiness !== 'medicare' || entry.medicarePaymentStatus === 'A';
}

export interface CodeCheck {
  cpt: string;
  inPublishedRange: boolean;
  referralReason: string | null;
  authorizationRequired: boolean;
  description: string | null;
  timed: boolean | null;
  medicarePaymentStatus: MedicarePaymentStatus | null;
  /** For the line of business asked about; null when none was given or the code is not in the range. */
  separatelyPayable: boolean | null;
  note: string | null;
}

/** SPEC 4 `GET /codes/{cpt}?lineOfBusiness=`: every in-range code needs a prior authorization. */
export function codeCheck(
  cpt: string,
  lineOfBusiness?: LineOfBusiness,
  table: CodeTable = CODE_TABLE,
): CodeCheck {
  const entry = codeEntry(cpt, table);
  if (!entry) {
    return {
      cpt,
      inPublishedRange: false,
      referralReason: null,
      authorizationRequired: false,
      description: null,
      timed: null,
      medicarePaymentStatus: null,
      separatelyPayable: null,
      note: isEmCode(cpt)
        ? 'E&M codes (99202-99499) are never part of a procedure authorization.'
        : `Not in the published range for referral reason "${REFERRAL_REASON}".`,
    };
  }
  const bundled = entry.medicarePaymentStatus === 'B';
  return {
    cpt,
    inPublishedRange: true,
    referralReason: REFERRAL_REASON,
    authorizationRequired: true,
    description: entry.description,
    timed: entry.timed,
    medicarePaymentStatus: entry.medicarePaymentStatus,
    separatelyPayable: lineOfBusiness === undefined ? null : isSeparatelyPayable(cpt, lineOfBusiness, table),
    note: entry.deletedOn
      ? `Deleted on ${entry.deletedOn}; not valid for a start date after that day.`
      : bundled
        ? 'Medicare bundles this code (status B): approved with the visit but not separately payable.'
        : null,
  };
}

export type LineCodeResult =
  | { ok: true }
  | { ok: false; reason: Extract<ReasonCode, 'CODE_NOT_IN_RANGE' | 'CODE_DELETED'>; evidence: string };

/**
 * SPEC 5.3 for one requested line. A code not yet in the range on the start date counts as not in
 * the range (seed 001: "codes not in effect at the time of service may not be covered").
 *
 * Deleted codes follow SPEC 5.3 (not valid for a start date after the deletion date). Seed 000 lets
 * deleted codes stay payable for 24 months for valid dates of service; that is a claims-payment
 * grace period for services already rendered, not a licence to authorize new care, so it is not
 * applied here.
 */
export function checkLineCode(cpt: string, startDate: string, table: CodeTable = CODE_TABLE): LineCodeResult {
  const entry = codeEntry(cpt, table);
  if (!entry) {
    return {
      ok: false,
      reason: 'CODE_NOT_IN_RANGE',
      evidence: isEmCode(cpt)
        ? `${cpt} is an E&M code (99202-99499), never part of a procedure authorization`
        : `${cpt} is not in the ${REFERRAL_REASON} range`,
    };
  }
  if (startDate < entry.effectiveFrom) {
    return {
      ok: false,
      reason: 'CODE_NOT_IN_RANGE',
      evidence: `${cpt} is in the range only from ${entry.effectiveFrom}, after start date ${startDate}`,
    };
  }
  if (entry.deletedOn !== undefined && entry.deletedOn < startDate) {
    return {
      ok: false,
      reason: 'CODE_DELETED',
      evidence: `${cpt} was deleted on ${entry.deletedOn}, before start date ${startDate}`,
    };
  }
  return { ok: true };
}

/**
 * SPEC 6.1: billing units for one visit. Pure: the visit's services and same-day procedures in,
 * one billing line per service out (same order, same modifiers).
 */
import { CODE_TABLE, codeEntry, RANGE_CPTS } from './codes.js';
import type { LineOfBusiness } from './schemas.js';

// Whether a code is timed, and its Medicare payment status, come from the one code table.
/** Time-based codes billed per 15 minutes (97124, 97140). */
export const TIMED_CODES = RANGE_CPTS.filter((c) => CODE_TABLE[c].timed);

/** Chiropractic (98940–98942) and osteopathic (98925–98929) manipulation, SPEC 6.1. */
export const MANIPULATION_CODES = [
  '98940',
  '98941',
  '98942',
  '98925',
  '98926',
  '98927',
  '98928',
  '98929',
] as const;
/** Codes that NCCI pairs with manipulation: billable the same day only as a distinct service. */
export const NCCI_MANIPULATION_PAIRED_CODES = ['97124', '97140'] as const;
/** Modifiers that mark a distinct procedure (59) or a separate structure (XS). */
export const DISTINCT_SERVICE_MODIFIERS = ['59', 'XS'] as const;

export const BILLING_METHODS = ['CMS_8_MINUTE', 'PER_CODE'] as const;
export type BillingMethod = (typeof BILLING_METHODS)[number];

/** Why a line is not (fully) payable. Every edit makes `separatelyPayable` false. */
export const BILLING_EDITS = [
  /** Same-day manipulation without modifier 59/XS on a different body region. */
  'NCCI_MODIFIER_REQUIRED',
  /** A timed line whose minutes earn no unit (under 8 minutes, or its time went to another code). */
  'BELOW_MINIMUM_MINUTES',
  /** An untimed line reported with 0 minutes: the service was not delivered. */
  'NO_SERVICE_TIME',
  /** Medicare status B: bundled into the visit's other services. */
  'MEDICARE_BUNDLED',
  /** A code this module has no unit rule for (outside the published range). */
  'CODE_NOT_BILLABLE',
] as const;
export type BillingEdit = (typeof BILLING_EDITS)[number];

export interface ServiceInput {
  cpt: string;
  minutes: number;
  bodyRegion: string;
  modifiers: readonly string[];
}
export interface SameDayProcedure {
  code: string;
  bodyRegion: string;
}
export interface BillingInput {
  lineOfBusiness: LineOfBusiness;
  services: readonly ServiceInput[];
  sameDayProcedures: readonly SameDayProcedure[];
}
export interface BillingLine {
  cpt: string;
  minutes: number;
  units: number;
  modifiers: string[];
  separatelyPayable: boolean;
  edits: BillingEdit[];
}
export interface Billing {
  method: BillingMethod;
  lines: BillingLine[];
}

const MINUTES_PER_UNIT = 15;
/** More than half a unit (8 of 15 minutes) earns the unit. */
const MIN_MINUTES_FOR_UNIT = 8;

const isOneOf = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);
export const isTimedCode = (cpt: string): boolean => codeEntry(cpt)?.timed === true;
export const isUntimedCode = (cpt: string): boolean => codeEntry(cpt)?.timed === false;
/** Medicare payment status B (bundled): paid as part of other services, never on its own line. */
const isMedicareBundled = (cpt: string): boolean => codeEntry(cpt)?.medicarePaymentStatus === 'B';

/** The 15-minute unit ladder: <8 → 0, 8–22 → 1, 23–37 → 2, 38–52 → 3, 53–67 → 4, … */
export function unitsForMinutes(minutes: number): number {
  if (!(minutes >= MIN_MINUTES_FOR_UNIT)) return 0;
  return Math.floor((minutes + MIN_MINUTES_FOR_UNIT - 1) / MINUTES_PER_UNIT);
}

interface Claimant {
  minutes: number;
  /** Smaller wins a tie on leftover and minutes. */
  tieRank: number;
}

/**
 * Shares `units` among claimants: each first gets its whole 15-minute units, then the
 * remaining units go one each to those with the most leftover minutes (minutes % 15).
 * Ties: more total minutes first, then the lower `tieRank`. Callers only pass a `units`
 * between the whole units and one extra per claimant with leftover minutes, so every unit
 * finds a home and no one gets a unit without time behind it.
 */
function allocate(units: number, claimants: readonly Claimant[]): number[] {
  const shares = claimants.map((c) => Math.floor(c.minutes / MINUTES_PER_UNIT));
  let remaining = units - shares.reduce((a, b) => a + b, 0);
  const order = claimants
    .map((c, i) => ({ i, leftover: c.minutes % MINUTES_PER_UNIT, minutes: c.minutes, rank: c.tieRank }))
    .filter((c) => c.leftover > 0)
    .sort((a, b) => b.leftover - a.leftover || b.minutes - a.minutes || a.rank - b.rank);
  for (const c of order) {
    if (remaining <= 0) break;
    shares[c.i] = (shares[c.i] ?? 0) + 1;
    remaining -= 1;
  }
  return shares;
}

/**
 * Units per line of the timed services. A code listed on several lines is one service
 * (its minutes add up, as both the 8-minute rule and the per-code rule count time per code);
 * the code's units are then shared among its lines by the same whole-units-then-leftover rule,
 * ties going to the earlier line.
 */
function timedUnits(method: BillingMethod, services: readonly ServiceInput[]): Map<number, number> {
  const byCode = new Map<string, number[]>();
  services.forEach((s, i) => {
    if (!isTimedCode(s.cpt)) return;
    byCode.set(s.cpt, [...(byCode.get(s.cpt) ?? []), i]);
  });
  // Codes in CPT order so the tie-break does not depend on the order lines were entered.
  const codes = [...byCode.keys()].sort();
  const minutesOf = (cpt: string) =>
    (byCode.get(cpt) ?? []).reduce((sum, i) => sum + Math.max(0, services[i]?.minutes ?? 0), 0);
  const codeMinutes = codes.map(minutesOf);

  const codeUnits =
    method === 'CMS_8_MINUTE'
      ? allocate(
          unitsForMinutes(codeMinutes.reduce((a, b) => a + b, 0)),
          codeMinutes.map((minutes, rank) => ({ minutes, tieRank: rank })),
        )
      : codeMinutes.map(unitsForMinutes);

  const result = new Map<number, number>();
  codes.forEach((cpt, c) => {
    const lines = byCode.get(cpt) ?? [];
    const shares = allocate(
      codeUnits[c] ?? 0,
      lines.map((i, rank) => ({ minutes: Math.max(0, services[i]?.minutes ?? 0), tieRank: rank })),
    );
    lines.forEach((i, k) => {
      result.set(i, shares[k] ?? 0);
    });
  });
  return result;
}

const normaliseRegion = (region: string) => region.trim().toLowerCase();

/**
 * NCCI: massage or manual therapy the same day as spinal manipulation is payable only as a
 * distinct service — modifier 59 or XS, on a body region that was not manipulated.
 */
function needsNcciModifier(service: ServiceInput, manipulatedRegions: ReadonlySet<string>): boolean {
  if (manipulatedRegions.size === 0 || !isOneOf(NCCI_MANIPULATION_PAIRED_CODES, service.cpt)) return false;
  const distinct = service.modifiers.some((m) => isOneOf(DISTINCT_SERVICE_MODIFIERS, m.trim().toUpperCase()));
  return !distinct || manipulatedRegions.has(normaliseRegion(service.bodyRegion));
}

/**
 * Billing for one visit.
 * - Medicare → `CMS_8_MINUTE`: units from the total timed minutes, shared by whole units then
 *   leftover minutes (ties: more minutes, then CPT order). 97010 is 1 unit but bundled (status B).
 * - Commercial and Medicaid → `PER_CODE`: each code's own minutes on the same ladder.
 * - 97010 (untimed) is 1 unit whenever minutes > 0; 0 minutes means it was not delivered
 *   (0 units, `NO_SERVICE_TIME`).
 * Units are counted before payability: a line held by an NCCI edit keeps its units (they are
 * what the clinic would bill with the modifier) but is not separately payable.
 */
export function computeBilling(input: BillingInput): Billing {
  const method: BillingMethod = input.lineOfBusiness === 'medicare' ? 'CMS_8_MINUTE' : 'PER_CODE';
  const manipulated = new Set(
    input.sameDayProcedures
      .filter((p) => isOneOf(MANIPULATION_CODES, p.code))
      .map((p) => normaliseRegion(p.bodyRegion)),
  );
  const timed = timedUnits(method, input.services);

  const lines = input.services.map((service, i): BillingLine => {
    const edits: BillingEdit[] = [];
    let units = 0;
    if (isTimedCode(service.cpt)) {
      units = timed.get(i) ?? 0;
      if (units === 0) edits.push('BELOW_MINIMUM_MINUTES');
      if (needsNcciModifier(service, manipulated)) edits.push('NCCI_MODIFIER_REQUIRED');
    } else if (isUntimedCode(service.cpt)) {
      units = service.minutes > 0 ? 1 : 0;
      if (units === 0) edits.push('NO_SERVICE_TIME');
      if (method === 'CMS_8_MINUTE' && isMedicareBundled(service.cpt)) {
        edits.push('MEDICARE_BUNDLED');
      }
    } else {
      edits.push('CODE_NOT_BILLABLE');
    }
    return {
      cpt: service.cpt,
      minutes: service.minutes,
      units,
      modifiers: [...service.modifiers],
      separatelyPayable: edits.length === 0,
      edits,
    };
  });
  return { method, lines };
}

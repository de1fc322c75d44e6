/**
 * SPEC 12 (CMS-0057-F public reporting): the measures, computed from a per-year, per-urgency
 * aggregate that every recorded determination and appeal outcome updates in its own transaction.
 * Reading a year is one small query (two items), whatever the number of decisions; see
 * docs/reporting.md for how it scales.
 *
 * Times from receipt to decision are kept as a histogram with geometric buckets (edges at
 * 2^(k/2) seconds), so the median is estimated within its bucket (at most ~41% relative width)
 * while the average is exact (a running sum).
 */
import { CODE_TABLE, RANGE_CPTS } from './codes.js';
import type { URGENCIES } from './schemas.js';

export type Urgency = (typeof URGENCIES)[number];

/** Bucket upper edges in seconds: 1, 1.41, 2, 2.83, … up to 2^26 s (~2 years); the last bucket is open. */
export const BUCKET_COUNT = 53;
export function bucketUpperEdge(index: number): number {
  return 2 ** (index / 2);
}
/** The bucket a duration falls in: the first whose upper edge is above it. */
export function bucketOf(seconds: number): number {
  if (!(seconds > 0)) return 0;
  const i = Math.floor(2 * Math.log2(seconds)) + 1;
  return Math.min(Math.max(i, 0), BUCKET_COUNT - 1);
}
function bucketLowerEdge(index: number): number {
  return index === 0 ? 0 : bucketUpperEdge(index - 1);
}

/** What one urgency's aggregate item holds (counters only, so updates are ADDs). */
export interface ReportAggregate {
  decided: number;
  approved: number;
  denied: number;
  /** Denied or partly approved at first, approved on appeal. */
  approvedAfterAppeal: number;
  /** Approved after the decision time was extended (an information request stopped the clock). */
  approvedAfterExtension: number;
  totalSeconds: number;
  /** Bucket index → count. */
  histogram: Record<number, number>;
}

export function emptyAggregate(): ReportAggregate {
  return {
    decided: 0,
    approved: 0,
    denied: 0,
    approvedAfterAppeal: 0,
    approvedAfterExtension: 0,
    totalSeconds: 0,
    histogram: {},
  };
}

/** The counters one first determination adds (the repository writes them as ADDs). */
export interface DecisionIncrement {
  decided: 1;
  approved: 0 | 1;
  denied: 0 | 1;
  approvedAfterExtension: 0 | 1;
  totalSeconds: number;
  bucket: number;
}

export function decisionIncrement(d: {
  status: 'APPROVED' | 'PARTIALLY_APPROVED' | 'DENIED';
  receivedAt: string;
  decidedAt: string;
  extended: boolean;
}): DecisionIncrement {
  const seconds = Math.max(0, (Date.parse(d.decidedAt) - Date.parse(d.receivedAt)) / 1000);
  // A partial approval approves: it counts as approved (its denied lines are in `denied` only when nothing was approved).
  const approved = d.status === 'DENIED' ? 0 : 1;
  return {
    decided: 1,
    approved,
    denied: approved ? 0 : 1,
    approvedAfterExtension: approved && d.extended ? 1 : 0,
    totalSeconds: Math.round(seconds * 1000) / 1000,
    bucket: bucketOf(seconds),
  };
}

/** Applies an increment to an aggregate (what the table's ADDs do; the tests use it as the model). */
export function addDecision(agg: ReportAggregate, inc: DecisionIncrement): ReportAggregate {
  return {
    ...agg,
    decided: agg.decided + inc.decided,
    approved: agg.approved + inc.approved,
    denied: agg.denied + inc.denied,
    approvedAfterExtension: agg.approvedAfterExtension + inc.approvedAfterExtension,
    totalSeconds: agg.totalSeconds + inc.totalSeconds,
    histogram: { ...agg.histogram, [inc.bucket]: (agg.histogram[inc.bucket] ?? 0) + 1 },
  };
}

/**
 * The median from the histogram: find the bucket holding the middle decision and interpolate
 * linearly inside it. Exact when every decision in that bucket has the same duration spread
 * evenly; never outside the bucket the true median lies in.
 */
export function medianSeconds(histogram: Record<number, number>): number | null {
  const total = Object.values(histogram).reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const middle = total / 2;
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = histogram[i] ?? 0;
    if (n === 0) continue;
    if (seen + n >= middle) {
      const lo = bucketLowerEdge(i);
      const hi = bucketUpperEdge(i);
      return lo + ((middle - seen) / n) * (hi - lo);
    }
    seen += n;
  }
  return null;
}

export interface UrgencyMeasures {
  requestsDecided: number;
  percentApproved: number | null;
  percentDenied: number | null;
  percentApprovedAfterAppeal: number | null;
  percentApprovedAfterExtendedDecisionTime: number | null;
  averageHoursToDecision: number | null;
  medianHoursToDecision: number | null;
}

const percent = (n: number, of: number) => (of === 0 ? null : Math.round((1000 * n) / of) / 10);
const hours = (seconds: number | null) =>
  seconds === null ? null : Math.round((seconds / 3600) * 100) / 100;

export function measures(agg: ReportAggregate): UrgencyMeasures {
  return {
    requestsDecided: agg.decided,
    percentApproved: percent(agg.approved, agg.decided),
    percentDenied: percent(agg.denied, agg.decided),
    percentApprovedAfterAppeal: percent(agg.approvedAfterAppeal, agg.decided),
    percentApprovedAfterExtendedDecisionTime: percent(agg.approvedAfterExtension, agg.decided),
    averageHoursToDecision: agg.decided === 0 ? null : hours(agg.totalSeconds / agg.decided),
    medianHoursToDecision: hours(medianSeconds(agg.histogram)),
  };
}

export interface PriorAuthorizationReport {
  year: number;
  generatedAt: string;
  itemsAndServices: { code: string; description: string }[];
  standard: UrgencyMeasures;
  expedited: UrgencyMeasures;
  /** Decision-time histograms (bucket upper edge in hours → count), for the console's chart. */
  decisionTimes: Record<Urgency, { upToHours: number | null; count: number }[]>;
  notes: string[];
}

function histogramView(h: Record<number, number>) {
  return Object.entries(h)
    .map(([k, count]) => [Number(k), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([i, count]) => ({
      upToHours: i === BUCKET_COUNT - 1 ? null : Math.round((bucketUpperEdge(i) / 3600) * 10_000) / 10_000,
      count,
    }));
}

export function buildReport(
  year: number,
  aggregates: Record<Urgency, ReportAggregate>,
  generatedAt: string,
): PriorAuthorizationReport {
  return {
    year,
    generatedAt,
    itemsAndServices: RANGE_CPTS.map((code) => ({ code, description: CODE_TABLE[code].description })),
    standard: measures(aggregates.standard),
    expedited: measures(aggregates.expedited),
    decisionTimes: {
      standard: histogramView(aggregates.standard.histogram),
      expedited: histogramView(aggregates.expedited.histogram),
    },
    notes: [
      'Counts first determinations recorded in the year; an appeal outcome counts in the year of the determination appealed.',
      'Partial approvals count as approved. Approved after an extended decision time: the plan asked for more information, which stopped the decision clock.',
      'Time to decision runs from receipt to the first determination, including any time spent waiting for requested information. The median is estimated from a histogram (bucket edges at 2^(k/2) seconds).',
    ],
  };
}

const MEASURE_ROWS: [keyof UrgencyMeasures, string][] = [
  ['requestsDecided', 'Requests decided'],
  ['percentApproved', 'Percent approved'],
  ['percentDenied', 'Percent denied'],
  ['percentApprovedAfterAppeal', 'Percent approved after appeal'],
  ['percentApprovedAfterExtendedDecisionTime', 'Percent approved after an extended decision time'],
  ['averageHoursToDecision', 'Average hours from receipt to decision'],
  ['medianHoursToDecision', 'Median hours from receipt to decision'],
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One table: the items needing prior authorization, then each measure for standard and expedited requests. */
export function reportCsv(report: PriorAuthorizationReport): string {
  const rows: unknown[][] = [['section', 'key', 'label', 'standard', 'expedited']];
  for (const item of report.itemsAndServices) rows.push(['item', item.code, item.description, '', '']);
  for (const [key, label] of MEASURE_ROWS) {
    rows.push(['measure', key, label, report.standard[key], report.expedited[key]]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

import { describe, expect, it } from 'vitest';
import {
  addDecision,
  BUCKET_COUNT,
  bucketOf,
  bucketUpperEdge,
  buildReport,
  decisionIncrement,
  emptyAggregate,
  measures,
  medianSeconds,
  type ReportAggregate,
  reportCsv,
} from '../../shared/report.js';

const at = (hours: number) =>
  new Date(Date.parse('2026-03-01T00:00:00.000Z') + hours * 3_600_000).toISOString();
const decide = (
  agg: ReportAggregate,
  status: 'APPROVED' | 'PARTIALLY_APPROVED' | 'DENIED',
  hours: number,
  extended = false,
) => addDecision(agg, decisionIncrement({ status, receivedAt: at(0), decidedAt: at(hours), extended }));

describe('report buckets', () => {
  it('puts a duration in the bucket whose edges hold it', () => {
    for (const seconds of [0.2, 1, 1.5, 59, 3600, 72 * 3600, 30 * 86_400]) {
      const i = bucketOf(seconds);
      expect(bucketUpperEdge(i)).toBeGreaterThan(seconds);
      if (i > 0) expect(bucketUpperEdge(i - 1)).toBeLessThanOrEqual(seconds);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(10 ** 12)).toBe(BUCKET_COUNT - 1);
  });
});

describe('report arithmetic (SPEC 12)', () => {
  it('counts approvals (partial ones too), denials, extensions and appeals as percentages of decisions', () => {
    let agg = emptyAggregate();
    agg = decide(agg, 'APPROVED', 1);
    agg = decide(agg, 'PARTIALLY_APPROVED', 2);
    agg = decide(agg, 'APPROVED', 30, true);
    agg = decide(agg, 'DENIED', 48);
    agg = { ...agg, approvedAfterAppeal: 1 };
    expect(measures(agg)).toEqual({
      requestsDecided: 4,
      percentApproved: 75,
      percentDenied: 25,
      percentApprovedAfterAppeal: 25,
      percentApprovedAfterExtendedDecisionTime: 25,
      averageHoursToDecision: 20.25,
      medianHoursToDecision: expect.any(Number),
    });
  });

  it('rounds percentages to one decimal and says null, not 0, when nothing was decided', () => {
    let agg = emptyAggregate();
    for (const s of ['APPROVED', 'APPROVED', 'DENIED'] as const) agg = decide(agg, s, 1);
    expect(measures(agg).percentApproved).toBe(66.7);
    expect(measures(agg).percentDenied).toBe(33.3);
    expect(measures(emptyAggregate())).toEqual({
      requestsDecided: 0,
      percentApproved: null,
      percentDenied: null,
      percentApprovedAfterAppeal: null,
      percentApprovedAfterExtendedDecisionTime: null,
      averageHoursToDecision: null,
      medianHoursToDecision: null,
    });
  });

  it('estimates the median inside the bucket that holds the true median', () => {
    const hours = [0.01, 0.5, 2, 5, 20, 26, 40, 70, 71];
    let agg = emptyAggregate();
    for (const h of hours) agg = decide(agg, 'APPROVED', h);
    const trueMedian = 20 * 3600;
    const m = medianSeconds(agg.histogram);
    const i = bucketOf(trueMedian);
    expect(m).toBeGreaterThanOrEqual(i === 0 ? 0 : bucketUpperEdge(i - 1));
    expect(m).toBeLessThanOrEqual(bucketUpperEdge(i));
    // Relative error is bounded by the bucket's width (edges a factor √2 apart).
    expect(Math.abs((m ?? 0) - trueMedian) / trueMedian).toBeLessThan(Math.SQRT2 - 1);
  });

  it('keeps the average exact from the running sum', () => {
    let agg = emptyAggregate();
    for (const h of [1, 2, 3, 10]) agg = decide(agg, 'APPROVED', h);
    expect(measures(agg).averageHoursToDecision).toBe(4);
  });
});

describe('the report document', () => {
  const standard = decide(decide(emptyAggregate(), 'APPROVED', 1), 'DENIED', 3);
  const report = buildReport(2026, { standard, expedited: emptyAggregate() }, '2026-12-01T00:00:00.000Z');

  it('lists the items needing prior authorization and both urgencies separately', () => {
    expect(report.itemsAndServices.map((i) => i.code)).toEqual(['97010', '97124', '97140']);
    expect(report.standard.requestsDecided).toBe(2);
    expect(report.expedited.requestsDecided).toBe(0);
    expect(report.decisionTimes.standard.reduce((n, b) => n + b.count, 0)).toBe(2);
  });

  it('renders one CSV table: items, then each measure for standard and expedited', () => {
    const csv = reportCsv(report);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,label,standard,expedited');
    expect(lines.filter((l) => l.startsWith('item,'))).toHaveLength(3);
    expect(lines).toContain('measure,requestsDecided,Requests decided,2,0');
    expect(lines).toContain('measure,percentApproved,Percent approved,50,');
    // Descriptions with commas are quoted.
    expect(lines.find((l) => l.startsWith('item,97124'))).toMatch(/^item,97124,"Therapeutic procedure, /);
  });
});

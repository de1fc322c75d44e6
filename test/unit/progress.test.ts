import { describe, expect, it } from 'vitest';
import {
  AUTHORIZATION_STATUS_AFTER,
  improvement,
  isMeaningful,
  type MeasureReport,
  type ReReviewInput,
  type ReReviewOutcome,
  reachedGoal,
  reReview,
} from '../../shared/progress.js';
import { INSTRUMENTS, type Instrument } from '../../shared/schemas.js';

/** One visit per entry: the measures it reported (empty = none). */
function visits(...reports: MeasureReport[][]) {
  return reports.map((outcomeMeasures, i) => ({
    visitId: `v${i + 1}`,
    date: `2026-12-${String(i + 1).padStart(2, '0')}`,
    outcomeMeasures,
  }));
}
const odi = (score: number): MeasureReport[] => [{ instrument: 'ODI', score }];
const none: MeasureReport[] = [];

/** Defaults: criterion A, commercial, ODI 42 → goal 20, 8 of 8 visits authorized with visits to spare. */
function input(overrides: Partial<ReReviewInput> = {}): ReReviewInput {
  const v = overrides.visits ?? visits(odi(40));
  return {
    basis: 'A',
    lineOfBusiness: 'commercial',
    baselineMeasures: [{ instrument: 'ODI', score: 42, goal: 20 }],
    authorization: { visitsAuthorized: 8, visitsUsed: v.length, validTo: '2027-01-30' },
    visitsLeftThisYear: 6,
    extensionBlock: 4,
    ...overrides,
    visits: v,
  };
}
const summary = (o: ReReviewOutcome) => ({ action: o.action, reasons: o.reasons });

describe('improvement and goals follow the instrument’s direction', () => {
  it.each<[Instrument, number, number, number]>([
    ['ODI', 42, 30, 12],
    ['ODI', 30, 42, -12],
    ['NDI', 20, 12.5, 7.5],
    ['PSFS', 3, 6, 3],
    ['NPRS', 8, 5, 3],
    ['LEFS', 40, 52, 12],
    ['QuickDASH', 60, 40, 20],
  ])('%s %d → %d is %d', (instrument, baseline, latest, expected) =>
    expect(improvement(instrument, baseline, latest)).toBeCloseTo(expected));

  it.each<[Instrument, number, number, boolean]>([
    ['ODI', 20, 20, true],
    ['ODI', 19, 20, true],
    ['ODI', 21, 20, false],
    ['PSFS', 8, 8, true],
    ['PSFS', 9, 8, true],
    ['PSFS', 7, 8, false],
    ['LEFS', 60, 65, false],
  ])('%s score %d vs goal %d reached=%s', (instrument, score, goal, reached) =>
    expect(reachedGoal(instrument, score, goal)).toBe(reached));

  it.each(
    Object.entries(INSTRUMENTS) as [Instrument, (typeof INSTRUMENTS)[Instrument]][],
  )('%s: exactly the MCID is meaningful, just under is not', (instrument, { better, mcid, min, max }) => {
    const baseline = better === 'lower' ? max : min;
    const step = better === 'lower' ? -1 : 1;
    expect(isMeaningful(instrument, baseline, baseline + step * mcid)).toBe(true);
    expect(isMeaningful(instrument, baseline, baseline + step * (mcid - 0.01))).toBe(false);
  });

  it('tolerates decimal rounding at the MCID (NDI 20.3 → 12.8 is 7.5)', () => {
    expect(isMeaningful('NDI', 20.3, 12.8)).toBe(true);
  });
});

describe('re-review after a visit (SPEC 6.3)', () => {
  it.each<[string, Partial<ReReviewInput>, { action: string; reasons: string[] }]>([
    ['early visit, visits left → CONTINUE', {}, { action: 'CONTINUE', reasons: [] }],
    [
      'goal reached → COMPLETE',
      { visits: visits(odi(30), odi(20)) },
      { action: 'COMPLETE', reasons: ['GOALS_ACHIEVED'] },
    ],
    [
      'goal reached at visit 1 → COMPLETE (goals are checked at every visit)',
      { visits: visits(odi(18)) },
      { action: 'COMPLETE', reasons: ['GOALS_ACHIEVED'] },
    ],
    [
      'visit 4, improvement 12 ≥ MCID 10 → CONTINUE',
      { visits: visits(odi(40), none, none, odi(30)) },
      { action: 'CONTINUE', reasons: [] },
    ],
    [
      'visit 4, improvement exactly the MCID (42 → 32) → CONTINUE',
      { visits: visits(none, none, none, odi(32)) },
      { action: 'CONTINUE', reasons: [] },
    ],
    [
      'visit 4, improvement 9 < MCID 10 → REVIEW STOP',
      { visits: visits(none, none, none, odi(33)) },
      { action: 'REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'] },
    ],
    [
      'visit 3 plateau is not judged yet → CONTINUE',
      { visits: visits(odi(41), odi(41), odi(41)) },
      { action: 'CONTINUE', reasons: [] },
    ],
    [
      'visit 4, primary never reported → PROGRESS_NOT_DOCUMENTED',
      { visits: visits(none, [{ instrument: 'NPRS', score: 3 }], none, none) },
      { action: 'REVIEW', reasons: ['PROGRESS_NOT_DOCUMENTED'] },
    ],
    [
      'no outcome measure in the referral → PROGRESS_NOT_DOCUMENTED at visit 4',
      { baselineMeasures: [], visits: visits(none, none, none, odi(30)) },
      { action: 'REVIEW', reasons: ['PROGRESS_NOT_DOCUMENTED'] },
    ],
    [
      'Medicare plateau → MEDICARE_MAINTENANCE_REVIEW',
      { basis: 'MEDICARE', lineOfBusiness: 'medicare', visits: visits(none, none, none, odi(40)) },
      { action: 'REVIEW', reasons: ['MEDICARE_MAINTENANCE_REVIEW'] },
    ],
    [
      'Medicare, never reported → PROGRESS_NOT_DOCUMENTED',
      { basis: 'MEDICARE', lineOfBusiness: 'medicare', visits: visits(none, none, none, none) },
      { action: 'REVIEW', reasons: ['PROGRESS_NOT_DOCUMENTED'] },
    ],
    [
      'progressCheckAfterVisits 2 moves the check earlier',
      { progressCheckAfterVisits: 2, visits: visits(none, odi(41)) },
      { action: 'REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'] },
    ],
    [
      'comfort care (B) is never judged on progress or goals',
      { basis: 'B', visits: visits(odi(42), odi(42), odi(42), odi(18)) },
      { action: 'CONTINUE', reasons: [] },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(summary(reReview(input(overrides)))).toEqual(expected);
  });

  it('a plateau review carries the figures it used and recommends STOP', () => {
    const o = reReview(input({ visits: visits(none, none, none, odi(36)) }));
    expect(o).toMatchObject({
      action: 'REVIEW',
      recommendation: 'STOP',
      visitNumber: 4,
      progress: { instrument: 'ODI', baseline: 42, latest: 36, improvement: 6, mcid: 10, meaningful: false },
    });
    expect(o.explanation).toContain('42 to 36');
    expect(AUTHORIZATION_STATUS_AFTER[o.action]).toBe('PENDING_REVIEW');
  });

  it('a measure that got worse is not progress', () => {
    const o = reReview(input({ visits: visits(none, none, none, odi(50)) }));
    expect(o.progress?.improvement).toBe(-8);
    expect(o.reasons).toEqual(['NO_MEANINGFUL_PROGRESS']);
  });

  it('uses the latest primary score, even if an earlier one was better', () => {
    const o = reReview(input({ visits: visits(odi(28), none, none, odi(38)) }));
    expect(o.reasons).toEqual(['NO_MEANINGFUL_PROGRESS']);
  });

  it('judges a score reported before visit 4 at visit 4', () => {
    expect(reReview(input({ visits: visits(none, odi(41), none, none) })).reasons).toEqual([
      'NO_MEANINGFUL_PROGRESS',
    ]);
    expect(reReview(input({ visits: visits(none, odi(30), none, none) })).action).toBe('CONTINUE');
  });

  describe('after a reviewer continues, the same evidence does not reopen a review', () => {
    it.each<[string, MeasureReport[][], string, string[]]>([
      ['visit 5, no new score (plateau seen at 4)', [none, none, none, odi(40), none], 'CONTINUE', []],
      [
        'visit 6, a new plateau score',
        [none, none, none, odi(40), none, odi(39)],
        'REVIEW',
        ['NO_MEANINGFUL_PROGRESS'],
      ],
      ['visit 6, a new score with progress', [none, none, none, odi(40), none, odi(31)], 'CONTINUE', []],
      ['visit 5 when never documented', [none, none, none, none, none], 'CONTINUE', []],
      [
        'visit 8 when still never documented',
        [none, none, none, none, none, none, none, none],
        'REVIEW',
        ['PROGRESS_NOT_DOCUMENTED'],
      ],
    ])('%s → %s', (_, reports, action, reasons) => {
      const o = reReview(
        input({
          visits: visits(...reports),
          authorization: { visitsAuthorized: 12, visitsUsed: reports.length, validTo: '2027-01-30' },
        }),
      );
      expect(summary(o)).toEqual({ action, reasons });
    });
  });

  describe('Medicare: a progress measure at least every 10 visits', () => {
    const medicare = (reports: MeasureReport[][]) =>
      reReview(
        input({
          basis: 'MEDICARE',
          lineOfBusiness: 'medicare',
          visits: visits(...reports),
          authorization: { visitsAuthorized: 30, visitsUsed: reports.length, validTo: '2027-02-20' },
        }),
      );
    const gap = (n: number) => Array.from({ length: n }, () => none);
    it.each<[string, MeasureReport[][], string, string[]]>([
      ['measured at 2, 9 visits without → fine', [none, odi(30), ...gap(9)], 'CONTINUE', []],
      [
        'measured at 2, 10 visits without → review',
        [none, odi(30), ...gap(10)],
        'REVIEW',
        ['PROGRESS_NOT_DOCUMENTED'],
      ],
      ['measured at 2, 11 visits without → not again', [none, odi(30), ...gap(11)], 'CONTINUE', []],
      [
        'measured at 2, 20 visits without → again',
        [none, odi(30), ...gap(20)],
        'REVIEW',
        ['PROGRESS_NOT_DOCUMENTED'],
      ],
      ['never measured, visit 10 → review', gap(10), 'REVIEW', ['PROGRESS_NOT_DOCUMENTED']],
      ['never measured, visit 9 → fine (4 and 8 were the checks)', gap(9), 'CONTINUE', []],
    ])('%s', (_, reports, action, reasons) => {
      expect(summary(medicare(reports))).toEqual({ action, reasons });
    });
    it('commercial members have no 10-visit rule once a measure was reported', () => {
      const o = reReview(
        input({
          visits: visits(none, odi(30), ...gap(10)),
          authorization: { visitsAuthorized: 20, visitsUsed: 12, validTo: '2027-02-20' },
        }),
      );
      expect(o.action).toBe('CONTINUE');
    });
  });

  describe('goals', () => {
    const two = [
      { instrument: 'ODI' as const, score: 42, goal: 20 },
      { instrument: 'PSFS' as const, score: 3, goal: 7 },
    ];
    it.each<[string, Partial<ReReviewInput>, string]>([
      [
        'all goals reached → COMPLETE',
        { baselineMeasures: two, visits: visits([{ instrument: 'PSFS', score: 7 }], odi(19)) },
        'COMPLETE',
      ],
      ['one goal not reached → not complete', { baselineMeasures: two, visits: visits(odi(19)) }, 'CONTINUE'],
      ['the latest score counts: reached then lost', { visits: visits(odi(19), odi(25)) }, 'CONTINUE'],
      [
        'a measure without a goal does not block completion',
        {
          baselineMeasures: [
            { instrument: 'ODI', score: 42, goal: 20 },
            { instrument: 'NPRS', score: 7 },
          ],
          visits: visits(odi(20)),
        },
        'COMPLETE',
      ],
      [
        'no goals at all → never COMPLETE',
        { baselineMeasures: [{ instrument: 'ODI', score: 42 }], visits: visits(odi(0)) },
        'CONTINUE',
      ],
      [
        'a baseline already at goal but never re-measured → not complete',
        { baselineMeasures: [{ instrument: 'ODI', score: 15, goal: 20 }], visits: visits(none) },
        'CONTINUE',
      ],
      [
        'a secondary goal reached while the primary plateaus → COMPLETE wins over review',
        {
          baselineMeasures: [{ instrument: 'NPRS', score: 7, goal: 3 }],
          visits: visits(none, none, none, [{ instrument: 'NPRS', score: 3 }]),
        },
        'COMPLETE',
      ],
      [
        'Medicare goals reached → COMPLETE',
        { basis: 'MEDICARE', lineOfBusiness: 'medicare', visits: visits(odi(20)) },
        'COMPLETE',
      ],
    ])('%s', (_, overrides, action) => {
      expect(reReview(input(overrides)).action).toBe(action);
    });
    it('COMPLETE lists each goal and its latest score', () => {
      const o = reReview(input({ visits: visits(odi(30), odi(18)) }));
      expect(o).toMatchObject({
        action: 'COMPLETE',
        goals: [{ instrument: 'ODI', goal: 20, latest: 18, reached: true }],
      });
      expect(AUTHORIZATION_STATUS_AFTER[o.action]).toBe('COMPLETED');
    });
  });

  describe('when the authorized visits run out', () => {
    const lastVisit = (overrides: Partial<ReReviewInput> = {}) =>
      input({
        visits: visits(odi(38), odi(36), odi(33), odi(30)),
        authorization: { visitsAuthorized: 4, visitsUsed: 4, validTo: '2027-01-30' },
        ...overrides,
      });
    it.each<[string, Partial<ReReviewInput>, object]>([
      [
        'extend by the extension block and 30 days',
        {},
        { action: 'EXTEND', reasons: [], extension: { visits: 4, validTo: '2027-03-01' } },
      ],
      [
        'extension capped by the yearly limit',
        { visitsLeftThisYear: 2 },
        { action: 'EXTEND', extension: { visits: 2, validTo: '2027-03-01' } },
      ],
      [
        'nothing left this year → EXHAUST',
        { visitsLeftThisYear: 0 },
        { action: 'EXHAUST', reasons: ['BENEFIT_EXHAUSTED'] },
      ],
      [
        'comfort care still extends',
        { basis: 'B', visits: visits(odi(42), odi(42), odi(42), odi(42)) },
        { action: 'EXTEND', extension: { visits: 4 } },
      ],
      [
        'comfort care still exhausts',
        { basis: 'B', visitsLeftThisYear: 0 },
        { action: 'EXHAUST', reasons: ['BENEFIT_EXHAUSTED'] },
      ],
      [
        'visitsUsed over the authorization is still out of visits',
        { authorization: { visitsAuthorized: 4, visitsUsed: 5, validTo: '2027-01-30' } },
        { action: 'EXTEND' },
      ],
      [
        'Medicare: not past the plan of care',
        { basis: 'MEDICARE', lineOfBusiness: 'medicare', medicarePlanOfCareEnds: '2027-02-18' },
        { action: 'EXTEND', extension: { visits: 4, validTo: '2027-02-18' } },
      ],
      [
        'Medicare: plan of care further out than 30 days → 30 days',
        { basis: 'MEDICARE', lineOfBusiness: 'medicare', medicarePlanOfCareEnds: '2027-06-01' },
        { action: 'EXTEND', extension: { visits: 4, validTo: '2027-03-01' } },
      ],
      [
        'Medicare: plan of care already ended → review for a new plan of care',
        { basis: 'MEDICARE', lineOfBusiness: 'medicare', medicarePlanOfCareEnds: '2026-12-04' },
        { action: 'REVIEW', recommendation: 'STOP', reasons: ['PLAN_OF_CARE_REQUIRED'] },
      ],
      [
        'Medicare: benefit gone comes before the plan of care',
        {
          basis: 'MEDICARE',
          lineOfBusiness: 'medicare',
          medicarePlanOfCareEnds: '2026-12-01',
          visitsLeftThisYear: 0,
        },
        { action: 'EXHAUST', reasons: ['BENEFIT_EXHAUSTED'] },
      ],
    ])('%s', (_, overrides, expected) => {
      expect(reReview(lastVisit(overrides))).toMatchObject(expected);
    });

    it('a plateau review comes before the extension', () => {
      const o = reReview(lastVisit({ visits: visits(odi(40), odi(40), odi(40), odi(40)) }));
      expect(summary(o)).toEqual({ action: 'REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'] });
    });

    it('goals reached on the last visit complete rather than extend', () => {
      expect(reReview(lastVisit({ visits: visits(odi(38), odi(30), odi(25), odi(20)) })).action).toBe(
        'COMPLETE',
      );
    });

    it('statuses after each action', () => {
      expect(AUTHORIZATION_STATUS_AFTER.EXTEND).toBe('ACTIVE');
      expect(AUTHORIZATION_STATUS_AFTER.EXHAUST).toBe('EXHAUSTED');
      expect(AUTHORIZATION_STATUS_AFTER.CONTINUE).toBe('ACTIVE');
    });
  });

  it('every outcome explains itself in words', () => {
    for (const overrides of [
      {},
      { visits: visits(odi(20)) },
      { visits: visits(none, none, none, odi(40)) },
      { visits: visits(none, none, none, none) },
      { authorization: { visitsAuthorized: 1, visitsUsed: 1, validTo: '2027-01-30' } },
      { authorization: { visitsAuthorized: 1, visitsUsed: 1, validTo: '2027-01-30' }, visitsLeftThisYear: 0 },
    ]) {
      expect(reReview(input(overrides)).explanation.length).toBeGreaterThan(20);
    }
  });

  it('refuses to run without the visit just recorded', () => {
    expect(() => reReview(input({ visits: [] }))).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { applyReReview, extendedValidTo, reviewerOf } from '../../shared/policy/outcomes.js';
import type { ReReviewOutcome } from '../../shared/progress.js';

const review: ReReviewOutcome = {
  action: 'REVIEW',
  recommendation: 'STOP',
  reasons: ['MEDICARE_MAINTENANCE_REVIEW'],
  explanation: 'plateau',
  visitNumber: 4,
};
const decision = (outcome: 'CONTINUE' | 'STOP', approvedVisits?: number) => ({
  reviewId: 'rv-visit-1',
  outcome,
  reasonCodes: [],
  reviewer: { id: 'rev-1', credential: 'PT' },
  decidedAt: '2027-01-10T00:00:00.000Z',
  ...(approvedVisits === undefined ? {} : { approvedVisits }),
});

describe('applying outcomes', () => {
  it('moves validTo by 30 days, capped by the Medicare plan of care, never backwards', () => {
    expect(extendedValidTo('2027-01-19')).toBe('2027-02-18');
    expect(extendedValidTo('2027-01-19', '2027-02-01')).toBe('2027-02-01');
    expect(extendedValidTo('2027-01-19', '2027-01-01')).toBe('2027-01-19');
  });

  it("a reviewer's CONTINUE follows the same validTo rule as an automatic extension, within the year's visits", () => {
    const patch = applyReReview({ validTo: '2027-01-19' }, review, decision('CONTINUE', 6), {
      visitsLeftThisYear: 4,
      planOfCareEnds: '2027-02-10',
    });
    expect(patch.authorization).toEqual({
      status: 'ACTIVE',
      reasons: ['REVIEWER_CONTINUED'],
      addVisits: 4,
      validTo: '2027-02-10',
    });
    expect(patch.history).toMatchObject({ event: 'REVIEWER_CONTINUE', actor: { role: 'reviewer' } });
  });

  it("a reviewer's STOP stops the authorization with REVIEWER_STOPPED", () => {
    const patch = applyReReview({ validTo: '2027-01-19' }, review, decision('STOP'));
    expect(patch.authorization).toEqual({ status: 'STOPPED', reasons: ['REVIEWER_STOPPED'], addVisits: 0 });
    expect(patch.reReview.decidedBy).toEqual({ id: 'rev-1', credential: 'PT' });
  });

  it('a reviewer without a credential may not decide (SPEC 7)', () => {
    expect(() => reviewerOf({ sub: 'r', roles: ['reviewer'] })).toThrow(/credential/);
    expect(reviewerOf({ sub: 'r', roles: ['reviewer'], credential: 'MD' })).toEqual({
      id: 'r',
      credential: 'MD',
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { ReferralRecord } from '../../shared/model.js';
import {
  applyAppealDecision,
  applyReReview,
  extendedValidTo,
  reviewerOf,
} from '../../shared/policy/outcomes.js';
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

  describe('an appeal decided (SPEC 11)', () => {
    const appeal = (subject: 'DETERMINATION' | 'AUTHORIZATION_STOP') => ({
      appealId: 'ap-1',
      subject,
      urgency: 'standard' as const,
      receivedAt: '2027-01-02T00:00:00.000Z',
      submittedBy: 'portal-user',
      note: 'please',
      appealedStatus: subject === 'DETERMINATION' ? 'DENIED' : 'STOPPED',
      appealedDecisionBy: { id: 'rev-0', credential: 'MD' },
      dueAt: '2027-02-01T00:00:00.000Z',
      reviewId: 'rv-ap-1',
      status: 'OPEN' as const,
    });
    const stopped = {
      referralId: 'r-1',
      status: 'APPROVED',
      reasons: ['CRITERIA_A_MET'],
      lines: [{ cpt: '97124', unitsPerVisit: 4, status: 'APPROVED', reasons: [], separatelyPayable: true }],
      authorization: {
        status: 'STOPPED',
        reasons: ['REVIEWER_STOPPED'],
        basis: 'A',
        visitsRequested: 6,
        visitsAuthorized: 6,
        visitsUsed: 6,
        validFrom: '2026-11-01',
        validTo: '2026-12-31',
        approvedCpts: ['97124'],
      },
      appeals: [appeal('AUTHORIZATION_STOP')],
      version: 7,
    } as unknown as ReferralRecord;
    const appealDecision = (outcome: 'OVERTURN' | 'UPHOLD', approvedVisits?: number) => ({
      ...decision('CONTINUE', approvedVisits),
      outcome,
      reviewer: { id: 'rev-2', credential: 'PT' },
    });
    const facts = { today: '2027-01-10', visitsLeft: 10, extensionBlock: 4 };

    it('OVERTURN of a stop reinstates it with one extension block and moves an ended validTo like an extension', () => {
      const before = structuredClone(stopped);
      const patch = applyAppealDecision(stopped, 'ap-1', appealDecision('OVERTURN'), {
        ...facts,
        planOfCareEnds: '2027-01-31',
      });
      expect(patch.referral.authorization).toMatchObject({
        status: 'ACTIVE',
        visitsAuthorized: 10,
        validTo: '2027-01-31',
        reasons: ['APPEAL_OVERTURNED'],
      });
      expect(patch.referral.appeals?.[0]).toMatchObject({ status: 'OVERTURNED', decidedBy: { id: 'rev-2' } });
      expect(patch.history).toMatchObject({ event: 'APPEAL_OVERTURNED', status: 'ACTIVE' });
      expect(patch.countApprovedAfterAppeal).toBe(false);
      expect(stopped).toEqual(before);
    });

    it("OVERTURN grants the reviewer's visits within the year's limit; UPHOLD keeps the stop", () => {
      const granted = applyAppealDecision(stopped, 'ap-1', appealDecision('OVERTURN', 8), {
        ...facts,
        visitsLeft: 3,
      });
      expect(granted.referral.authorization?.visitsAuthorized).toBe(9);
      expect(granted.referral.authorization?.validTo).toBe('2027-02-09');
      const upheld = applyAppealDecision(stopped, 'ap-1', appealDecision('UPHOLD'), facts);
      expect(upheld.referral.authorization).toMatchObject({ status: 'STOPPED', reasons: ['APPEAL_UPHELD'] });
      expect(upheld.referral.appeals?.[0]?.status).toBe('UPHELD');
    });

    it('OVERTURN of a denial approves every line with the authorization the policy grants and counts in the report', () => {
      const denied = {
        ...stopped,
        status: 'DENIED',
        reasons: ['REVIEWER_DENIED'],
        lines: [{ ...stopped.lines[0], status: 'DENIED', reasons: ['REVIEWER_DENIED'] }],
        authorization: undefined,
        appeals: [appeal('DETERMINATION')],
        reportYear: 2027,
      } as unknown as ReferralRecord;
      const patch = applyAppealDecision(denied, 'ap-1', appealDecision('OVERTURN'), {
        ...facts,
        authorization: {
          basis: 'A',
          visitsRequested: 6,
          visitsAuthorized: 6,
          validFrom: '2027-01-10',
          validTo: '2027-03-11',
        } as never,
      });
      expect(patch.referral).toMatchObject({
        status: 'APPROVED',
        reasons: ['APPEAL_OVERTURNED'],
        decidedBy: { id: 'rev-2', credential: 'PT' },
        authorization: { status: 'ACTIVE', visitsAuthorized: 6, approvedCpts: ['97124'] },
      });
      expect(patch.referral.lines[0]).toMatchObject({ status: 'APPROVED', reasons: ['APPEAL_OVERTURNED'] });
      expect(patch.countApprovedAfterAppeal).toBe(true);
      expect(denied.status).toBe('DENIED');
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, eventually, newMember, referral, settled, startApi, submit } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

/** Seconds from receipt to the first determination, as the view shows it right after. */
const seconds = (v: { receivedAt: string; decidedAt: string }) =>
  (Date.parse(v.decidedAt) - Date.parse(v.receivedAt)) / 1000;

async function decide(reviewId: string, body: unknown, user: 'reviewerMd' | 'reviewerPt' = 'reviewerMd') {
  const res = await api.call('POST', `/reviews/${reviewId}/decision`, { token: await api.token(user), body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('public report (SPEC 12)', () => {
  it(
    'reports the measures of the decisions made, per urgency, as JSON and CSV',
    { timeout: 90_000 },
    async () => {
      const year = new Date().getUTCFullYear();
      const admin = await api.token('admin');
      const empty = await api.call('GET', `/reports/prior-authorization?year=${year}`, { token: admin });
      expect(empty.status).toBe(200);
      expect(empty.body.standard.requestsDecided).toBe(0);

      const standardTimes: number[] = [];
      const expeditedTimes: number[] = [];
      // Standard: two approved by the rules.
      for (let i = 0; i < 2; i++) {
        const v = await settled(
          api,
          await submit(api, referral({ memberId: await newMember(api) })),
          'APPROVED',
        );
        standardTimes.push(seconds(v));
      }
      // Standard: denied by a reviewer, then overturned on appeal (counts as approved after appeal).
      const deniedId = await submit(
        api,
        referral({ memberId: await newMember(api) }, { expectedImprovement: { withinWeeks: 13 } }),
      );
      const pended = await settled(api, deniedId, 'PENDING_REVIEW');
      await decide(pended.reviews[0].reviewId, { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'], note: 'no' });
      standardTimes.push(seconds(await settled(api, deniedId, 'DENIED')));
      const filed = await api.call('POST', `/referrals/${deniedId}/appeals`, {
        token: await api.token('portal'),
        body: { urgency: 'standard', note: 'please reconsider' },
      });
      expect(filed.status).toBe(202);
      const appealReview = await eventually(async () => {
        const v = await settled(api, deniedId);
        return v.reviews.find((r: { kind: string }) => r.kind === 'APPEAL');
      });
      await decide(appealReview.reviewId, { outcome: 'OVERTURN' }, 'reviewerPt');
      await settled(api, deniedId, 'APPROVED');
      // Standard: asked for information, then approved by the rules (an extended decision time).
      const askedId = await submit(
        api,
        referral({ memberId: await newMember(api) }, { expectedImprovement: { withinWeeks: 13 } }),
      );
      const asked = await settled(api, askedId, 'PENDING_REVIEW');
      await decide(asked.reviews[0].reviewId, {
        outcome: 'REQUEST_INFORMATION',
        requested: [{ code: 'CLINICAL_NOTES', text: 'expected improvement time' }],
      });
      await settled(api, askedId, 'PENDING_INFORMATION');
      const answer = await api.call('POST', `/referrals/${askedId}/information`, {
        token: await api.token('portal'),
        body: { clinical: { expectedImprovement: { withinWeeks: 8 } } },
      });
      expect(answer.status).toBe(202);
      standardTimes.push(seconds(await settled(api, askedId, 'APPROVED')));
      // Expedited: one approved by the rules, one denied (unknown member).
      expeditedTimes.push(
        seconds(
          await settled(
            api,
            await submit(api, referral({ memberId: await newMember(api), urgency: 'expedited' })),
            'APPROVED',
          ),
        ),
      );
      expeditedTimes.push(
        seconds(
          await settled(
            api,
            await submit(api, referral({ memberId: 'M-NOBODY', urgency: 'expedited' })),
            'DENIED',
          ),
        ),
      );

      const report = await eventually(async () => {
        const r = await api.call('GET', `/reports/prior-authorization?year=${year}`, { token: admin });
        return r.body.standard.percentApprovedAfterAppeal ? r.body : undefined;
      });
      const hours = (xs: number[]) =>
        Math.round((xs.reduce((a, b) => a + b, 0) / xs.length / 3600) * 100) / 100;
      expect(report.standard).toMatchObject({
        requestsDecided: 4,
        percentApproved: 75,
        percentDenied: 25,
        percentApprovedAfterAppeal: 25,
        percentApprovedAfterExtendedDecisionTime: 25,
        averageHoursToDecision: hours(standardTimes),
      });
      expect(report.expedited).toMatchObject({
        requestsDecided: 2,
        percentApproved: 50,
        percentDenied: 50,
        percentApprovedAfterAppeal: 0,
        percentApprovedAfterExtendedDecisionTime: 0,
        averageHoursToDecision: hours(expeditedTimes),
      });
      // The median lies within a factor √2 of the true one (the histogram's resolution).
      const sorted = [...standardTimes].sort((a, b) => a - b);
      const trueMedian = ((sorted[1] ?? 0) + (sorted[2] ?? 0)) / 2 / 3600;
      expect(report.standard.medianHoursToDecision).toBeLessThanOrEqual(
        Math.max(...standardTimes) / 3600 + 0.01,
      );
      expect(report.standard.medianHoursToDecision).toBeGreaterThanOrEqual(0);
      expect(Math.abs(report.standard.medianHoursToDecision - trueMedian)).toBeLessThanOrEqual(
        Math.max(trueMedian * (Math.SQRT2 - 1), 0.01),
      );
      expect(report.itemsAndServices.map((i: { code: string }) => i.code).sort()).toEqual([
        '97010',
        '97124',
        '97140',
      ]);

      const csv = await api.call('GET', `/reports/prior-authorization?year=${year}`, {
        token: admin,
        headers: { accept: 'text/csv' },
      });
      expect(csv.status).toBe(200);
      expect(csv.body).toContain('section,key,label,standard,expedited');
      expect(csv.body).toContain('measure,requestsDecided,Requests decided,4,2');
      expect(csv.body).toContain('measure,percentApprovedAfterAppeal,Percent approved after appeal,25,0');

      // Admins only; a year is four digits.
      expect(
        (
          await api.call('GET', `/reports/prior-authorization?year=${year}`, {
            token: await api.token('portal'),
          })
        ).status,
      ).toBe(403);
      const bad = await api.call('GET', '/reports/prior-authorization?year=20x6', { token: admin });
      expect(bad.status).toBe(422);
      expect(bad.body.error.details[0].field).toBe('year');
      const other = await api.call('GET', `/reports/prior-authorization?year=${year - 1}`, { token: admin });
      expect(other.body.standard.requestsDecided).toBe(0);
    },
  );
});

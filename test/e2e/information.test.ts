import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, eventually, newMember, referral, settled, startApi, submit } from './helpers.js';

// Step Functions time runs 200,000× faster: the 14-day wait for an answer lasts about 6 s, a
// standard review's 72 h about 1.3 s (escalation does not stop a reviewer deciding).
const TIME_SCALE = 1 / 200_000;

let api: Api;
beforeAll(async () => {
  api = await startApi({ timeScale: TIME_SCALE });
});
afterAll(async () => api?.stop());

const REQUESTED = [
  { code: 'CLINICAL_NOTES', text: 'Send the notes that state the expected improvement time.' },
];

/** A referral the rules pend on A4 (improvement expected only within 13 weeks), its open review. */
async function pendedOnA4() {
  const memberId = await newMember(api);
  const referralId = await submit(api, referral({ memberId }, { expectedImprovement: { withinWeeks: 13 } }));
  const pending = await settled(api, referralId, 'PENDING_REVIEW');
  expect(pending.reasons).toContain('A4_NOT_MET');
  return { referralId, reviewId: pending.reviews[0].reviewId as string, pending };
}

async function requestInformation(reviewId: string) {
  return api.call('POST', `/reviews/${reviewId}/decision`, {
    token: await api.token('reviewerMd'),
    body: { outcome: 'REQUEST_INFORMATION', requested: REQUESTED },
  });
}

describe('asking the clinic for what is missing (SPEC 10)', () => {
  it(
    'pends for information, stops the clock, and approves by the rules when the answer meets the criteria',
    { timeout: 60_000 },
    async () => {
      const { referralId, reviewId } = await pendedOnA4();
      const asked = await requestInformation(reviewId);
      expect(asked.status).toBe(200);
      const waiting = await settled(api, referralId, 'PENDING_INFORMATION');
      expect(waiting.reasons).toEqual(['INFORMATION_REQUESTED']);
      expect(waiting.informationRequests).toEqual([
        expect.objectContaining({
          requested: REQUESTED,
          requestedBy: { id: 'rev-md-1', credential: 'MD' },
          status: 'OPEN',
          requestedAt: expect.any(String),
        }),
      ]);
      expect(waiting.history.map((h: { event: string }) => h.event)).toContain('INFORMATION_REQUESTED');
      // The review is no longer in the queue: the clinic has the next move.
      const queue = await api.call('GET', '/reviews?status=open', { token: await api.token('reviewerMd') });
      expect(queue.body.items.some((i: { referralId: string }) => i.referralId === referralId)).toBe(false);

      const portal = await api.token('portal');
      // Wrong shapes are 422 naming the field; another portal's referral is 404; neither changes anything.
      const bad = await api.call('POST', `/referrals/${referralId}/information`, {
        token: portal,
        body: { clinical: { expectedImprovement: { withinWeeks: 'six' } } },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain(
        'clinical.expectedImprovement.withinWeeks',
      );
      const other = await api.call('POST', `/referrals/${referralId}/information`, {
        token: await api.token('otherPortal'),
        body: { clinical: { expectedImprovement: { withinWeeks: 6 } } },
      });
      expect(other.status).toBe(404);
      expect((await settled(api, referralId)).status).toBe('PENDING_INFORMATION');

      const before = Date.now();
      const answered = await api.call('POST', `/referrals/${referralId}/information`, {
        token: portal,
        body: { clinical: { expectedImprovement: { withinWeeks: 6 } }, note: 'Updated plan attached.' },
      });
      expect(answered.status).toBe(202);
      expect(answered.body.changed).toEqual(['clinical.expectedImprovement']);
      // The clock restarts in full (72 h standard) from the answer.
      const due = Date.parse(answered.body.decisionDueAt) - before;
      expect(due).toBeGreaterThanOrEqual(72 * 3600 * 1000 - 1000);
      expect(due).toBeLessThan(72 * 3600 * 1000 + 10_000);

      const approved = await settled(api, referralId, 'APPROVED');
      expect(approved.decidedBy).toBe('system');
      expect(approved.reasons).toContain('CRITERIA_A_MET');
      expect(approved.criteria.find((c: { id: string }) => c.id === 'A4').met).toBe(true);
      expect(approved.authorization.status).toBe('ACTIVE');
      expect(approved.informationRequests[0]).toMatchObject({
        status: 'ANSWERED',
        note: 'Updated plan attached.',
        changes: [
          { field: 'clinical.expectedImprovement', before: { withinWeeks: 13 }, after: { withinWeeks: 6 } },
        ],
      });
      // Answered once: a second answer is refused.
      const again = await api.call('POST', `/referrals/${referralId}/information`, {
        token: portal,
        body: { note: 'again' },
      });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('INFORMATION_NOT_REQUESTED');
    },
  );

  it(
    'sends an answer that still misses the criteria back to a reviewer, with both versions',
    { timeout: 60_000 },
    async () => {
      const { referralId, reviewId } = await pendedOnA4();
      expect((await requestInformation(reviewId)).status).toBe(200);
      await settled(api, referralId, 'PENDING_INFORMATION');
      const answered = await api.call('POST', `/referrals/${referralId}/information`, {
        token: await api.token('portal'),
        body: { clinical: { expectedImprovement: { withinWeeks: 16 } } },
      });
      expect(answered.status).toBe(202);
      const pending = await eventually(
        async () => {
          const v = await settled(api, referralId);
          if (v.failure) throw new Error(JSON.stringify(v.failure));
          return v.status === 'PENDING_REVIEW' && v.reviews.length === 2 ? v : undefined;
        },
        20_000,
        'a second review',
      );
      expect(pending.reasons).toContain('A4_NOT_MET');
      const second = pending.reviews.find((r: { reviewId: string }) => r.reviewId !== reviewId);
      expect(second.status).toBe('OPEN');
      const reviewer = await api.token('reviewerMd');
      const detail = await api.call('GET', `/reviews/${second.reviewId}`, { token: reviewer });
      expect(detail.status).toBe(200);
      expect(detail.body.evidence.request.clinical.expectedImprovement).toEqual({ withinWeeks: 16 });
      expect(detail.body.information[0].previousRequest.clinical.expectedImprovement).toEqual({
        withinWeeks: 13,
      });
      expect(detail.body.information[0].changes).toEqual([
        { field: 'clinical.expectedImprovement', before: { withinWeeks: 13 }, after: { withinWeeks: 16 } },
      ]);
      // And the reviewer decides it as any other.
      const decided = await api.call('POST', `/reviews/${second.reviewId}/decision`, {
        token: reviewer,
        body: { outcome: 'APPROVE' },
      });
      expect(decided.status).toBe(200);
      expect((await settled(api, referralId, 'APPROVED')).decidedBy).toEqual({
        id: 'rev-md-1',
        credential: 'MD',
      });
    },
  );

  it(
    'returns the case to the queue flagged INFORMATION_NOT_RECEIVED when no answer comes in 14 days, and never denies',
    { timeout: 60_000 },
    async () => {
      const { referralId, reviewId } = await pendedOnA4();
      expect((await requestInformation(reviewId)).status).toBe(200);
      await settled(api, referralId, 'PENDING_INFORMATION');
      const reviewer = await api.token('reviewerMd');
      const item = await eventually(
        async () => {
          const queue = await api.call('GET', '/reviews?status=open', { token: reviewer });
          return queue.body.items.find(
            (i: { referralId: string; reasons: string[] }) =>
              i.referralId === referralId && i.reasons.includes('INFORMATION_NOT_RECEIVED'),
          );
        },
        30_000,
        'the flagged review',
      );
      expect(item.reviewId).not.toBe(reviewId);
      const view = await settled(api, referralId, 'PENDING_REVIEW');
      expect(view.decidedBy).toBeNull();
      expect(view.informationRequests[0].status).toBe('NOT_RECEIVED');
      expect(view.history.map((h: { event: string }) => h.event)).toContain('INFORMATION_NOT_RECEIVED');
      expect(view.history.some((h: { event: string }) => h.event === 'DETERMINED')).toBe(false);
      const detail = await api.call('GET', `/reviews/${item.reviewId}`, { token: reviewer });
      expect(detail.body.flags).toEqual(['INFORMATION_NOT_RECEIVED']);
      // A late answer is refused: the request has ended.
      const late = await api.call('POST', `/referrals/${referralId}/information`, {
        token: await api.token('portal'),
        body: { note: 'late' },
      });
      expect(late.status).toBe(409);
    },
  );

  it('refuses a REQUEST_INFORMATION without what is requested, naming the field', async () => {
    const { reviewId } = await pendedOnA4();
    const res = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: await api.token('reviewerMd'),
      body: { outcome: 'REQUEST_INFORMATION' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['requested']);
    const wrongCode = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: await api.token('reviewerMd'),
      body: { outcome: 'REQUEST_INFORMATION', requested: [{ code: 'XRAY', text: 'x' }] },
    });
    expect(wrongCode.status).toBe(422);
    expect(wrongCode.body.error.details.map((d: { field: string }) => d.field)).toEqual(['requested.0.code']);
  });
});

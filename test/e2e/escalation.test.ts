import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, eventually, referral, settled, startApi, submit } from './helpers.js';

// Step Functions time runs 50,000× faster here: an expedited review's 24 h clock lasts about 1.7 s,
// and the daily re-escalation about 1.7 s more. The due time shown stays the real one.
const TIME_SCALE = 1 / 50_000;

let api: Api;
beforeAll(async () => {
  api = await startApi({ timeScale: TIME_SCALE });
});
afterAll(async () => api?.stop());

describe('review deadlines', () => {
  it(
    'escalates a review past its due time, never decides it, and still takes a reviewer decision',
    { timeout: 60_000 },
    async () => {
      const referralId = await submit(
        api,
        referral({ urgency: 'expedited' }, { expectedImprovement: { withinWeeks: 13 } }),
      );
      const pending = await settled(api, referralId, 'PENDING_REVIEW');
      expect(Date.parse(pending.decisionDueAt) - Date.parse(pending.receivedAt)).toBe(24 * 3600 * 1000);
      const reviewer = await api.token('reviewerMd');

      const item = await eventually(
        async () => {
          const queue = await api.call('GET', '/reviews?status=open', { token: reviewer });
          return queue.body.items.find(
            (i: { referralId: string; escalated: boolean }) => i.referralId === referralId && i.escalated,
          );
        },
        20_000,
        'the review to be escalated',
      );
      const view = await settled(api, referralId);
      expect(view.status).toBe('PENDING_REVIEW');
      expect(view.decidedBy).toBeNull();
      expect(view.history.some((h: { event: string }) => h.event === 'REVIEW_ESCALATED')).toBe(true);
      expect(view.reviews[0]).toMatchObject({
        escalated: true,
        status: 'OPEN',
        escalatedAt: expect.any(String),
      });

      // Still waiting after several more of its (scaled) days: escalation repeats, a decision never comes from the software.
      await new Promise((ok) => setTimeout(ok, 4_000));
      const later = await settled(api, referralId);
      expect(later.status).toBe('PENDING_REVIEW');
      expect(
        later.history.filter(
          (h: { event: string }) => h.event.startsWith('REVIEWER_') || h.event === 'DETERMINED',
        ),
      ).toEqual([]);

      const decided = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: reviewer,
        body: { outcome: 'APPROVE' },
      });
      expect(decided.status).toBe(200);
      const final = await settled(api, referralId, 'APPROVED');
      expect(final.decidedBy).toEqual({ id: 'rev-md-1', credential: 'MD' });
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  eventually,
  inDays,
  newMember,
  referral,
  settled,
  startApi,
  submit,
  visit,
} from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

/** A referral the rules pend (A4), denied by rev-md-1. */
async function deniedByMd() {
  const memberId = await newMember(api);
  const referralId = await submit(api, referral({ memberId }, { expectedImprovement: { withinWeeks: 13 } }));
  const pending = await settled(api, referralId, 'PENDING_REVIEW');
  const res = await api.call('POST', `/reviews/${pending.reviews[0].reviewId}/decision`, {
    token: await api.token('reviewerMd'),
    body: { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'], note: 'improvement not expected within 12 weeks' },
  });
  expect(res.status).toBe(200);
  await settled(api, referralId, 'DENIED');
  return referralId;
}

async function appeal(referralId: string, body: unknown, token?: string) {
  return api.call('POST', `/referrals/${referralId}/appeals`, {
    token: token ?? (await api.token('portal')),
    body,
  });
}

/** The open APPEAL review of a referral, from the queue. */
async function appealReview(referralId: string) {
  const reviewer = await api.token('reviewerPt');
  return eventually(
    async () => {
      const q = await api.call('GET', '/reviews?status=open', { token: reviewer });
      return q.body.items.find(
        (i: { referralId: string; kind: string }) => i.referralId === referralId && i.kind === 'APPEAL',
      ) as { reviewId: string; dueAt: string } | undefined;
    },
    15_000,
    'the appeal review',
  );
}

describe('appeals (SPEC 11)', () => {
  it(
    'a denial appealed is heard by another clinician: the first reviewer is refused, a second overturns',
    { timeout: 60_000 },
    async () => {
      const referralId = await deniedByMd();
      const before = Date.now();
      const filed = await appeal(referralId, {
        urgency: 'expedited',
        note: 'New notes show improvement expected within 6 weeks.',
        clinical: { expectedImprovement: { withinWeeks: 6 } },
      });
      expect(filed.status).toBe(202);
      expect(filed.body).toMatchObject({
        referralId,
        subject: 'DETERMINATION',
        status: 'OPEN',
        urgency: 'expedited',
      });
      const due = Date.parse(filed.body.dueAt) - before;
      expect(due).toBeGreaterThan(72 * 3600 * 1000 - 5000);
      expect(due).toBeLessThan(72 * 3600 * 1000 + 5000);

      // One open appeal per decision.
      const twice = await appeal(referralId, { urgency: 'standard', note: 'again' });
      expect(twice.status).toBe(409);
      expect(twice.body.error.code).toBe('APPEAL_ALREADY_OPEN');

      const item = await appealReview(referralId);
      const md = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: await api.token('reviewerMd'),
        body: { outcome: 'OVERTURN' },
      });
      expect(md.status).toBe(403);
      expect(md.body.error.code).toBe('APPEAL_REVIEWER_CONFLICT');
      // Refused: nothing changed, and the review is still open for someone else.
      const still = await settled(api, referralId);
      expect(still.status).toBe('DENIED');
      expect(still.appeals[0].status).toBe('OPEN');

      const detail = await api.call('GET', `/reviews/${item.reviewId}`, {
        token: await api.token('reviewerPt'),
      });
      expect(detail.body.allowedOutcomes).toEqual(['OVERTURN', 'UPHOLD']);
      expect(detail.body.appeal).toMatchObject({ appealedDecisionBy: { id: 'rev-md-1', credential: 'MD' } });
      expect(detail.body.appeal.previousRequest.clinical.expectedImprovement).toEqual({ withinWeeks: 13 });

      const pt = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: await api.token('reviewerPt'),
        body: { outcome: 'OVERTURN' },
      });
      expect(pt.status).toBe(200);
      const approved = await settled(api, referralId, 'APPROVED');
      expect(approved.reasons).toContain('APPEAL_OVERTURNED');
      expect(approved.decidedBy).toEqual({ id: 'rev-pt-1', credential: 'PT' });
      expect(approved.authorization).toMatchObject({ status: 'ACTIVE', visitsAuthorized: 6 });
      expect(approved.appeals[0]).toMatchObject({
        status: 'OVERTURNED',
        decidedBy: { id: 'rev-pt-1', credential: 'PT' },
      });
      expect(approved.history.map((h: { event: string }) => h.event)).toEqual(
        expect.arrayContaining(['APPEAL_FILED', 'APPEAL_REVIEW_OPENED', 'APPEAL_OVERTURNED']),
      );

      const notice = await api.call('GET', `/referrals/${referralId}/notice`, {
        token: await api.token('portal'),
      });
      expect(notice.body.status).toBe('APPROVED');
      expect(notice.body.appealOutcome).toMatchObject({ status: 'OVERTURNED', reviewerCredential: 'PT' });
      expect(notice.body.reasons.map((r: { code: string }) => r.code)).toContain('APPEAL_OVERTURNED');
    },
  );

  it(
    'an upheld appeal keeps the denial, needs a note and a reason, and points to external review',
    { timeout: 60_000 },
    async () => {
      const referralId = await deniedByMd();
      expect((await appeal(referralId, { urgency: 'standard', note: 'Please look again.' })).status).toBe(
        202,
      );
      const item = await appealReview(referralId);
      // Standard appeals are due in 30 days.
      const view = await settled(api, referralId);
      expect(Date.parse(item.dueAt) - Date.parse(view.appeals[0].receivedAt)).toBe(30 * 86_400_000);
      const pt = await api.token('reviewerPt');
      const bare = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: pt,
        body: { outcome: 'UPHOLD' },
      });
      expect(bare.status).toBe(422);
      expect(bare.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'note',
        'reasonCodes',
      ]);
      const upheld = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: pt,
        body: { outcome: 'UPHOLD', reasonCodes: ['A4_NOT_MET'], note: 'no new evidence of improvement' },
      });
      expect(upheld.status).toBe(200);
      const after = await eventually(async () => {
        const v = await settled(api, referralId);
        return v.appeals[0].status === 'UPHELD' ? v : undefined;
      });
      expect(after.status).toBe('DENIED');
      expect(after.reasons).toContain('APPEAL_UPHELD');
      const notice = await api.call('GET', `/referrals/${referralId}/notice`, {
        token: await api.token('portal'),
      });
      expect(notice.body.appealOutcome).toMatchObject({ status: 'UPHELD', reviewerCredential: 'PT' });
      expect(notice.body.appealOutcome.nextSteps).toMatch(/external review/);
      // The same decision, upheld, is not appealed internally again.
      const again = await appeal(referralId, { urgency: 'standard', note: 'again' });
      expect(again.status).toBe(409);
    },
  );

  it('a STOPPED authorization is reinstated on appeal', { timeout: 60_000 }, async () => {
    const memberId = await newMember(api);
    const referralId = await submit(api, referral({ memberId, startDate: inDays(-20) }));
    await settled(api, referralId, 'APPROVED');
    const portal = await api.token('portal');
    for (const [i, score] of [40, 39, 38, 37].entries()) {
      const v = visit(inDays(-19 + i), { outcomeMeasures: [{ instrument: 'ODI', score }] });
      expect(
        (await api.call('POST', `/referrals/${referralId}/visits`, { token: portal, body: v })).status,
      ).toBe(202);
      await eventually(async () => {
        const view = await settled(api, referralId);
        return view.visits.find((x: { visitId: string }) => x.visitId === v.visitId)?.reReview;
      });
    }
    const md = await api.token('reviewerMd');
    const continuation = await eventually(async () => {
      const q = await api.call('GET', '/reviews?status=open', { token: md });
      return q.body.items.find(
        (i: { referralId: string; kind: string }) => i.referralId === referralId && i.kind === 'CONTINUATION',
      );
    });
    const stop = await api.call('POST', `/reviews/${continuation.reviewId}/decision`, {
      token: md,
      body: { outcome: 'STOP', reasonCodes: ['NO_MEANINGFUL_PROGRESS'], note: 'plateaued' },
    });
    expect(stop.status).toBe(200);
    await eventually(async () =>
      (await settled(api, referralId)).authorization.status === 'STOPPED' ? true : undefined,
    );

    const filed = await appeal(referralId, {
      urgency: 'expedited',
      note: 'The plateau followed a flare; progress resumed.',
    });
    expect(filed.status).toBe(202);
    expect(filed.body.subject).toBe('AUTHORIZATION_STOP');
    const item = await appealReview(referralId);
    expect(
      (
        await api.call('POST', `/reviews/${item.reviewId}/decision`, {
          token: md,
          body: { outcome: 'OVERTURN' },
        })
      ).status,
    ).toBe(403);
    const pt = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
      token: await api.token('reviewerPt'),
      body: { outcome: 'OVERTURN', approvedVisits: 4 },
    });
    expect(pt.status).toBe(200);
    const reinstated = await eventually(async () => {
      const v = await settled(api, referralId);
      return v.authorization.status === 'ACTIVE' ? v : undefined;
    });
    expect(reinstated.authorization.reasons).toContain('APPEAL_OVERTURNED');
    expect(reinstated.authorization.visitsRemaining).toBe(6);
    // Visits may be recorded again.
    const next = visit(inDays(-10), { outcomeMeasures: [{ instrument: 'ODI', score: 30 }] });
    expect(
      (await api.call('POST', `/referrals/${referralId}/visits`, { token: portal, body: next })).status,
    ).toBe(202);
  });

  it('refuses appeals with nothing to appeal, on another portal, or with a wrong shape, changing nothing', async () => {
    const memberId = await newMember(api);
    const approved = await submit(api, referral({ memberId }));
    await settled(api, approved, 'APPROVED');
    const none = await appeal(approved, { urgency: 'standard', note: 'why not' });
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('NOT_APPEALABLE');

    const denied = await deniedByMd();
    const other = await appeal(denied, { urgency: 'standard', note: 'x' }, await api.token('otherPortal'));
    expect(other.status).toBe(404);
    const bad = await appeal(denied, { urgency: 'urgent', note: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['note', 'urgency']);
    const view = await settled(api, denied);
    expect(view.appeals).toEqual([]);
    expect(view.history.some((h: { event: string }) => h.event === 'APPEAL_FILED')).toBe(false);
  });
});

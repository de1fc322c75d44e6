import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, eventually, referral, settled, startApi, submit } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

/** Submits a referral that pends on A4 (improvement expected only after 13 weeks) and returns its open review. */
async function pended(overrides: Record<string, unknown> = {}) {
  const referralId = await submit(api, referral(overrides, { expectedImprovement: { withinWeeks: 13 } }));
  const view = await settled(api, referralId, 'PENDING_REVIEW');
  const reviewer = await api.token('reviewerMd');
  const item = await eventually(async () => {
    const queue = await api.call('GET', '/reviews?status=open', { token: reviewer });
    return queue.body.items.find((i: { referralId: string }) => i.referralId === referralId);
  });
  return { referralId, view, reviewId: item.reviewId as string, item };
}

const noToken = (body: unknown) => {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/taskToken|ltt1-/);
};

describe('clinical review', () => {
  it('pends with a recommendation, and a reviewer approval settles it', async () => {
    const { referralId, view, reviewId, item } = await pended();
    expect(view.reasons).toContain('A4_NOT_MET');
    expect(view.recommendation).toBe('DENY');
    expect(item).toMatchObject({
      kind: 'INITIAL',
      recommendation: 'DENY',
      reasons: expect.arrayContaining(['A4_NOT_MET']),
    });

    const reviewer = await api.token('reviewerMd');
    const detail = await api.call('GET', `/reviews/${reviewId}`, { token: reviewer });
    expect(detail.status).toBe(200);
    expect(detail.body.allowedOutcomes).toEqual(['APPROVE', 'DENY', 'REQUEST_INFORMATION']);
    expect(detail.body.proposedAuthorization).toMatchObject({
      visitsAuthorized: 6,
      basis: 'A',
      approvedCpts: ['97124'],
    });
    expect(detail.body.evidence.referral.criteria.find((c: { id: string }) => c.id === 'A4').met).toBe(false);
    noToken(detail.body);

    const decided = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: reviewer,
      body: { outcome: 'APPROVE', note: 'chronic case' },
    });
    expect(decided.status).toBe(200);
    noToken(decided.body);
    const final = await settled(api, referralId, 'APPROVED');
    expect(final.decidedBy).toEqual({ id: 'rev-md-1', credential: 'MD' });
    expect(final.reasons).toContain('REVIEWER_APPROVED');
    expect(final.authorization.visitsAuthorized).toBe(6);
    expect(final.history.at(-1)).toMatchObject({
      event: 'REVIEWER_APPROVE',
      actor: { id: 'rev-md-1', credential: 'MD' },
    });
    noToken(final);
    const queue = await api.call('GET', '/reviews?status=open', { token: reviewer });
    expect(queue.body.items.some((i: { reviewId: string }) => i.reviewId === reviewId)).toBe(false);
  });

  it('refuses a denial without a note and reason, then records a reasoned denial with the notice', async () => {
    const { referralId, reviewId } = await pended();
    const reviewer = await api.token('reviewerPt');
    const bare = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: reviewer,
      body: { outcome: 'DENY' },
    });
    expect(bare.status).toBe(422);
    expect(bare.body.error.details.map((d: { field: string }) => d.field)).toEqual(['note', 'reasonCodes']);
    expect((await settled(api, referralId)).status).toBe('PENDING_REVIEW');

    const wrongKind = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: reviewer,
      body: { outcome: 'CONTINUE' },
    });
    expect(wrongKind.status).toBe(422);

    const deny = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: reviewer,
      body: {
        outcome: 'DENY',
        reasonCodes: ['A4_NOT_MET'],
        note: 'no improvement expected within a reasonable time',
      },
    });
    expect(deny.status).toBe(200);
    const final = await settled(api, referralId, 'DENIED');
    expect(final.reasons).toEqual(['A4_NOT_MET', 'REVIEWER_DENIED']);
    expect(final.decidedBy).toEqual({ id: 'rev-pt-1', credential: 'PT' });
    const notice = await api.call('GET', `/referrals/${referralId}/notice`, {
      token: await api.token('portal'),
    });
    expect(notice.body.reviewerCredential).toBe('PT');
    // A denial speaks as decided and carries the reviewer's note, not the pended promise of a review.
    expect(notice.body.reviewerNote).toBe('no improvement expected within a reasonable time');
    expect(JSON.stringify(notice.body.reasons)).not.toMatch(/will look at it/);
    expect(notice.body.appeal).toMatch(/appeal/i);
    expect(notice.body.reasons.map((r: { code: string }) => r.code)).toEqual([
      'A4_NOT_MET',
      'REVIEWER_DENIED',
    ]);
  });

  it('lets exactly one of two racing decisions win', async () => {
    const { referralId, reviewId } = await pended();
    const [a, b] = await Promise.all([
      api.call('POST', `/reviews/${reviewId}/decision`, {
        token: await api.token('reviewerMd'),
        body: { outcome: 'APPROVE' },
      }),
      api.call('POST', `/reviews/${reviewId}/decision`, {
        token: await api.token('reviewerPt'),
        body: { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'], note: 'racing' },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body).toMatchObject({ error: { code: 'REVIEW_ALREADY_DECIDED' } });
    await eventually(async () => (await settled(api, referralId)).status !== 'PENDING_REVIEW');
    const after = await settled(api, referralId);
    expect(['APPROVED', 'DENIED']).toContain(after.status);
    expect(after.history.filter((h: { event: string }) => h.event.startsWith('REVIEWER_'))).toHaveLength(1);
    const again = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: await api.token('reviewerMd'),
      body: { outcome: 'APPROVE' },
    });
    expect(again.status).toBe(409);
  });

  it('answers 409, not 500, when the workflow waiting for the review has gone', async () => {
    const { referralId, reviewId } = await pended();
    const authArn = api.stack.sfn
      .listExecutions(
        api.stack.model.stateMachines.find((s) => s.logicalId.startsWith('AuthorizationWorkflow'))!.arn,
      )
      .find((e) => e.name === referralId)!.executionArn;
    api.stack.sfn.stopExecution(authArn, 'Operator', 'stopped for the test');
    const res = await api.call('POST', `/reviews/${reviewId}/decision`, {
      token: await api.token('reviewerMd'),
      body: { outcome: 'APPROVE' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'REVIEW_NOT_AWAITING_DECISION' } });
    const queue = await api.call('GET', '/reviews?status=open', { token: await api.token('reviewerMd') });
    expect(queue.body.items.some((i: { reviewId: string }) => i.reviewId === reviewId)).toBe(true);
    expect((await settled(api, referralId)).status).toBe('PENDING_REVIEW');
  });

  it('keeps the review queue for reviewers only, sorted by due time', async () => {
    await pended({ urgency: 'expedited' });
    const queue = await api.call('GET', '/reviews?status=open', { token: await api.token('reviewerMd') });
    const due = queue.body.items.map((i: { dueAt: string }) => i.dueAt);
    expect(due).toEqual([...due].sort());
    noToken(queue.body);
    expect(
      (await api.call('GET', '/reviews?status=closed', { token: await api.token('reviewerMd') })).status,
    ).toBe(422);
    expect((await api.call('GET', '/reviews/rv-nope', { token: await api.token('reviewerMd') })).status).toBe(
      404,
    );
  });
});

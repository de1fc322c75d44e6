import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
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

/** An approved referral that started 20 days ago, so visits can be dated in the past. */
async function approved(overrides: Record<string, unknown> = {}, clinical: Record<string, unknown> = {}) {
  const memberId = (overrides.memberId as string | undefined) ?? (await newMember(api));
  const id = await submit(api, referral({ startDate: inDays(-20), ...overrides, memberId }, clinical));
  const view = await settled(api, id);
  expect(['APPROVED', 'PARTIALLY_APPROVED']).toContain(view.status);
  return id;
}

async function postVisit(referralId: string, body: unknown, token?: string) {
  return api.call('POST', `/referrals/${referralId}/visits`, {
    token: token ?? (await api.token('portal')),
    body,
  });
}

/** Records a visit and waits for its re-review to be recorded on it. */
async function visitAndReReview(referralId: string, body: { visitId: string }) {
  const res = await postVisit(referralId, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return eventually(
    async () => {
      const view = await settled(api, referralId);
      const v = view.visits.find((x: { visitId: string }) => x.visitId === body.visitId);
      return v?.reReview ? { view, visit: v } : undefined;
    },
    15_000,
    `re-review of ${body.visitId}`,
  );
}

const scores = (...s: number[]) => s.map((score, i) => ({ day: -19 + i, score }));

describe('visits and re-review', () => {
  it('bills units per code (commercial) and is idempotent by visitId', async () => {
    const id = await approved({}, { outcomeMeasures: [{ instrument: 'ODI', score: 42, goal: 20 }] });
    const body = visit(inDays(-19), {
      services: [{ cpt: '97124', minutes: 10, bodyRegion: 'lumbar', modifiers: [] }],
      sameDayProcedures: [{ code: '98940', bodyRegion: 'lumbar' }],
    });
    const first = await postVisit(id, body);
    expect(first.status).toBe(202);
    expect(first.body.billing).toEqual({
      method: 'PER_CODE',
      lines: [
        expect.objectContaining({
          cpt: '97124',
          minutes: 10,
          units: 1,
          separatelyPayable: false,
          edits: ['NCCI_MODIFIER_REQUIRED'],
        }),
      ],
    });
    const again = await postVisit(id, body);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const conflict = await postVisit(id, { ...body, notes: { techniques: ['petrissage'] } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: 'VISIT_ID_CONFLICT' } });
    const view = await eventually(async () => {
      const v = await settled(api, id);
      return v.visits[0]?.reReview ? v : undefined;
    });
    expect(view.authorization.visitsUsed).toBe(1);
    expect(view.visits).toHaveLength(1);
    expect(view.history.filter((h: { event: string }) => h.event.startsWith('RE_REVIEW_'))).toHaveLength(1);
  });

  it("applies the CMS 8-minute rule to a Medicare member's total time (SPEC example 24+23)", async () => {
    const id = await approved({
      memberId: await newMember(api, { lineOfBusiness: 'medicare' }),
      renderingProviderNpi: '1003000001',
      services: [
        { cpt: '97124', unitsPerVisit: 2 },
        { cpt: '97140', unitsPerVisit: 2 },
      ],
    });
    const res = await postVisit(
      id,
      visit(inDays(-19), {
        renderingProviderNpi: '1003000001',
        services: [
          { cpt: '97124', minutes: 24, bodyRegion: 'lumbar', modifiers: [] },
          { cpt: '97140', minutes: 23, bodyRegion: 'lumbar', modifiers: [] },
        ],
      }),
    );
    expect(res.status).toBe(202);
    expect(res.body.billing.method).toBe('CMS_8_MINUTE');
    expect(res.body.billing.lines.map((l: { units: number }) => l.units)).toEqual([2, 1]);
  });

  it("records a Medicare patient's visits posted back to back while their re-reviews write the authorization", async () => {
    const id = await approved(
      { memberId: await newMember(api, { lineOfBusiness: 'medicare' }), renderingProviderNpi: '1003000001' },
      { outcomeMeasures: [{ instrument: 'ODI', score: 42 }] },
    );
    const bodies = [0, 1, 2, 3, 4, 5].map((i) =>
      visit(inDays(-19 + i), {
        renderingProviderNpi: '1003000001',
        outcomeMeasures: [{ instrument: 'ODI', score: 37 - 5 * i }],
      }),
    );
    // Each POST is sent as soon as the previous one answered: the re-reviews run meanwhile.
    for (const body of bodies) {
      const res = await postVisit(id, body);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
    }
    const view = await eventually(
      async () => {
        const v = await settled(api, id);
        return v.visits.length === 6 && v.visits.every((x: { reReview?: unknown }) => x.reReview)
          ? v
          : undefined;
      },
      30_000,
      'six re-reviews',
    );
    expect(view.visits.map((v: { visitId: string }) => v.visitId)).toEqual(bodies.map((b) => b.visitId));
    expect(view.authorization.visitsUsed).toBe(6);
  });

  it('records two different visits posted at the same moment', async () => {
    const id = await approved();
    const bodies = [visit(inDays(-19)), visit(inDays(-18))];
    const answers = await Promise.all(bodies.map((b) => postVisit(id, b)));
    for (const res of answers) expect(res.status, JSON.stringify(res.body)).toBe(202);
    const view = await settled(api, id);
    expect(view.visits.map((v: { visitId: string }) => v.visitId).sort()).toEqual(
      bodies.map((b) => b.visitId).sort(),
    );
    expect(view.authorization.visitsUsed).toBe(2);
  });

  it('refuses visits outside the authorization and dated in the future', async () => {
    const denied = await settled(api, await submit(api, referral({ memberId: 'M-2002' })));
    const onDenied = await postVisit(denied.referralId, visit(inDays(-1)));
    expect(onDenied.status).toBe(409);
    expect(onDenied.body).toMatchObject({ error: { code: 'VISIT_NOT_AUTHORIZED' } });
    const id = await approved();
    expect((await postVisit(id, visit(inDays(1)))).status).toBe(422);
    const wrongCode = await postVisit(
      id,
      visit(inDays(-2), { services: [{ cpt: '97140', minutes: 20, bodyRegion: 'neck', modifiers: [] }] }),
    );
    expect(wrongCode.status).toBe(409);
    expect((await postVisit(id, visit(inDays(-1)), await api.token('otherPortal'))).status).toBe(404);
    const view = await settled(api, id);
    expect(view.authorization.visitsUsed).toBe(0);
  });

  it('plateau from visit 4 → continuation review → STOP → the next visit is refused', async () => {
    const id = await approved();
    let last: any;
    for (const { day, score } of scores(40, 39, 38, 37)) {
      last = await visitAndReReview(
        id,
        visit(inDays(day), { outcomeMeasures: [{ instrument: 'ODI', score }] }),
      );
    }
    expect(last.visit.reReview).toMatchObject({ action: 'REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'] });
    const reviewer = await api.token('reviewerMd');
    const item = await eventually(async () => {
      const q = await api.call('GET', '/reviews?status=open', { token: reviewer });
      return q.body.items.find(
        (i: { referralId: string; kind: string }) => i.referralId === id && i.kind === 'CONTINUATION',
      );
    });
    expect(item.recommendation).toBe('STOP');
    const view = await settled(api, id);
    expect(view.authorization.status).toBe('PENDING_REVIEW');
    const pendingVisit = await postVisit(id, visit(inDays(-14)));
    expect(pendingVisit.status).toBe(409);

    const detail = await api.call('GET', `/reviews/${item.reviewId}`, { token: reviewer });
    expect(detail.body.allowedOutcomes).toEqual(['CONTINUE', 'STOP']);
    expect(detail.body.progress).toMatchObject({
      instrument: 'ODI',
      baseline: 42,
      latest: 37,
      improvement: 5,
      mcid: 10,
      meaningful: false,
    });
    const stop = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
      token: reviewer,
      body: { outcome: 'STOP', reasonCodes: ['NO_MEANINGFUL_PROGRESS'], note: 'plateaued after four visits' },
    });
    expect(stop.status).toBe(200);
    const stopped = await eventually(async () => {
      const v = await settled(api, id);
      return v.authorization.status === 'STOPPED' ? v : undefined;
    });
    expect(stopped.authorization.reasons).toEqual(['NO_MEANINGFUL_PROGRESS', 'REVIEWER_STOPPED']);
    const refused = await postVisit(id, visit(inDays(-13)));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'VISIT_NOT_AUTHORIZED' } });
  });

  it('plateau → review → CONTINUE with more visits → ACTIVE again and the next visit is accepted', async () => {
    const id = await approved();
    for (const { day, score } of scores(40, 39, 38, 37)) {
      await visitAndReReview(id, visit(inDays(day), { outcomeMeasures: [{ instrument: 'ODI', score }] }));
    }
    const reviewer = await api.token('reviewerPt');
    const item = await eventually(async () => {
      const q = await api.call('GET', '/reviews?status=open', { token: reviewer });
      return q.body.items.find((i: { referralId: string }) => i.referralId === id);
    });
    const res = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
      token: reviewer,
      body: { outcome: 'CONTINUE', approvedVisits: 4, note: 'flare-up explains the plateau' },
    });
    expect(res.status).toBe(200);
    const continued = await eventually(async () => {
      const v = await settled(api, id);
      return v.authorization.status === 'ACTIVE' ? v : undefined;
    });
    expect(continued.authorization).toMatchObject({
      visitsAuthorized: 10,
      visitsUsed: 4,
      visitsRemaining: 6,
      reasons: ['REVIEWER_CONTINUED'],
    });
    expect(continued.visits[3].reReview).toMatchObject({
      action: 'CONTINUE',
      decidedBy: { id: 'rev-pt-1', credential: 'PT' },
    });
    expect((await postVisit(id, visit(inDays(-15)))).status).toBe(202);
  });

  it('goals achieved → COMPLETED → the next visit is refused', async () => {
    const id = await approved();
    let last: any;
    for (const { day, score } of scores(35, 28, 19)) {
      last = await visitAndReReview(
        id,
        visit(inDays(day), { outcomeMeasures: [{ instrument: 'ODI', score }] }),
      );
    }
    expect(last.view.authorization).toMatchObject({ status: 'COMPLETED', reasons: ['GOALS_ACHIEVED'] });
    expect((await postVisit(id, visit(inDays(-15)))).status).toBe(409);
  });

  it('extends by a block when the initial allotment is used and progress is meaningful', async () => {
    const id = await approved();
    let last: any;
    for (const { day, score } of scores(40, 35, 30, 28, 26, 25)) {
      last = await visitAndReReview(
        id,
        visit(inDays(day), { outcomeMeasures: [{ instrument: 'ODI', score }] }),
      );
    }
    expect(last.visit.reReview.action).toBe('EXTEND');
    expect(last.view.authorization).toMatchObject({
      status: 'ACTIVE',
      visitsAuthorized: 10,
      visitsUsed: 6,
      visitsRemaining: 4,
    });
    const elig = await api.call('GET', `/members/${last.view.memberId}/eligibility`, {
      token: await api.token('portal'),
    });
    expect(elig.body.massageTherapy).toMatchObject({ visitsUsed: 6, visitsRemaining: 14 });
  });

  it('re-reviews once when the same visit event arrives twice, and dead-letters an invalid event', async () => {
    const id = await approved({ memberId: await newMember(api, { lineOfBusiness: 'medicaid' }) });
    const body = visit(inDays(-19));
    const events = new EventBridgeClient({});
    const entry = {
      EventBusName: 'prior-auth',
      Source: 'prior-auth.visits',
      DetailType: 'VisitCompleted',
      Detail: JSON.stringify({ schemaVersion: '1', referralId: id, visit: body }),
    };
    // A clinic's own system publishes the visit straight onto the bus, twice.
    await events.send(new PutEventsCommand({ Entries: [entry, entry] }));
    await eventually(async () => {
      const v = await settled(api, id);
      return v.visits[0]?.reReview ? v : undefined;
    });
    await new Promise((ok) => setTimeout(ok, 500));
    const after = await settled(api, id);
    expect(after.visits).toHaveLength(1);
    expect(after.authorization.visitsUsed).toBe(1);
    expect(after.history.filter((h: { event: string }) => h.event.startsWith('RE_REVIEW_'))).toHaveLength(1);

    const before = await api.call('GET', '/_local/dead-letters');
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            ...entry,
            Detail: JSON.stringify({
              schemaVersion: '1',
              referralId: id,
              visit: { ...body, visitId: 'not-a-uuid' },
            }),
          },
        ],
      }),
    );
    const letters = await eventually(async () => {
      const res = await api.call('GET', '/_local/dead-letters');
      return res.body.items.length > before.body.items.length ? res.body.items : undefined;
    });
    expect(JSON.stringify(letters.at(-1))).toMatch(/ValidationError/);
    const unchanged = await settled(api, id);
    expect(unchanged.visits).toHaveLength(1);
    expect(unchanged.authorization.visitsUsed).toBe(1);
  });
});

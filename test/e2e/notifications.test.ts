import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../shared/notify/signing.js';
import { r4IssuesDeep } from '../fhir/validator.js';
import { type Api, eventually, referral, settled, startApi, submit } from './helpers.js';
import { startReceiver } from './receiver.js';

let api: Api;
// Backoff, visibility timeouts and workflow waits at 1/100: a 30 s retry takes 0.3 s.
beforeAll(async () => {
  api = await startApi({ timeScale: 0.01 });
});
afterAll(async () => api?.stop());

const portal = (portalId: string) => api.token({ role: 'portal', sub: `user-${portalId}`, portalId });

async function registerWebhook(portalId: string, url: string, events?: string[]) {
  const res = await api.call('PUT', `/portals/${portalId}/webhook`, {
    token: await portal(portalId),
    body: { url, ...(events ? { events } : {}) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.secret as string;
}

async function pendAndApprove(portalId: string) {
  const token = await portal(portalId);
  const referralId = await submit(api, referral({}, { expectedImprovement: { withinWeeks: 13 } }), token);
  await settled(api, referralId, 'PENDING_REVIEW');
  const reviewer = await api.token('reviewerMd');
  const item = await eventually(async () => {
    const queue = await api.call('GET', '/reviews?status=open', { token: reviewer });
    return queue.body.items.find((i: { referralId: string }) => i.referralId === referralId);
  });
  const decided = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
    token: reviewer,
    body: { outcome: 'APPROVE', note: 'chronic low back pain; longer course justified' },
  });
  expect(decided.status).toBe(200);
  return referralId;
}

describe('webhooks', () => {
  it('tells the portal once, signed, when a reviewer approves a pended referral', async () => {
    const receiver = await startReceiver();
    try {
      const secret = await registerWebhook('P-W1', receiver.url, ['referral.decided']);
      expect(secret).toMatch(/^whsec_/);
      const referralId = await pendAndApprove('P-W1');

      const delivery = await eventually(async () => receiver.received[0], 15_000, 'the webhook delivery');
      const event = JSON.parse(delivery.body);
      expect(event).toEqual({
        id: expect.stringMatching(/^evt-/),
        type: 'referral.decided',
        occurredAt: expect.any(String),
        referralId,
        status: 'APPROVED',
        reasons: expect.arrayContaining(['REVIEWER_APPROVED']),
      });
      const header = String(delivery.headers['x-signature']);
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(secret, header, delivery.body, Math.floor(Date.now() / 1000))).toEqual({
        ok: true,
      });
      expect(verifySignature('whsec_wrong', header, delivery.body, Math.floor(Date.now() / 1000)).ok).toBe(
        false,
      );
      // No PHI: the note, the diagnosis and the member are nowhere in what was sent.
      expect(delivery.body).not.toMatch(/chronic|M54|M-1001/);

      // Exactly one: the pending state announced nothing, the authorization event was not asked for.
      await new Promise((ok) => setTimeout(ok, 1500));
      expect(receiver.received).toHaveLength(1);

      const deliveries = await api.call('GET', '/portals/P-W1/deliveries', { token: await portal('P-W1') });
      expect(deliveries.status).toBe(200);
      expect(deliveries.body.items).toEqual([
        expect.objectContaining({
          eventId: event.id,
          type: 'referral.decided',
          referralId,
          endpoint: 'webhook',
          status: 'DELIVERED',
          attempts: [expect.objectContaining({ outcome: 'DELIVERED', result: '200' })],
        }),
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it('retries a failing receiver with backoff and delivers the same event id on the third try', async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 503 : 204));
    try {
      const secret = await registerWebhook('P-W2', receiver.url, ['referral.decided']);
      const referralId = await submit(api, referral(), await portal('P-W2'));
      await settled(api, referralId, 'APPROVED');

      await eventually(async () => receiver.received.length >= 3 || undefined, 20_000, 'three attempts');
      const [first, second, third] = receiver.received.map((r) => ({ ...r, event: JSON.parse(r.body) }));
      expect(new Set([first?.event.id, second?.event.id, third?.event.id]).size).toBe(1);
      // Each attempt is signed afresh and verifies.
      for (const r of [first, second, third]) {
        expect(
          verifySignature(
            secret,
            String(r?.headers['x-signature']),
            String(r?.body),
            Math.floor(Date.now() / 1000),
          ).ok,
        ).toBe(true);
      }
      // Backed off: 30 s then 60 s, scaled by 1/100.
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(250);
      expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(500);

      const view = await eventually(async () => {
        const res = await api.call('GET', '/portals/P-W2/deliveries', { token: await portal('P-W2') });
        const item = res.body.items.find((i: { referralId: string }) => i.referralId === referralId);
        return item?.status === 'DELIVERED' ? item : undefined;
      });
      expect(view.attempts.map((a: { result: string }) => a.result)).toEqual(['503', '503', '204']);
      await new Promise((ok) => setTimeout(ok, 1000));
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.stop();
    }
  });

  it('tells the portal of an appeal decided: appeal.decided beside the new determination', async () => {
    const receiver = await startReceiver();
    try {
      const secret = await registerWebhook('P-W4', receiver.url, ['referral.decided', 'appeal.decided']);
      const token = await portal('P-W4');
      const referralId = await submit(api, referral({}, { expectedImprovement: { withinWeeks: 13 } }), token);
      const pending = await settled(api, referralId, 'PENDING_REVIEW');
      const denied = await api.call('POST', `/reviews/${pending.reviews[0].reviewId}/decision`, {
        token: await api.token('reviewerMd'),
        body: { outcome: 'DENY', reasonCodes: ['A4_NOT_MET'], note: 'improvement not expected' },
      });
      expect(denied.status).toBe(200);
      await settled(api, referralId, 'DENIED');
      const filed = await api.call('POST', `/referrals/${referralId}/appeals`, {
        token,
        body: { urgency: 'expedited', note: 'new notes: she can now sit for an hour' },
      });
      expect(filed.status).toBe(202);
      const reviewer = await api.token('reviewerPt');
      const item = await eventually(async () => {
        const q = await api.call('GET', '/reviews?status=open', { token: reviewer });
        return q.body.items.find(
          (i: { referralId: string; kind: string }) => i.referralId === referralId && i.kind === 'APPEAL',
        );
      });
      const decided = await api.call('POST', `/reviews/${item.reviewId}/decision`, {
        token: reviewer,
        body: { outcome: 'OVERTURN' },
      });
      expect(decided.status).toBe(200);

      const events = () => receiver.received.map((r) => ({ ...r, event: JSON.parse(r.body) }));
      const appealEvent = await eventually(
        async () => events().find((r) => r.event.type === 'appeal.decided'),
        15_000,
        'the appeal.decided delivery',
      );
      expect(appealEvent.event).toEqual({
        id: expect.stringMatching(/^evt-/),
        type: 'appeal.decided',
        occurredAt: expect.any(String),
        referralId,
        status: 'OVERTURNED',
        reasons: expect.arrayContaining(['APPEAL_OVERTURNED']),
      });
      expect(
        verifySignature(
          secret,
          String(appealEvent.headers['x-signature']),
          appealEvent.body,
          Math.floor(Date.now() / 1000),
        ).ok,
      ).toBe(true);
      expect(appealEvent.body).not.toMatch(/sit for an hour|improvement not expected/);
      await eventually(
        async () =>
          events().some((r) => r.event.type === 'referral.decided' && r.event.status === 'APPROVED'),
        15_000,
        'the overturned determination',
      );
      await new Promise((ok) => setTimeout(ok, 1000));
      expect(
        events()
          .map((r) => `${r.event.type} ${r.event.status}`)
          .sort(),
      ).toEqual(['appeal.decided OVERTURNED', 'referral.decided APPROVED', 'referral.decided DENIED']);
    } finally {
      await receiver.stop();
    }
  });

  it('refuses plain http to a public host and a body that is not a webhook', async () => {
    const token = await portal('P-W3');
    const http = await api.call('PUT', '/portals/P-W3/webhook', {
      token,
      body: { url: 'http://clinic.example/hook' },
    });
    expect(http.status).toBe(422);
    expect(http.body.error.details[0].field).toBe('url');
    const privateNet = await api.call('PUT', '/portals/P-W3/webhook', {
      token,
      body: { url: 'https://10.0.0.8/hook' },
    });
    expect(privateNet.status).toBe(422);
    const other = await api.call('PUT', '/portals/P-W1/webhook', {
      token,
      body: { url: 'http://127.0.0.1:1/x' },
    });
    expect(other.status).toBe(403);
    const unknownEvent = await api.call('PUT', '/portals/P-W3/webhook', {
      token,
      body: { url: 'http://127.0.0.1:1/x', events: ['referral.eaten'] },
    });
    expect(unknownEvent.status).toBe(422);
  });
});

describe('FHIR Subscriptions (R4 Backport, PAS topic)', () => {
  const TOPIC = 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic';
  const subscription = (endpoint: string) => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'PAS updates',
    criteria: TOPIC,
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      _payload: {
        extension: [
          {
            url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content',
            valueCode: 'full-resource',
          },
        ],
      },
    },
  });

  it('handshakes, notifies with a history Bundle (status Parameters first), and stops once deleted', async () => {
    const receiver = await startReceiver();
    try {
      const token = await portal('P-S1');
      const created = await api.call('POST', '/fhir/Subscription', {
        token,
        body: subscription(receiver.url),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ resourceType: 'Subscription', status: 'active', criteria: TOPIC });
      const id = created.body.id as string;
      // The handshake reached the endpoint before the subscription turned active.
      const handshake = JSON.parse(receiver.received[0]?.body ?? '{}');
      expect(handshake.type).toBe('history');
      expect(handshake.entry[0].resource.parameter).toEqual(
        expect.arrayContaining([{ name: 'type', valueCode: 'handshake' }]),
      );
      expect((await api.call('GET', `/fhir/Subscription/${id}`, { token })).body.id).toBe(id);
      // Another portal does not see it.
      expect(
        (await api.call('GET', `/fhir/Subscription/${id}`, { token: await portal('P-S2') })).status,
      ).toBe(404);

      const referralId = await submit(api, referral(), token);
      await settled(api, referralId, 'APPROVED');
      const notification = await eventually(
        async () => receiver.received.find((r) => r.body.includes(referralId)),
        15_000,
        'the subscription notification',
      );
      expect(notification.headers['content-type']).toBe('application/fhir+json');
      const bundle = JSON.parse(notification.body);
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history' });
      const [status, ...rest] = bundle.entry.map((e: { resource: Record<string, unknown> }) => e.resource);
      expect(status.resourceType).toBe('Parameters');
      expect(status.parameter).toEqual(
        expect.arrayContaining([
          { name: 'subscription', valueReference: { reference: `Subscription/${id}` } },
          { name: 'topic', valueCanonical: TOPIC },
          { name: 'type', valueCode: 'event-notification' },
        ]),
      );
      // The PAS response itself (the builder $submit answers with), every resource valid R4.
      expect(r4IssuesDeep(bundle)).toEqual([]);
      expect(rest.map((r: { resourceType: string }) => r.resourceType)).toEqual([
        'ClaimResponse',
        'Patient',
        'Organization',
        'Practitioner',
      ]);
      expect(rest[0]).toMatchObject({
        resourceType: 'ClaimResponse',
        preAuthRef: referralId,
        outcome: 'complete',
        preAuthPeriod: { start: expect.any(String), end: expect.any(String) },
      });
      expect(JSON.stringify(rest[0].item)).toMatch(/"A[12]"/);
      // Ids and codes, not the diagnosis or the clinical findings the referral carries.
      expect(notification.body).not.toMatch(/M54|lumbar|sitting|spasm/);

      expect((await api.call('DELETE', `/fhir/Subscription/${id}`, { token })).status).toBe(204);
      expect((await api.call('GET', `/fhir/Subscription/${id}`, { token })).status).toBe(404);
      const before = receiver.received.length;
      const later = await submit(api, referral(), token);
      await settled(api, later, 'APPROVED');
      await new Promise((ok) => setTimeout(ok, 2000));
      expect(receiver.received.slice(before).filter((r) => r.body.includes(later))).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });

  it('answers a bad Subscription with an OperationOutcome', async () => {
    const token = await portal('P-S1');
    const wrongTopic = await api.call('POST', '/fhir/Subscription', {
      token,
      body: { ...subscription('http://127.0.0.1:1/x'), criteria: 'Patient?name=x' },
    });
    expect(wrongTopic.status).toBe(422);
    expect(wrongTopic.body.resourceType).toBe('OperationOutcome');
    expect(wrongTopic.body.issue[0].expression).toEqual(['Subscription.criteria']);
    const insecure = await api.call('POST', '/fhir/Subscription', {
      token,
      body: subscription('http://clinic.example/x'),
    });
    expect(insecure.status).toBe(422);
  });
});

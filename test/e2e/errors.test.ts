import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, referral, settled, startApi, submit } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

const shape = { error: { code: expect.any(String), message: expect.any(String) } };

describe('error answers (SPEC 4) change nothing', () => {
  it('401 without or with a bad token', async () => {
    const none = await api.call('GET', '/reviews?status=open');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject(shape);
    const bad = await api.call('GET', '/reviews?status=open', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
  });

  it('403 for a role the route does not serve', async () => {
    const res = await api.call('POST', '/referrals', {
      token: await api.token('reviewerMd'),
      body: referral(),
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const admin = await api.call('GET', '/reviews?status=open', { token: await api.token('portal') });
    expect(admin.status).toBe(403);
  });

  it("404 for another portal's referral, as if it did not exist", async () => {
    const id = await submit(api, referral());
    const other = await api.call('GET', `/referrals/${id}`, { token: await api.token('otherPortal') });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await api.call('GET', `/referrals/${id}`, { token: await api.token('portal') })).status).toBe(
      200,
    );
  });

  it('400 for malformed JSON and 413 for a body over 256 KiB', async () => {
    const portal = await api.token('portal');
    const malformed = await api.call('POST', '/referrals', {
      token: portal,
      raw: '{"memberId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: 'MALFORMED_JSON' } });
    const big = referral({}, { objectiveFindings: Array.from({ length: 600 }, () => 'x'.repeat(480)) });
    const tooLarge = await api.call('POST', '/referrals', { token: portal, body: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('422 names each bad field', async () => {
    const res = await api.call('POST', '/referrals', {
      token: await api.token('portal'),
      body: referral({ orderingProviderNpi: '1972000000', requestedVisits: 0 }, { purpose: 'spa' }),
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ['clinical.purpose', 'orderingProviderNpi', 'requestedVisits'].sort(),
    );
  });

  it('replays an idempotent resubmission and refuses a reused key with another body', async () => {
    const portal = await api.token('portal');
    const key = crypto.randomUUID();
    const body = referral();
    const first = await api.call('POST', '/referrals', {
      token: portal,
      body,
      headers: { 'idempotency-key': key },
    });
    const again = await api.call('POST', '/referrals', {
      token: portal,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const other = await api.call('POST', '/referrals', {
      token: portal,
      body: referral({ requestedVisits: 4 }),
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const view = await settled(api, first.body.referralId);
    expect(view.history.filter((h: { event: string }) => h.event === 'RECEIVED')).toHaveLength(1);
  });

  it('admin upserts validate the body and the NPI', async () => {
    const admin = await api.token('admin');
    const bad = await api.call('PUT', '/admin/providers/1234567890', {
      token: admin,
      body: {
        name: 'X',
        credentials: ['LMT'],
        licenseNumber: '1',
        licenseState: 'WA',
        licenseExpires: '2030-01-01',
        contracted: true,
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toBe('npi');
    const member = await api.call('PUT', '/admin/members/M-3001', {
      token: admin,
      body: {
        lineOfBusiness: 'commercial',
        coverage: { effectiveFrom: '2026-01-01' },
        massageTherapy: { covered: true, annualVisitLimit: 4 },
      },
    });
    expect(member.status).toBe(200);
    const elig = await api.call('GET', '/members/M-3001/eligibility', { token: await api.token('portal') });
    expect(elig.body.massageTherapy.visitsRemaining).toBe(4);
    expect(
      (await api.call('PUT', '/admin/members/M-3001', { token: await api.token('portal'), body: {} })).status,
    ).toBe(403);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, inDays, referral, settled, startApi, submit } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

describe('automatic determinations over HTTP', () => {
  it('approves a referral that meets criteria A, explained criterion by criterion', async () => {
    const id = await submit(api, referral());
    const view = await settled(api, id);
    expect(view.status).toBe('APPROVED');
    expect(view.reasons).toEqual(['CRITERIA_A_MET']);
    expect(view.decidedBy).toBe('system');
    expect(view.criteria.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining([
        'ELIGIBILITY',
        'PROVIDER',
        'CODES',
        'MEDICARE',
        'EXCLUSIONS',
        'CONTRAINDICATIONS',
        'B',
        'A1',
        'A2',
        'A3',
        'A4',
      ]),
    );
    expect(view.authorization).toMatchObject({
      status: 'ACTIVE',
      visitsRequested: 8,
      visitsAuthorized: 6,
      visitsUsed: 0,
      visitsRemaining: 6,
      validFrom: inDays(7),
      validTo: inDays(67),
    });
    expect(view.history.map((h: { event: string }) => h.event)).toEqual(['RECEIVED', 'DETERMINED']);
    expect(view.policyVersion).toBe('kpwa-massage-2023-03-07');

    const notice = await api.call('GET', `/referrals/${id}/notice`, { token: await api.token('portal') });
    expect(notice.status).toBe(200);
    expect(notice.body.headline).toMatch(/approved/i);
    expect(notice.body.reasons[0].policy.text).toMatch(/ALL of the following/);
    expect(notice.body.appeal).toBeNull();
  });

  it.each([
    ['M-2002', 'MEMBER_NOT_ELIGIBLE'],
    ['M-2001', 'BENEFIT_NOT_COVERED'],
    ['M-2003', 'BENEFIT_EXHAUSTED'],
    ['M-9999', 'MEMBER_NOT_ELIGIBLE'],
  ])('denies member %s administratively with %s', async (memberId, reason) => {
    const view = await settled(api, await submit(api, referral({ memberId })));
    expect(view.status).toBe('DENIED');
    expect(view.reasons).toContain(reason);
    expect(view.authorization).toBeNull();
  });

  it('denies a rendering provider whose licence has lapsed', async () => {
    const view = await settled(api, await submit(api, referral({ renderingProviderNpi: '1003000035' })));
    expect(view.status).toBe('DENIED');
    expect(view.reasons).toEqual(['PROVIDER_NOT_QUALIFIED']);
  });

  it('partially approves when one line is outside the published range', async () => {
    const body = referral({
      services: [
        { cpt: '97124', unitsPerVisit: 2 },
        { cpt: '99213', unitsPerVisit: 1 },
      ],
    });
    const view = await settled(api, await submit(api, body));
    expect(view.status).toBe('PARTIALLY_APPROVED');
    expect(view.lines).toEqual([
      expect.objectContaining({ cpt: '97124', status: 'APPROVED' }),
      expect.objectContaining({ cpt: '99213', status: 'DENIED', reasons: ['CODE_NOT_IN_RANGE'] }),
    ]);
    expect(view.authorization.approvedCpts).toEqual(['97124']);
  });

  it('caps the visits at what is left of the yearly limit', async () => {
    const view = await settled(api, await submit(api, referral({ memberId: 'M-2004' })));
    expect(view.status).toBe('PARTIALLY_APPROVED');
    expect(view.reasons).toContain('BENEFIT_LIMIT_APPLIED');
    expect(view.authorization.visitsAuthorized).toBe(3);
  });

  it('requires a physical therapist for Medicare members', async () => {
    const denied = await settled(api, await submit(api, referral({ memberId: 'M-1002' })));
    expect(denied.status).toBe('DENIED');
    expect(denied.reasons).toEqual(['MEDICARE_PT_REQUIRED']);

    const approved = await settled(
      api,
      await submit(
        api,
        referral({
          memberId: 'M-1002',
          renderingProviderNpi: '1003000001',
          services: [
            { cpt: '97124', unitsPerVisit: 2 },
            { cpt: '97010', unitsPerVisit: 1 },
          ],
        }),
      ),
    );
    expect(approved.status).toBe('APPROVED');
    expect(approved.reasons).toContain('MEDICARE_CRITERIA_MET');
    expect(approved.lines.find((l: { cpt: string }) => l.cpt === '97010').separatelyPayable).toBe(false);
  });

  it('answers the pre-authorization code check and the eligibility inquiry', async () => {
    const portal = await api.token('portal');
    const code = await api.call('GET', '/codes/97010?lineOfBusiness=medicare', { token: portal });
    expect(code.body).toMatchObject({
      cpt: '97010',
      inPublishedRange: true,
      referralReason: 'Massage Therapy',
      authorizationRequired: true,
      separatelyPayable: false,
    });
    const em = await api.call('GET', '/codes/99213', { token: portal });
    expect(em.body).toMatchObject({ inPublishedRange: false, authorizationRequired: false });

    const elig = await api.call('GET', '/members/M-2004/eligibility', { token: portal });
    expect(elig.body).toMatchObject({
      eligible: true,
      lineOfBusiness: 'commercial',
      massageTherapy: { covered: true, annualVisitLimit: 10, visitsUsed: 7, visitsRemaining: 3 },
    });
  });
});

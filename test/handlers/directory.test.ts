import './env.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { member, provider, RENDERING_NPI } from '../fixtures.js';
import { answer, apiEvent, CLAIMS, type Claims, errorOf, TABLE, useAwsMocks, writeCalls } from './support.js';

const { ddb } = useAwsMocks();
const admin = (await import('../../functions/api-admin/index.js')).handler;
const codes = (await import('../../functions/api-codes/index.js')).handler;

function putMember(memberId: string, body: unknown, claims: Claims = CLAIMS.admin) {
  return admin(
    apiEvent('PUT', { resource: '/admin/members/{memberId}', params: { memberId }, body, claims }),
  ).then(answer);
}

describe('PUT /admin/members/{memberId}', () => {
  it('an admin upserts the member: 200 with the stored coverage, defaults applied', async () => {
    const body = {
      lineOfBusiness: 'medicare',
      coverage: { effectiveFrom: '2026-01-01' },
      massageTherapy: { covered: true, annualVisitLimit: 20 },
    };
    const res = await putMember('M-2002', body);
    expect(res.status).toBe(200);
    const expected = {
      ...body,
      massageTherapy: { covered: true, annualVisitLimit: 20, initialVisitAllotment: 6, extensionBlock: 4 },
      priorVisitsThisYear: 0,
    };
    expect(res.body).toEqual({ memberId: 'M-2002', ...expected });

    const puts = ddb.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      Item: { PK: 'MEMBER#M-2002', SK: 'PROFILE', ...expected },
    });
  });

  it.each([
    ['a portal user', CLAIMS.portal],
    ['a reviewer', CLAIMS.reviewer],
  ])('%s is 403 and nothing is written', async (_who, claims) => {
    const res = await putMember('M-2002', member(), claims);
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('FORBIDDEN');
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('a bad body is 422 naming each field, and nothing is written', async () => {
    const res = await putMember('M-2002', {
      lineOfBusiness: 'tricare',
      coverage: { effectiveFrom: '2026-02-30' },
      massageTherapy: { covered: 'yes', annualVisitLimit: 12 },
    });
    expect(res.status).toBe(422);
    expect(
      errorOf(res)
        .details?.map((d) => d.field)
        .sort(),
    ).toEqual(['coverage.effectiveFrom', 'lineOfBusiness', 'massageTherapy.covered']);
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('coverage ending before it starts is 422 on coverage.effectiveTo', async () => {
    const res = await putMember(
      'M-2002',
      member({ coverage: { effectiveFrom: '2026-06-01', effectiveTo: '2026-05-31' } }),
    );
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(['coverage.effectiveTo']);
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('a member id that is not a plain identifier is 422 and nothing is written', async () => {
    const res = await putMember('M 1#PROFILE', member());
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(['memberId']);
    expect(writeCalls(ddb)).toHaveLength(0);
  });

  it('throttling is 503', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const res = await putMember('M-2002', member());
    expect(res.status).toBe(503);
  });
});

describe('PUT /admin/providers/{npi}', () => {
  const putProvider = (npi: string, body: unknown) =>
    admin(
      apiEvent('PUT', { resource: '/admin/providers/{npi}', params: { npi }, body, claims: CLAIMS.admin }),
    ).then(answer);

  it('stores a provider under a valid NPI', async () => {
    const res = await putProvider(RENDERING_NPI, provider());
    expect(res.status).toBe(200);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      PK: `PROVIDER#${RENDERING_NPI}`,
      credentials: ['LMT'],
    });
  });

  it('an NPI failing its check digit is 422 and nothing is written', async () => {
    const res = await putProvider('1234567890', provider());
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(['npi']);
    expect(writeCalls(ddb)).toHaveLength(0);
  });
});

describe('GET /codes/{cpt}', () => {
  const check = (cpt: string, query?: Record<string, string>, claims: Claims | null = CLAIMS.portal) =>
    codes(apiEvent('GET', { resource: '/codes/{cpt}', params: { cpt }, query, claims })).then(answer);

  it('97124 is in the published range and needs a prior authorization', async () => {
    const res = await check('97124');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cpt: '97124',
      inPublishedRange: true,
      referralReason: 'Massage Therapy',
      authorizationRequired: true,
      description: expect.stringContaining('massage'),
    });
  });

  it('97010 for a Medicare member is in range but not separately payable', async () => {
    const res = await check('97010', { lineOfBusiness: 'medicare' });
    expect(res.body).toMatchObject({ inPublishedRange: true, separatelyPayable: false });
  });

  it('99213 (E&M) is not in the range and needs no massage authorization', async () => {
    const res = await check('99213');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cpt: '99213',
      inPublishedRange: false,
      authorizationRequired: false,
      referralReason: null,
      note: expect.stringContaining('E&M'),
    });
  });

  it.each([
    ['a malformed code', '9712', undefined, ['cpt']],
    ['an unknown line of business', '97124', { lineOfBusiness: 'tricare' }, ['lineOfBusiness']],
  ])('%s is 422', async (_case, cpt, query, fields) => {
    const res = await check(cpt, query);
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.field)).toEqual(fields);
  });

  it('any signed-in role may ask; without claims it is 401', async () => {
    for (const claims of [CLAIMS.portal, CLAIMS.reviewer, CLAIMS.admin]) {
      expect((await check('97124', undefined, claims)).status).toBe(200);
    }
    expect((await check('97124', undefined, null)).status).toBe(401);
  });
});

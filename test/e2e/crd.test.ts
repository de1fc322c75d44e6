import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COVERAGE_INFORMATION_URL, CRD_QUESTIONNAIRE_URL } from '../../shared/crd.js';
import { checked } from './contract.js';
import { type Api, startApi } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

const CPT = 'http://www.ama-assn.org/go/cpt';

function coverage(memberId: string) {
  return {
    resourceType: 'Coverage',
    id: 'cov-1',
    status: 'active',
    subscriberId: memberId,
    beneficiary: { reference: 'Patient/pat-1' },
    payor: [{ display: 'The plan' }],
  };
}

function serviceRequest(id: string, ...cpts: string[]) {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    code: { coding: cpts.map((code) => ({ system: CPT, code })) },
  };
}

function hookRequest(memberId: string, orders: unknown[], hook = 'order-sign') {
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: orders.map((resource) => ({ resource })),
  };
  return {
    hook,
    hookInstance: crypto.randomUUID(),
    context: {
      userId: 'Practitioner/pr-1',
      patientId: 'pat-1',
      ...(hook === 'appointment-book' ? { appointments: bundle } : { draftOrders: bundle }),
    },
    prefetch: {
      coverage: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: coverage(memberId) }] },
    },
  };
}

async function call(body: unknown, user: 'portal' | 'reviewerMd' = 'portal') {
  return api.call('POST', '/cds-services/massage-therapy-crd', { token: await api.token(user), body });
}

const subExtensions = (resource: { extension?: { url: string; extension: Record<string, unknown>[] }[] }) => {
  const ext = resource.extension?.find((e) => e.url === COVERAGE_INFORMATION_URL);
  return Object.fromEntries(
    (ext?.extension ?? []).map(({ url, ...value }) => [url, Object.values(value)[0]]),
  );
};

describe('coverage discovery (SPEC 13, CDS Hooks 2.0)', () => {
  it('discovery lists massage-therapy-crd on order-select, order-sign and appointment-book, without a token', async () => {
    const res = await api.call('GET', '/cds-services');
    expect(res.status).toBe(200);
    expect(res.body.services.map((s: { hook: string }) => s.hook)).toEqual([
      'order-select',
      'order-sign',
      'appointment-book',
    ]);
    for (const s of res.body.services) {
      expect(s.id).toBe('massage-therapy-crd');
      expect(s.prefetch.coverage).toContain('Coverage?patient={{context.patientId}}');
    }
  });

  it('order-sign for a covered member: a card that asks for prior authorization and the questionnaire, and the CRD extension on the order', async () => {
    const res = await call(hookRequest('M-1001', [serviceRequest('sr-1', '97124')]));
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0]).toMatchObject({
      summary: 'Prior authorization required for 97124; complete the massage-therapy questionnaire',
      indicator: 'warning',
      links: [{ url: CRD_QUESTIONNAIRE_URL, type: 'absolute' }],
    });
    expect(res.body.systemActions).toHaveLength(1);
    const action = res.body.systemActions[0];
    expect(action).toMatchObject({
      type: 'update',
      resource: { resourceType: 'ServiceRequest', id: 'sr-1' },
    });
    const info = subExtensions(action.resource);
    expect(info).toMatchObject({
      coverage: { reference: 'Coverage/cov-1' },
      covered: 'covered',
      'pa-needed': 'auth-needed',
      'doc-needed': 'clinical',
      questionnaire: CRD_QUESTIONNAIRE_URL,
    });
    expect(info['coverage-assertion-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a member whose benefit does not cover massage: not-covered and no pa-needed (CRD crd-ci-q2)', async () => {
    const res = await call(hookRequest('M-2001', [serviceRequest('sr-2', '97124')]));
    expect(res.status).toBe(200);
    expect(res.body.cards[0].summary).toBe('97124 not covered for member M-2001');
    const info = subExtensions(res.body.systemActions[0].resource);
    expect(info.covered).toBe('not-covered');
    expect(info).not.toHaveProperty('pa-needed');
    expect(info).not.toHaveProperty('questionnaire');
  });

  it('an unknown member or code gets an informative card, not an error', async () => {
    const unknownMember = await call(hookRequest('M-9999', [serviceRequest('sr-3', '97124')]));
    expect(unknownMember.status).toBe(200);
    expect(unknownMember.body.cards.map((c: { summary: string }) => c.summary)).toEqual([
      'Member M-9999 is not known to this plan',
    ]);
    expect(unknownMember.body.systemActions).toEqual([]);

    const otherCode = await call(hookRequest('M-1001', [serviceRequest('sr-4', '97110', '97124')]));
    expect(otherCode.status).toBe(200);
    const summaries = otherCode.body.cards.map((c: { summary: string }) => c.summary);
    expect(summaries).toContain('97110 is not a massage-therapy code this plan publishes');
    expect(summaries).toContain(
      'Prior authorization required for 97124; complete the massage-therapy questionnaire',
    );
  });

  it('appointment-book reads the Appointment\u2019s service type and extends the Appointment', async () => {
    const appointment = {
      resourceType: 'Appointment',
      id: 'ap-1',
      status: 'proposed',
      serviceType: [{ coding: [{ system: CPT, code: '97124' }] }],
      participant: [{ actor: { reference: 'Patient/pat-1' }, status: 'accepted' }],
    };
    const res = await call(hookRequest('M-1001', [appointment], 'appointment-book'));
    expect(res.status).toBe(200);
    expect(res.body.systemActions[0].resource.resourceType).toBe('Appointment');
    expect(subExtensions(res.body.systemActions[0].resource).covered).toBe('covered');
  });

  it('a malformed request is 400; no token 401; a reviewer token 403', async () => {
    const malformed = await call({ hook: 'order-sign', hookInstance: 'x' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.map((d: { field: string }) => d.field)).toContain('context');
    const noToken = await api.call('POST', '/cds-services/massage-therapy-crd', {
      body: hookRequest('M-1001', []),
    });
    expect(noToken.status).toBe(401);
    expect((await call(hookRequest('M-1001', []), 'reviewerMd')).status).toBe(403);
  });

  it('every answer above matched the OpenAPI document', () => {
    for (const key of [
      'GET /cds-services 200',
      'POST /cds-services/massage-therapy-crd 200',
      'POST /cds-services/massage-therapy-crd 400',
      'POST /cds-services/massage-therapy-crd 401',
      'POST /cds-services/massage-therapy-crd 403',
    ]) {
      expect(checked, key).toContain(key);
    }
  });
});

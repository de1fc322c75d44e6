import { describe, expect, it } from 'vitest';
import {
  CdsHookRequestSchema,
  COVERAGE_INFORMATION_URL,
  CRD_QUESTIONNAIRE_URL,
  type CrdDeps,
  coverageDiscovery,
  type MemberFinding,
  memberIdOf,
} from '../../shared/crd.js';

const CPT = 'http://www.ama-assn.org/go/cpt';
const M1001: MemberFinding = {
  found: true,
  memberId: 'M-1001',
  eligible: true,
  lineOfBusiness: 'commercial',
  covered: true,
  visitsRemaining: 20,
};

function deps(members: Record<string, MemberFinding> = { 'M-1001': M1001 }): CrdDeps & { asked: string[] } {
  let n = 0;
  const asked: string[] = [];
  return {
    asked,
    lookupMember: async (id) => {
      asked.push(id);
      return members[id] ?? { found: false, memberId: id };
    },
    newId: () => `id-${++n}`,
    today: () => '2026-12-01',
  };
}

const order = (id: string, code: string) => ({
  resourceType: 'ServiceRequest',
  id,
  code: { coding: [{ system: CPT, code }] },
  extension: [{ url: 'http://example.org/other', valueString: 'kept' }],
});

function request(extra: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return CdsHookRequestSchema.parse({
    hook: 'order-select',
    hookInstance: 'h-1',
    context: {
      userId: 'Practitioner/1',
      patientId: 'p-1',
      draftOrders: {
        resourceType: 'Bundle',
        entry: [{ resource: order('a', '97124') }, { resource: order('b', '97140') }],
      },
      ...context,
    },
    prefetch: { coverage: { resourceType: 'Coverage', id: 'c-1', subscriberId: 'M-1001' } },
    ...extra,
  });
}

describe('CRD (SPEC 13)', () => {
  it('reads the member id from subscriberId, else an MB identifier', () => {
    expect(memberIdOf({ resourceType: 'Coverage', subscriberId: ' M-1 ' })).toBe('M-1');
    const byIdentifier = {
      resourceType: 'Coverage',
      identifier: [
        { value: 'X', type: { coding: [{ code: 'SN' }] } },
        {
          value: 'M-2',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] },
        },
      ],
    };
    expect(memberIdOf(byIdentifier)).toBe('M-2');
    expect(memberIdOf({ resourceType: 'Coverage' })).toBeUndefined();
  });

  it('order-select answers only the selected orders, keeps their other extensions and adds one coverage-information each', async () => {
    const d = deps();
    const res = await coverageDiscovery(d, request({}, { selections: ['ServiceRequest/b'] }));
    expect(d.asked).toEqual(['M-1001']);
    expect(res.systemActions).toHaveLength(1);
    const resource = res.systemActions[0]?.resource as unknown as {
      id: string;
      extension: { url: string; extension?: unknown }[];
    };
    expect(resource.id).toBe('b');
    expect(resource.extension[0]).toEqual({ url: 'http://example.org/other', valueString: 'kept' });
    expect(resource.extension[1]).toEqual({
      url: COVERAGE_INFORMATION_URL,
      extension: [
        { url: 'coverage', valueReference: { reference: 'Coverage/c-1' } },
        { url: 'covered', valueCode: 'covered' },
        { url: 'pa-needed', valueCode: 'auth-needed' },
        { url: 'doc-needed', valueCode: 'clinical' },
        { url: 'questionnaire', valueCanonical: CRD_QUESTIONNAIRE_URL },
        { url: 'date', valueDate: '2026-12-01' },
        { url: 'coverage-assertion-id', valueString: 'id-2' },
      ],
    });
    expect(res.cards.map((c) => c.summary)).toEqual([
      'Prior authorization required for 97140; complete the massage-therapy questionnaire',
    ]);
  });

  it('a member whose coverage is not active today: not-covered, saying why', async () => {
    const res = await coverageDiscovery(deps({ 'M-1001': { ...M1001, eligible: false } }), request());
    expect(res.cards[0]?.detail).toBe("The member's coverage is not active today.");
    expect(res.systemActions).toHaveLength(2);
  });

  it('no Coverage sent: one card asking for it, nothing looked up, no action', async () => {
    const d = deps();
    const res = await coverageDiscovery(d, request({ prefetch: {} }));
    expect(d.asked).toEqual([]);
    expect(res.cards.map((c) => c.summary)).toEqual(['Coverage not checked: no member id was sent']);
    expect(res.systemActions).toEqual([]);
  });

  it('an order without a CPT code gets a card', async () => {
    const res = await coverageDiscovery(
      deps(),
      request(
        {},
        {
          draftOrders: {
            resourceType: 'Bundle',
            entry: [{ resource: { resourceType: 'ServiceRequest', id: 'x' } }],
          },
        },
      ),
    );
    expect(res.cards.map((c) => c.summary)).toEqual(['No CPT code on ServiceRequest/x']);
  });

  it('refuses a request whose hook lacks its context', () => {
    const bad = CdsHookRequestSchema.safeParse({
      hook: 'appointment-book',
      hookInstance: 'h',
      context: { userId: 'u', patientId: 'p', draftOrders: { resourceType: 'Bundle' } },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['context', 'appointments']);
  });
});

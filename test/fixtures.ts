/** Shared test data: the SPEC's example bodies, with a Luhn-valid ordering NPI (the SPEC's 1972000000 fails its own check). */
import type { Member, Provider } from '../shared/schemas.js';

export const TODAY = '2026-11-22';
export const RENDERING_NPI = '1234567893';
export const ORDERING_NPI = '1972000008';

export function referralBody(overrides: Record<string, unknown> = {}) {
  return {
    memberId: 'M-1001',
    renderingProviderNpi: RENDERING_NPI,
    orderingProviderNpi: ORDERING_NPI,
    urgency: 'standard',
    startDate: '2026-12-01',
    requestedVisits: 8,
    diagnoses: [{ code: 'M54.50' }],
    services: [{ cpt: '97124', unitsPerVisit: 2 }],
    clinical: {
      purpose: 'rehabilitation',
      objectiveFindings: ['lumbar flexion limited to 40 degrees'],
      functionalLimitations: ['cannot sit longer than 20 minutes'],
      therapeuticBenefit: 'reduce paraspinal spasm to restore sitting tolerance',
      expectedImprovement: { withinWeeks: 6 },
      terminalIllness: { terminal: false, comfortCare: false },
      contraindications: [] as string[],
      outcomeMeasures: [{ instrument: 'ODI', score: 42, goal: 20 }],
      planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn: '2026-11-20' },
    },
    ...overrides,
  };
}

export function visitBody(overrides: Record<string, unknown> = {}) {
  return {
    visitId: '3f6c1f0e-6a57-4d43-9a0c-2f1f4f0c9a11',
    date: '2026-11-21',
    renderingProviderNpi: RENDERING_NPI,
    services: [{ cpt: '97124', minutes: 30, bodyRegion: 'lumbar', modifiers: [] }],
    sameDayProcedures: [{ code: '98940', bodyRegion: 'cervical' }],
    outcomeMeasures: [{ instrument: 'ODI', score: 34 }],
    notes: { techniques: ['effleurage', 'petrissage'], response: 'tolerated well' },
    ...overrides,
  };
}

export function member(overrides: Partial<Member> = {}): Member {
  return {
    lineOfBusiness: 'commercial',
    coverage: { effectiveFrom: '2026-01-01' },
    massageTherapy: { covered: true, annualVisitLimit: 12, initialVisitAllotment: 6, extensionBlock: 4 },
    priorVisitsThisYear: 0,
    ...overrides,
  };
}

export function provider(overrides: Partial<Provider> = {}): Provider {
  return {
    name: 'Test Provider',
    credentials: ['LMT'],
    licenseNumber: 'MA60000001',
    licenseState: 'WA',
    licenseExpires: '2028-06-30',
    contracted: true,
    ...overrides,
  };
}

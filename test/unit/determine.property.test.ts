import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/dates.js';
import { npiCheckDigit } from '../../shared/npi.js';
import {
  ADMINISTRATIVE_DENIAL_REASONS,
  CRITERION_IDS,
  type DeterminationInput,
  determine,
} from '../../shared/policy/determine.js';
import {
  CONTRAINDICATIONS,
  type Contraindication,
  CREDENTIALS,
  type Credential,
  LINES_OF_BUSINESS,
  MemberSchema,
  ProviderSchema,
  PURPOSES,
  ReferralSchema,
} from '../../shared/schemas.js';
import { member, ORDERING_NPI, provider, RENDERING_NPI, referralBody } from '../fixtures.js';

const RUNS = { numRuns: 400 };

// ---------- arbitraries ----------
const npi = fc.oneof(
  fc.constantFrom(RENDERING_NPI, ORDERING_NPI),
  fc.stringMatching(/^\d{9}$/).map((n) => `${n}${npiCheckDigit(n)}`),
);
const date = fc.integer({ min: -400, max: 400 }).map((d) => addDays('2026-11-22', d));
const recentDate = fc.integer({ min: -120, max: 0 }).map((d) => addDays('2026-11-22', d));
const icd = fc.constantFrom(
  'M54.50',
  'M79.1',
  'S33.5XXA',
  'G89.29',
  'G44.1',
  'R52',
  'Z00.00',
  'T14.90',
  'M545',
);
/** Mostly valid values with the edge cases mixed in, so every branch is reached, not just the first denial. */
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: other, weight: 1 });
const text = mostly(fc.constant('limited flexion'), fc.string({ maxLength: 12 }));
const cpt = mostly(
  fc.constantFrom('97124', '97140', '97010'),
  fc.constantFrom('97110', '99202', '99213', '99499', 'G0283', '9712'),
);

const clinical = fc.record(
  {
    purpose: mostly(fc.constant('rehabilitation'), fc.constantFrom(...PURPOSES)),
    objectiveFindings: fc.array(text, { maxLength: 3 }),
    functionalLimitations: fc.array(text, { maxLength: 3 }),
    therapeuticBenefit: fc.option(text, { nil: undefined }),
    expectedImprovement: fc.option(
      fc.record({ withinWeeks: fc.option(fc.integer({ min: 0, max: 110 }), { nil: undefined }) }),
      { nil: undefined },
    ),
    terminalIllness: fc.record({ terminal: fc.boolean(), comfortCare: fc.boolean() }),
    contraindications: mostly<Contraindication[]>(
      fc.constant([]),
      fc.uniqueArray(fc.constantFrom(...CONTRAINDICATIONS), { maxLength: 4 }),
    ),
    outcomeMeasures: fc.constant([{ instrument: 'ODI', score: 42, goal: 20 }]),
    planOfCare: fc.option(fc.record({ certifiedByNpi: npi, certifiedOn: mostly(recentDate, date) }), {
      nil: undefined,
      freq: 4,
    }),
  },
  { requiredKeys: ['purpose'] },
);

/** Referral bodies, some invalid; only those the schema accepts are kept. */
const referral = fc
  .record({
    memberId: fc.constantFrom('M-1001', 'M-2'),
    renderingProviderNpi: npi,
    orderingProviderNpi: npi,
    urgency: fc.constantFrom('standard', 'expedited'),
    startDate: mostly(
      fc.integer({ min: -30, max: 180 }).map((d) => addDays('2026-11-22', d)),
      date,
    ),
    requestedVisits: fc.integer({ min: 0, max: 53 }),
    diagnoses: fc.array(fc.record({ code: icd }), { minLength: 0, maxLength: 3 }),
    services: fc.uniqueArray(fc.record({ cpt, unitsPerVisit: fc.integer({ min: 0, max: 5 }) }), {
      selector: (s) => s.cpt,
      maxLength: 4,
    }),
    clinical,
  })
  .map((body) => ReferralSchema.safeParse(body))
  .filter((r) => r.success)
  .map((r) => r.data!);

const memberArb = fc
  .record({
    lineOfBusiness: fc.constantFrom(...LINES_OF_BUSINESS),
    coverage: fc.record({
      effectiveFrom: mostly(fc.constant('2025-01-01'), date),
      effectiveTo: mostly(fc.constant(undefined), date),
    }),
    massageTherapy: fc.record({
      covered: mostly(fc.constant(true), fc.boolean()),
      annualVisitLimit: mostly(fc.constant(12), fc.integer({ min: 0, max: 30 })),
      initialVisitAllotment: fc.integer({ min: 1, max: 12 }),
      extensionBlock: fc.integer({ min: 1, max: 8 }),
    }),
    priorVisitsThisYear: mostly(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 })),
  })
  .map((m) => MemberSchema.safeParse(m))
  .filter((r) => r.success)
  .map((r) => r.data!);

const providerArb = fc
  .record({
    name: fc.constant('Directory Entry'),
    credentials: mostly(
      fc.constantFrom<Credential[]>(['PT'], ['MD'], ['LMT'], ['DO', 'PT']),
      fc.uniqueArray(fc.constantFrom(...CREDENTIALS), { minLength: 1, maxLength: 3 }),
    ),
    licenseNumber: fc.constant('MA60000001'),
    licenseState: mostly(fc.constant('WA'), fc.constantFrom('WA', 'OR', 'ID')),
    licenseExpires: mostly(fc.constant('2029-06-30'), date),
    contracted: mostly(fc.constant(true), fc.boolean()),
  })
  .map((p) => ProviderSchema.parse(p));

const input: fc.Arbitrary<DeterminationInput> = fc.record({
  referral,
  member: fc.option(memberArb, { nil: undefined, freq: 8 }),
  renderingProvider: fc.option(providerArb, { nil: undefined, freq: 8 }),
  orderingProvider: fc.option(providerArb, { nil: undefined, freq: 8 }),
  certifyingProvider: fc.option(providerArb, { nil: undefined }),
  visitsRecordedThisYear: mostly(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 })),
  receivedAt: fc
    .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') })
    .map((ms) => new Date(ms).toISOString()),
});

// ---------- properties ----------
describe('determine over any schema-valid referral', () => {
  it('is exercised on every status (the properties below are not vacuous)', () => {
    const seen = new Set(fc.sample(input, { numRuns: 3000, seed: 42 }).map((i) => determine(i).status));
    expect([...seen].sort()).toEqual(['APPROVED', 'DENIED', 'PARTIALLY_APPROVED', 'PENDING_REVIEW']);
  });

  it('never throws and always answers in the documented shape', () => {
    fc.assert(
      fc.property(input, (i) => {
        const d = determine(i);
        expect(d.criteria.map((c) => c.id)).toEqual([...CRITERION_IDS]);
        expect(new Set(d.reasons).size).toBe(d.reasons.length);
        expect(d.lines.map((l) => l.cpt)).toEqual(i.referral.services.map((s) => s.cpt));
        expect(d.recommendation !== null).toBe(d.status === 'PENDING_REVIEW');
        expect(d.proposedAuthorization !== null).toBe(d.status === 'PENDING_REVIEW');
        expect(d.authorization !== null).toBe(d.status === 'APPROVED' || d.status === 'PARTIALLY_APPROVED');
        const auth = d.authorization ?? d.proposedAuthorization;
        if (auth && i.member) {
          // never more than asked for, the first block, or what the year allows; at least one visit
          expect(auth.visitsAuthorized).toBeGreaterThanOrEqual(1);
          expect(auth.visitsAuthorized).toBeLessThanOrEqual(
            Math.min(
              i.referral.requestedVisits,
              i.member.massageTherapy.initialVisitAllotment,
              d.visitsLeftThisYear,
            ),
          );
          expect(auth.validTo >= auth.validFrom).toBe(true);
        }
        if (d.status === 'APPROVED') expect(d.lines.every((l) => l.status === 'APPROVED')).toBe(true);
        if (d.status === 'DENIED') expect(d.lines.every((l) => l.status === 'DENIED')).toBe(true);
      }),
      RUNS,
    );
  });

  it('is deterministic and leaves its input untouched', () => {
    fc.assert(
      fc.property(input, (i) => {
        const copy = structuredClone(i);
        const first = determine(i);
        expect(i).toEqual(copy);
        expect(determine(copy)).toEqual(first);
      }),
      RUNS,
    );
  });

  it('denies only on administrative reasons', () => {
    const administrative: readonly string[] = ADMINISTRATIVE_DENIAL_REASONS;
    fc.assert(
      fc.property(input, (i) => {
        const d = determine(i);
        if (d.status !== 'DENIED') return;
        expect(d.reasons.length).toBeGreaterThan(0);
        for (const r of d.reasons) expect(administrative).toContain(r);
      }),
      RUNS,
    );
  });
});

describe('clinical findings alone', () => {
  // Everything administrative is in order; only the clinical section, the orderer and the
  // plan-of-care certifier vary. Medicare members get a PT so MEDICARE_PT_REQUIRED cannot apply.
  const base = referralBody();
  const clinicalOnly = fc
    .record({
      clinical,
      diagnoses: fc.array(fc.record({ code: icd }), { minLength: 1, maxLength: 3 }),
      lineOfBusiness: fc.constantFrom(...LINES_OF_BUSINESS),
      contracted: fc.boolean(),
      orderingProvider: fc.option(providerArb, { nil: undefined }),
    })
    .map(({ clinical: c, diagnoses, lineOfBusiness, contracted, orderingProvider }) => ({
      parsed: ReferralSchema.safeParse({ ...base, diagnoses, clinical: c }),
      lineOfBusiness,
      contracted,
      orderingProvider,
    }))
    .filter((x) => x.parsed.success);

  it('never lead to a denial: the software approves or asks a reviewer', () => {
    fc.assert(
      fc.property(clinicalOnly, ({ parsed, lineOfBusiness, contracted, orderingProvider }) => {
        const d = determine({
          referral: parsed.data!,
          member: member({ lineOfBusiness }),
          renderingProvider: provider({ credentials: ['PT'], contracted }),
          orderingProvider,
          visitsRecordedThisYear: 0,
          receivedAt: '2026-11-22T10:00:00.000Z',
        });
        expect(d.status).not.toBe('DENIED');
        expect(d.lines.every((l) => l.status !== 'DENIED')).toBe(true);
      }),
      RUNS,
    );
  });
});

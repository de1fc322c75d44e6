import { describe, expect, it } from 'vitest';
import { CODE_TABLE, type CodeTable } from '../../shared/codes.js';
import { addDays } from '../../shared/dates.js';
import {
  authorizationFor,
  CRITERION_IDS,
  type Criterion,
  type CriterionId,
  type Determination,
  type DeterminationInput,
  determine,
} from '../../shared/policy/determine.js';
import { POLICY_VERSION } from '../../shared/reasons.js';
import { type Member, type Provider, parseReferral, type Referral } from '../../shared/schemas.js';
import { member, ORDERING_NPI, provider, referralBody, TODAY } from '../fixtures.js';

const START = '2026-12-01';
const RECEIVED = '2026-11-22T10:00:00.000Z';
/** A Luhn-valid NPI belonging to neither the rendering nor the ordering provider. */
const OTHER_NPI = '1234567802';

/** The SPEC 4.1 example, with top-level and `clinical` overrides. */
function referral(top: Record<string, unknown> = {}, clinical: Record<string, unknown> = {}): Referral {
  const body = referralBody(top);
  return parseReferral({ ...body, clinical: { ...body.clinical, ...clinical } }, TODAY);
}

const physician = (credentials: Provider['credentials'] = ['MD']) => provider({ credentials });
const medicareMember = (overrides: Partial<Member> = {}) =>
  member({ lineOfBusiness: 'medicare', ...overrides });
const pt = (overrides: Partial<Provider> = {}) => provider({ credentials: ['PT'], ...overrides });

/** A commercial member, a contracted LMT and an MD orderer unless the case says otherwise. */
function run(over: Partial<DeterminationInput> = {}, codeTable?: CodeTable): Determination {
  const input: DeterminationInput = {
    referral: referral(),
    member: member(),
    renderingProvider: provider(),
    orderingProvider: physician(),
    visitsRecordedThisYear: 0,
    receivedAt: RECEIVED,
    ...over,
  };
  return determine(input, codeTable ? { codeTable } : undefined);
}

function criterion(d: Determination, id: CriterionId): Criterion {
  const c = d.criteria.find((x) => x.id === id);
  if (!c) throw new Error(`criterion ${id} missing`);
  return c;
}

describe('every determination', () => {
  it('lists all eleven criteria in the fixed order, names the policy and carries a due time', () => {
    const d = run();
    expect(d.criteria.map((c) => c.id)).toEqual([...CRITERION_IDS]);
    expect(d.policyVersion).toBe(POLICY_VERSION);
    expect(d.decisionDueAt).toBe('2026-11-25T10:00:00.000Z');
  });
  it.each([
    ['standard', '2026-11-25T10:00:00.000Z'],
    ['expedited', '2026-11-23T10:00:00.000Z'],
  ])('a %s request is due %s', (urgency, due) => {
    expect(run({ referral: referral({ urgency }) }).decisionDueAt).toBe(due);
    // denials carry the same clock
    expect(run({ referral: referral({ urgency }), member: undefined }).decisionDueAt).toBe(due);
  });
  it('never puts the provider directory name in the evidence', () => {
    const d = run({ renderingProvider: provider({ name: 'Jane Q Therapist', contracted: false }) });
    expect(JSON.stringify(d.criteria)).not.toContain('Jane');
  });
});

describe('the SPEC 4.1 example', () => {
  it('is approved on criteria A for the initial allotment, 60 days from the start date', () => {
    const d = run();
    expect(d.status).toBe('APPROVED');
    expect(d.reasons).toEqual(['CRITERIA_A_MET']);
    expect(d.recommendation).toBeNull();
    expect(d.proposedAuthorization).toBeNull();
    expect(d.authorization).toEqual({
      visitsRequested: 8,
      visitsAuthorized: 6, // capped by the initial allotment only: a normal approval, extensions follow
      validFrom: START,
      validTo: '2027-01-30',
      basis: 'A',
      yearlyLimitApplied: false,
    });
    expect(d.lines).toEqual([
      {
        cpt: '97124',
        unitsPerVisit: 2,
        status: 'APPROVED',
        reasons: ['CRITERIA_A_MET'],
        separatelyPayable: true,
      },
    ]);
    expect(d.visitsLeftThisYear).toBe(12);
    expect(criterion(d, 'ELIGIBILITY').evidence).toBe(
      'coverage active 2026-01-01..open on start date 2026-12-01; massage therapy covered; 0 of 12 visits used in 2026 (0 before this system, 0 recorded), 12 left',
    );
    expect(criterion(d, 'A2').evidence).toContain('diagnosis M54.50 is in ICD-10-CM chapter M');
    expect(criterion(d, 'MEDICARE')).toEqual({
      id: 'MEDICARE',
      met: null,
      evidence: 'not applicable to commercial members',
    });
  });
  it('treats Medicaid members like commercial ones', () => {
    const d = run({ member: member({ lineOfBusiness: 'medicaid' }) });
    expect(d.status).toBe('APPROVED');
    expect(criterion(d, 'MEDICARE').evidence).toBe('not applicable to medicaid members');
  });
});

describe('5.1 eligibility', () => {
  it('denies an unknown member and evaluates nothing else', () => {
    const d = run({ member: undefined });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['MEMBER_NOT_ELIGIBLE']);
    expect(d.lines.map((l) => [l.status, l.reasons])).toEqual([['DENIED', ['MEMBER_NOT_ELIGIBLE']]]);
    expect(d.authorization).toBeNull();
    expect(d.recommendation).toBeNull();
    expect(d.visitsLeftThisYear).toBe(0);
    for (const c of d.criteria.slice(1))
      expect(c).toMatchObject({ met: null, evidence: 'not evaluated: the member is not eligible' });
  });
  it.each([
    ['coverage ends on the start date', { effectiveFrom: '2026-01-01', effectiveTo: START }, 'APPROVED'],
    ['coverage ended the day before', { effectiveFrom: '2026-01-01', effectiveTo: '2026-11-30' }, 'DENIED'],
    ['coverage begins on the start date', { effectiveFrom: START }, 'APPROVED'],
    ['coverage begins the day after', { effectiveFrom: '2026-12-02' }, 'DENIED'],
  ])('%s → %s', (_, coverage, status) => {
    const d = run({ member: member({ coverage }) });
    expect(d.status).toBe(status);
    if (status === 'DENIED') {
      expect(d.reasons).toEqual(['MEMBER_NOT_ELIGIBLE']);
      expect(criterion(d, 'ELIGIBILITY').evidence).toMatch(/is not active on start date 2026-12-01/);
    }
  });
  it('denies when massage therapy is not a covered benefit', () => {
    const d = run({
      member: member({
        massageTherapy: { covered: false, annualVisitLimit: 12, initialVisitAllotment: 6, extensionBlock: 4 },
      }),
    });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['BENEFIT_NOT_COVERED']);
    expect(criterion(d, 'PROVIDER').evidence).toBe('not evaluated: massage therapy is not a covered benefit');
  });
  it('denies when prior and recorded visits reach the yearly limit exactly', () => {
    const d = run({ member: member({ priorVisitsThisYear: 10 }), visitsRecordedThisYear: 2 });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['BENEFIT_EXHAUSTED']);
    expect(d.visitsLeftThisYear).toBe(0);
    expect(criterion(d, 'ELIGIBILITY').evidence).toMatch(/12 of 12 visits used in 2026 .*none left/);
  });
  it('approves the last visit of the year as a partial approval', () => {
    const d = run({ member: member({ priorVisitsThisYear: 10 }), visitsRecordedThisYear: 1 });
    expect(d.status).toBe('PARTIALLY_APPROVED');
    expect(d.reasons).toEqual(['CRITERIA_A_MET', 'BENEFIT_LIMIT_APPLIED']);
    expect(d.authorization).toMatchObject({
      visitsRequested: 8,
      visitsAuthorized: 1,
      yearlyLimitApplied: true,
    });
    expect(d.lines[0]?.status).toBe('APPROVED');
  });
  it.each([
    // [requested, visits left, authorized, limit applied]
    [8, 12, 6, false], // the allotment caps: normal
    [8, 6, 6, false], // allotment and yearly limit tie: the allotment would have capped anyway
    [8, 5, 5, true],
    [3, 4, 3, false],
    [3, 2, 2, true],
  ])('requesting %i with %i left authorizes %i (limit applied: %s)', (requested, left, authorized, limited) => {
    const d = run({
      referral: referral({ requestedVisits: requested }),
      member: member({ priorVisitsThisYear: 12 - left }),
    });
    expect(d.authorization?.visitsAuthorized).toBe(authorized);
    expect(d.status).toBe(limited ? 'PARTIALLY_APPROVED' : 'APPROVED');
    expect(d.reasons.includes('BENEFIT_LIMIT_APPLIED')).toBe(limited);
  });
});

describe('5.2 provider', () => {
  it.each<[string, Provider | undefined, RegExp]>([
    ['unknown', undefined, /1234567893 is not in the directory/],
    ['licensed in Oregon', provider({ licenseState: 'OR' }), /licensed in OR, not WA/],
    [
      'licence expired the day before the start date',
      provider({ licenseExpires: '2026-11-30' }),
      /licence expired 2026-11-30, before start date 2026-12-01/,
    ],
    ['an ARNP/PA', provider({ credentials: ['ARNP', 'PA'] }), /no credential that may bill massage/],
  ])('denies a rendering provider who is %s', (_, rendering, evidence) => {
    const d = run({ renderingProvider: rendering });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['PROVIDER_NOT_QUALIFIED']);
    expect(criterion(d, 'PROVIDER').evidence).toMatch(evidence);
    expect(criterion(d, 'CODES').evidence).toBe('not evaluated: the rendering provider is not qualified');
  });
  it('accepts a licence that expires on the start date', () => {
    const d = run({ renderingProvider: provider({ licenseExpires: START }) });
    expect(d.status).toBe('APPROVED');
    expect(criterion(d, 'PROVIDER').met).toBe(true);
  });
  it.each(['LMT', 'PT', 'OT', 'DC', 'MD', 'DO'] as const)('lets a %s bill massage', (credential) =>
    expect(run({ renderingProvider: provider({ credentials: [credential] }) }).status).toBe('APPROVED'));
  it('pends a non-contracted provider, advising approval when the criteria are met', () => {
    const d = run({ renderingProvider: provider({ contracted: false }) });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['NON_CONTRACTED_PROVIDER', 'CRITERIA_A_MET']);
    expect(d.recommendation).toBe('APPROVE');
    expect(d.authorization).toBeNull();
    expect(d.proposedAuthorization).toMatchObject({ visitsAuthorized: 6, basis: 'A' });
    expect(d.lines[0]?.status).toBe('PENDING_REVIEW');
    expect(criterion(d, 'PROVIDER').evidence).toMatch(/not contracted: a network exception is needed/);
  });
  it('still evaluates the clinical criteria for a non-contracted provider and advises denial when one fails', () => {
    const d = run({
      renderingProvider: provider({ contracted: false }),
      referral: referral({}, { expectedImprovement: { withinWeeks: 20 } }),
    });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['NON_CONTRACTED_PROVIDER', 'A4_NOT_MET']);
    expect(d.recommendation).toBe('DENY');
  });
});

describe('5.3 codes', () => {
  const withServices = (...cpts: string[]) =>
    referral({ services: cpts.map((cpt) => ({ cpt, unitsPerVisit: 1 })) });

  it('denies a referral asking only for an E&M visit', () => {
    const d = run({ referral: withServices('99213') });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['CODE_NOT_IN_RANGE']);
    expect(criterion(d, 'CODES').evidence).toMatch(/99213 is an E&M code/);
    expect(criterion(d, 'A1').evidence).toBe('not evaluated: no requested code may be authorized');
  });
  it('denies when no line is in the range', () => {
    const d = run({ referral: withServices('97110', '99214') });
    expect(d.status).toBe('DENIED');
    expect(d.lines.map((l) => [l.cpt, l.status, l.reasons])).toEqual([
      ['97110', 'DENIED', ['CODE_NOT_IN_RANGE']],
      ['99214', 'DENIED', ['CODE_NOT_IN_RANGE']],
    ]);
  });
  it('partially approves a mix of in-range and out-of-range lines', () => {
    const d = run({ referral: withServices('97124', '99213', '97140') });
    expect(d.status).toBe('PARTIALLY_APPROVED');
    expect(d.reasons).toEqual(['CODE_NOT_IN_RANGE', 'CRITERIA_A_MET']);
    expect(d.lines.map((l) => [l.cpt, l.status])).toEqual([
      ['97124', 'APPROVED'],
      ['99213', 'DENIED'],
      ['97140', 'APPROVED'],
    ]);
    expect(d.lines[0]?.reasons).toEqual(['CRITERIA_A_MET']);
    expect(criterion(d, 'CODES').met).toBe(false);
    expect(d.authorization?.visitsAuthorized).toBe(6);
  });
  it('keeps the surviving lines pending when the rest of the referral pends', () => {
    const d = run({
      referral: referral(
        {
          services: [
            { cpt: '97124', unitsPerVisit: 2 },
            { cpt: '99213', unitsPerVisit: 1 },
          ],
        },
        { contraindications: ['burn'] },
      ),
    });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.lines.map((l) => l.status)).toEqual(['PENDING_REVIEW', 'DENIED']);
    expect(d.reasons).toEqual(['CODE_NOT_IN_RANGE', 'CONTRAINDICATION', 'CRITERIA_A_MET']);
  });

  const deletedTable: CodeTable = {
    ...CODE_TABLE,
    '97039': {
      description: 'fictional deleted modality',
      timed: false,
      medicarePaymentStatus: 'A',
      effectiveFrom: '2020-03-16',
      deletedOn: '2026-11-30',
    },
  };
  it('denies a code deleted before the start date', () => {
    const d = run({ referral: withServices('97039') }, deletedTable);
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['CODE_DELETED']);
    expect(criterion(d, 'CODES').evidence).toBe(
      '97039 was deleted on 2026-11-30, before start date 2026-12-01',
    );
  });
  it('accepts the same code for a start date on its deletion day', () => {
    const d = run(
      { referral: referral({ startDate: '2026-11-30', services: [{ cpt: '97039', unitsPerVisit: 1 }] }) },
      deletedTable,
    );
    expect(d.status).toBe('APPROVED');
  });
  it('partially approves beside a deleted code, naming both reasons in line order', () => {
    const d = run({ referral: withServices('97039', '97124', '99213') }, deletedTable);
    expect(d.status).toBe('PARTIALLY_APPROVED');
    expect(d.reasons).toEqual(['CODE_DELETED', 'CODE_NOT_IN_RANGE', 'CRITERIA_A_MET']);
  });
});

describe('5.4 Medicare members', () => {
  const medicare = (over: Partial<DeterminationInput> = {}) =>
    run({ member: medicareMember(), renderingProvider: pt(), ...over });

  it('approves PT massage under a fresh physician-certified plan of care', () => {
    const d = medicare();
    expect(d.status).toBe('APPROVED');
    expect(d.reasons).toEqual(['MEDICARE_CRITERIA_MET']);
    expect(d.authorization).toMatchObject({ basis: 'MEDICARE', visitsAuthorized: 6, validTo: '2027-01-30' });
    expect(criterion(d, 'MEDICARE').evidence).toBe(
      'rendering provider 1234567893 is a PT; plan of care certified 2026-11-20, 11 days before start date 2026-12-01, by MD 1972000008',
    );
    for (const id of ['EXCLUSIONS', 'B', 'A1', 'A2', 'A3', 'A4'] as const)
      expect(criterion(d, id)).toEqual({ id, met: null, evidence: 'not applicable to Medicare members' });
  });
  it('denies massage from a rendering provider who is not a PT', () => {
    const d = medicare({ renderingProvider: provider({ credentials: ['LMT', 'DC'] }) });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['MEDICARE_PT_REQUIRED']);
    expect(criterion(d, 'MEDICARE').evidence).toMatch(/holds LMT, DC, not PT/);
    expect(criterion(d, 'CONTRAINDICATIONS').evidence).toMatch(/^not evaluated: /);
  });
  it('keeps code denials beside the PT denial', () => {
    const d = medicare({
      renderingProvider: provider(),
      referral: referral({
        services: [
          { cpt: '99213', unitsPerVisit: 1 },
          { cpt: '97124', unitsPerVisit: 1 },
        ],
      }),
    });
    expect(d.reasons).toEqual(['CODE_NOT_IN_RANGE', 'MEDICARE_PT_REQUIRED']);
    expect(d.lines.map((l) => l.reasons)).toEqual([['CODE_NOT_IN_RANGE'], ['MEDICARE_PT_REQUIRED']]);
  });
  it('approves hot/cold packs but marks them not separately payable', () => {
    const services = [
      { cpt: '97124', unitsPerVisit: 2 },
      { cpt: '97010', unitsPerVisit: 1 },
    ];
    const d = medicare({ referral: referral({ services }) });
    expect(d.status).toBe('APPROVED');
    expect(d.lines.map((l) => [l.cpt, l.status, l.separatelyPayable])).toEqual([
      ['97124', 'APPROVED', true],
      ['97010', 'APPROVED', false],
    ]);
    // commercial plans pay 97010 on its own
    expect(run({ referral: referral({ services }) }).lines[1]?.separatelyPayable).toBe(true);
  });
  it.each<[string, Record<string, unknown>, Partial<DeterminationInput>, RegExp]>([
    ['no plan of care', { planOfCare: undefined }, {}, /no plan of care on the referral/],
    [
      'a plan certified 91 days before the start date',
      { planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn: addDays(START, -91) } },
      {},
      /91 days before start date 2026-12-01 \(at most 90\)/,
    ],
    [
      'a plan certified by a PT',
      {},
      { orderingProvider: physician(['PT']) },
      /certifier 1972000008 holds PT, not MD or DO/,
    ],
    [
      'a certifier who is neither orderer nor renderer and was not looked up',
      { planOfCare: { certifiedByNpi: OTHER_NPI, certifiedOn: '2026-11-20' } },
      {},
      /certifier 1234567802 is not in the directory/,
    ],
    [
      'an ordering certifier missing from the directory',
      {},
      { orderingProvider: undefined },
      /not in the directory/,
    ],
  ])('pends %s for a reviewer, advising denial', (_, clinical, over, evidence) => {
    const d = medicare({ referral: referral({}, clinical), ...over });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['PLAN_OF_CARE_REQUIRED']);
    expect(d.recommendation).toBe('DENY');
    expect(criterion(d, 'MEDICARE')).toMatchObject({ met: false });
    expect(criterion(d, 'MEDICARE').evidence).toMatch(evidence);
    expect(d.proposedAuthorization?.basis).toBe('MEDICARE');
  });
  it('accepts a plan certified exactly 90 days before the start date, ending the authorization that day + 90', () => {
    const certifiedOn = addDays(START, -90);
    const d = medicare({
      referral: referral({}, { planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn } }),
    });
    expect(d.status).toBe('APPROVED');
    expect(d.authorization).toMatchObject({ validFrom: START, validTo: START });
  });
  it('caps validTo at certifiedOn + 90 days when that comes before startDate + 60', () => {
    const d = medicare({
      referral: referral({}, { planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn: '2026-10-01' } }),
    });
    expect(d.authorization?.validTo).toBe('2026-12-30');
  });
  it('recognises a certifier looked up separately, or the rendering provider', () => {
    const elsewhere = referral({}, { planOfCare: { certifiedByNpi: OTHER_NPI, certifiedOn: '2026-11-20' } });
    expect(medicare({ referral: elsewhere, certifyingProvider: physician(['DO']) }).status).toBe('APPROVED');
    const byRenderer = referral(
      {},
      { planOfCare: { certifiedByNpi: '1234567893', certifiedOn: '2026-11-20' } },
    );
    expect(
      medicare({ referral: byRenderer, renderingProvider: pt({ credentials: ['PT', 'MD'] }) }).status,
    ).toBe('APPROVED');
  });
  it('does not apply the 5.5 exclusions to Medicare (skilled maintenance may be covered)', () =>
    expect(medicare({ referral: referral({}, { purpose: 'maintenance' }) }).status).toBe('APPROVED'));
  it('still pends a listed contraindication for a Medicare member', () => {
    const d = medicare({ referral: referral({}, { contraindications: ['unhealed-fracture'] }) });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['MEDICARE_CRITERIA_MET', 'CONTRAINDICATION']);
    expect(d.recommendation).toBe('DENY');
  });
  it('advises approval when a Medicare referral pends only for a non-contracted PT', () => {
    const d = medicare({ renderingProvider: pt({ contracted: false }) });
    expect(d.reasons).toEqual(['NON_CONTRACTED_PROVIDER', 'MEDICARE_CRITERIA_MET']);
    expect(d.recommendation).toBe('APPROVE');
  });
});

describe('5.5 other members', () => {
  it.each([
    ['prevention', 'EXCLUDED_PURPOSE'],
    ['recreation', 'EXCLUDED_PURPOSE'],
    ['stress-reduction', 'EXCLUDED_PURPOSE'],
    ['maintenance', 'MAINTENANCE_NOT_COVERED'],
  ])('pends purpose %s with %s, advising denial', (purpose, reason) => {
    const d = run({ referral: referral({}, { purpose }) });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual([reason, 'CRITERIA_A_MET']);
    expect(d.recommendation).toBe('DENY');
    expect(criterion(d, 'EXCLUSIONS').met).toBe(false);
  });
  it.each(['rehabilitation', 'comfort'])('does not exclude purpose %s', (purpose) =>
    expect(run({ referral: referral({}, { purpose }) }).status).toBe('APPROVED'));
  it('pends any contraindication, advising denial', () => {
    const d = run({ referral: referral({}, { contraindications: ['skin-infection', 'burn'] }) });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['CONTRAINDICATION', 'CRITERIA_A_MET']);
    expect(d.recommendation).toBe('DENY');
    expect(criterion(d, 'CONTRAINDICATIONS').evidence).toBe(
      'massage is contraindicated: skin-infection, burn',
    );
  });
  it('records every finding, in evaluation order', () => {
    const d = run({
      referral: referral(
        {},
        {
          purpose: 'recreation',
          contraindications: ['burn'],
          objectiveFindings: [],
          expectedImprovement: {},
        },
      ),
      orderingProvider: undefined,
    });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual([
      'EXCLUDED_PURPOSE',
      'CONTRAINDICATION',
      'A1_NOT_MET',
      'A3_NOT_MET',
      'A4_NOT_MET',
    ]);
    expect(d.criteria.map((c) => c.met)).toEqual([
      true,
      true,
      true,
      null,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  const comfortOnly = { purpose: 'comfort', terminalIllness: { terminal: true, comfortCare: true } };
  it('approves a terminally ill member needing comfort on criterion B, even when A is not met', () => {
    const d = run({
      referral: referral({}, { ...comfortOnly, objectiveFindings: [], therapeuticBenefit: undefined }),
      orderingProvider: undefined,
    });
    expect(d.status).toBe('APPROVED');
    expect(d.reasons).toEqual(['CRITERIA_B_MET']);
    expect(d.authorization?.basis).toBe('B');
    // A is still recorded for the reviewer, but its unmet codes are not reasons
    expect([criterion(d, 'A1').met, criterion(d, 'A2').met, criterion(d, 'A3').met]).toEqual([
      false,
      false,
      false,
    ]);
  });
  it('still pends an excluded purpose when criterion B is met', () => {
    const d = run({ referral: referral({}, { ...comfortOnly, purpose: 'stress-reduction' }) });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['EXCLUDED_PURPOSE', 'CRITERIA_B_MET']);
    expect(d.proposedAuthorization?.basis).toBe('B');
  });
  it.each([
    [{ terminal: true, comfortCare: false }, 'terminal illness, but comfort care is not indicated'],
    [{ terminal: false, comfortCare: true }, 'no terminal illness documented'],
  ])('needs both terminal illness and comfort care for B (%o)', (terminalIllness, evidence) => {
    const d = run({ referral: referral({}, { terminalIllness, objectiveFindings: [] }) });
    expect(criterion(d, 'B')).toMatchObject({ met: false, evidence });
    expect(d.reasons).toEqual(['A1_NOT_MET']);
  });

  it.each<[string, Record<string, unknown>, Partial<DeterminationInput>, string, RegExp]>([
    ['no objective finding', { objectiveFindings: [] }, {}, 'A1_NOT_MET', /0 objective findings/],
    ['no functional limitation', { functionalLimitations: [] }, {}, 'A1_NOT_MET', /0 functional limitations/],
    ['no therapeutic benefit', { therapeuticBenefit: undefined }, {}, 'A2_NOT_MET', /no therapeutic-benefit/],
    [
      'a blank therapeutic benefit',
      { therapeuticBenefit: '   ' },
      {},
      'A2_NOT_MET',
      /no therapeutic-benefit/,
    ],
    [
      'an unknown ordering provider',
      {},
      { orderingProvider: undefined },
      'A3_NOT_MET',
      /not in the directory/,
    ],
    ['an ordering PT', {}, { orderingProvider: physician(['PT', 'ARNP']) }, 'A3_NOT_MET', /holds PT, ARNP/],
    ['no improvement period', { expectedImprovement: {} }, {}, 'A4_NOT_MET', /no expected-improvement/],
    ['improvement in 13 weeks', { expectedImprovement: { withinWeeks: 13 } }, {}, 'A4_NOT_MET', /13 weeks/],
  ])('pends %s with its A code, advising denial', (_, clinical, over, reason, evidence) => {
    const d = run({ referral: referral({}, clinical), ...over });
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual([reason]);
    expect(d.recommendation).toBe('DENY');
    const id = reason.slice(0, 2) as CriterionId;
    expect(criterion(d, id).met).toBe(false);
    expect(criterion(d, id).evidence).toMatch(evidence);
  });
  it.each([
    ['R52', false],
    ['G44.1', false],
    ['G89.29', true],
    ['S33.5XXA', true],
    ['M79.1', true],
  ])('A2 with diagnosis %s alone met=%s', (code, met) => {
    const d = run({ referral: referral({ diagnoses: [{ code }] }) });
    expect(criterion(d, 'A2').met).toBe(met);
    expect(d.status).toBe(met ? 'APPROVED' : 'PENDING_REVIEW');
  });
  it('finds a qualifying diagnosis anywhere in the list', () =>
    expect(run({ referral: referral({ diagnoses: [{ code: 'R52' }, { code: 'G89.4' }] }) }).status).toBe(
      'APPROVED',
    ));
  it('accepts improvement expected within exactly 12 weeks', () =>
    expect(run({ referral: referral({}, { expectedImprovement: { withinWeeks: 12 } }) }).status).toBe(
      'APPROVED',
    ));
  it('accepts an ordering DO', () =>
    expect(run({ orderingProvider: physician(['DO']) }).status).toBe('APPROVED'));
});

describe('authorizationFor (system and reviewer approvals)', () => {
  const r = referral({ requestedVisits: 8 });
  it('gives a reviewer the same rule the system uses', () =>
    expect(authorizationFor(r, member(), 0, 'A')).toEqual(run().authorization));
  it("lets a reviewer's approvedVisits replace the request and the allotment, within the visits left", () => {
    expect(authorizationFor(r, member(), 0, 'A', 10)).toMatchObject({
      visitsAuthorized: 10,
      yearlyLimitApplied: false,
    });
    expect(authorizationFor(r, member(), 4, 'A', 10)).toMatchObject({
      visitsAuthorized: 8,
      yearlyLimitApplied: true,
    });
  });
  it('does not leave a stale Medicare plan of care with a window ending before it starts', () => {
    const stale = referral({}, { planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn: '2026-08-01' } });
    expect(authorizationFor(stale, medicareMember(), 0, 'MEDICARE')).toMatchObject({
      validFrom: START,
      validTo: '2027-01-30',
    });
  });
});

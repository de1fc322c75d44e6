import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { readPasInquiry, readPasRequest, toBundleDetails } from '../../shared/fhir/request.js';
import { parseReferral } from '../../shared/schemas.js';
import { jsonBody, type PasCase, pasBundle } from '../fhir/bundles.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody, TODAY } from '../fixtures.js';

const clinical = referralBody().clinical;
const aCase = (overrides: Partial<PasCase> = {}): PasCase => ({
  claimId: 'C-1',
  memberId: 'M-1001',
  renderingProviderNpi: RENDERING_NPI,
  orderingProviderNpi: ORDERING_NPI,
  urgency: 'standard',
  startDate: '2026-12-01',
  requestedVisits: 8,
  diagnoses: [{ code: 'M54.50' }],
  cpts: ['97124'],
  clinical,
  ...overrides,
});

function detailsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('PAS request Bundle → SPEC 4.1 referral (SPEC 8 reading rules)', () => {
  it('reads the same referral as the equivalent JSON body, clinical section included', () => {
    const c = aCase({ cpts: ['97124', '97140'], diagnoses: [{ code: 'M54.50' }, { code: 'M62.830' }] });
    const read = readPasRequest(pasBundle(c));
    expect(read.hasQuestionnaireResponse).toBe(true);
    expect(parseReferral(read.referral, TODAY)).toEqual(parseReferral(jsonBody(c), TODAY));
    expect(read.echo).toEqual({
      claimIdentifiers: [{ system: 'urn:trnorg:1234567890', value: 'C-1' }],
      bundleIdentifier: { system: 'urn:trnorg:1234567890:bundle', value: 'B-C-1' },
      items: [
        { sequence: 1, cpt: '97124' },
        { sequence: 2, cpt: '97140' },
      ],
      memberId: 'M-1001',
    });
    expect(read.updates).toBeUndefined();
  });

  it('takes urgency from priority stat, the ordering NPI through PractitionerRole.practitioner', () => {
    const read = readPasRequest(
      pasBundle(aCase({ urgency: 'expedited', orderingProviderNpi: '1972000016' })),
    );
    expect(read.referral.urgency).toBe('expedited');
    expect(read.referral.orderingProviderNpi).toBe('1972000016');
    expect(read.referral.renderingProviderNpi).toBe(RENDERING_NPI);
  });

  it('falls back to a Patient identifier of type MB when the Coverage has no subscriberId', () => {
    const bundle = pasBundle(aCase({ memberId: 'M-2004' }));
    delete (bundle.entry[2]?.resource as { subscriberId?: string }).subscriberId;
    expect(readPasRequest(bundle).referral.memberId).toBe('M-2004');
  });

  it('reads a request without a QuestionnaireResponse as a case without its clinical section', () => {
    const read = readPasRequest(pasBundle(aCase({ clinical: null })));
    expect(read.hasQuestionnaireResponse).toBe(false);
    expect(read.referral).not.toHaveProperty('clinical');
    expect(read.referral.services).toEqual([{ cpt: '97124', unitsPerVisit: 1 }]);
  });

  it('reads Claim.related.claim as an update of the request it names', () => {
    const read = readPasRequest(pasBundle(aCase({ claimId: 'C-2', updates: 'C-1' })));
    expect(read.updates).toEqual({
      identifiers: [{ system: 'urn:trnorg:1234567890', value: 'C-1' }],
      path: 'Bundle.entry[0].resource.related[0].claim',
    });
  });

  it('reads an update whose related.claim references the prior Claim inside the Bundle, as the IG sends it', () => {
    const bundle = pasBundle(aCase({ claimId: 'C-2' }));
    const update = bundle.entry[0]?.resource as Record<string, unknown>;
    update.related = [
      {
        relationship: { coding: [{ code: 'prior' }] },
        claim: { reference: 'Claim/claim-prior' },
      },
    ];
    bundle.entry.push({
      fullUrl: 'https://clinic.example.org/fhir/Claim/claim-prior',
      resource: {
        ...update,
        id: 'claim-prior',
        identifier: [{ system: 'urn:x', value: 'C-1' }],
        related: [],
      },
    } as never);
    expect(readPasRequest(bundle).updates?.identifiers).toEqual([{ system: 'urn:x', value: 'C-1' }]);

    // A reference that names nothing inside the Bundle is a 422 at related.claim.
    update.related = [{ claim: { reference: 'Claim/elsewhere' } }];
    expect(detailsOf(() => readPasRequest(bundle)).map((d) => d.field)).toEqual([
      'Bundle.entry[0].resource.related[0].claim',
    ]);
  });

  it('refuses what it does not do: a cancelled item or a cancelled request (PASClaimUpdate), naming the element', () => {
    const bundle = pasBundle(aCase({ claimId: 'C-2', updates: 'C-1', cpts: ['97124', '97140'] }));
    const claim = bundle.entry[0]?.resource as { item: Record<string, unknown>[]; extension?: unknown[] };
    const infoCancelled =
      'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/modifierextension-infoCancelled';
    (claim.item[1] as Record<string, unknown>).modifierExtension = [
      { url: infoCancelled, valueBoolean: true },
    ];
    claim.extension = [
      {
        url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType',
        valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] },
      },
    ];
    expect(detailsOf(() => readPasRequest(bundle)).map((d) => d.field)).toEqual([
      'Bundle.entry[0].resource.item[1].modifierExtension',
      'Bundle.entry[0].resource.extension[0]',
    ]);
  });

  it('ignores a QuestionnaireResponse whose supportingInfo entry an update cancelled', () => {
    const bundle = pasBundle(aCase({ claimId: 'C-2', updates: 'C-1' }));
    const claim = bundle.entry[0]?.resource as { supportingInfo: Record<string, unknown>[] };
    (claim.supportingInfo[0] as Record<string, unknown>).modifierExtension = [
      {
        url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/modifierextension-infoCancelled',
        valueBoolean: true,
      },
    ];
    expect(readPasRequest(bundle).hasQuestionnaireResponse).toBe(false);
  });

  it('names each missing element with a FHIRPath from the Bundle', () => {
    const bundle = pasBundle(aCase());
    const claim = bundle.entry[0]?.resource as Record<string, unknown>;
    delete claim.careTeam;
    delete claim.identifier;
    (claim.item as Record<string, unknown>[])[0] = {
      sequence: 1,
      productOrService: {
        coding: [{ system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets-nope', code: 'E0424' }],
      },
    };
    const details = detailsOf(() => readPasRequest(bundle));
    expect(details.map((d) => d.field)).toEqual([
      'Bundle.entry[0].resource.identifier',
      'Bundle.entry[0].resource.careTeam',
      'Bundle.entry[0].resource.careTeam',
      'Bundle.entry[0].resource.item[0].productOrService',
      'Bundle.entry[0].resource.item[0].quantity',
      'Bundle.entry[0].resource.item[0].serviced[x]',
    ]);
    expect(details[1]?.message).toMatch(/role 82 or SJ/);
    expect(details[2]?.message).toMatch(/role DK or DN/);
  });

  it('refuses a reference that does not resolve inside the Bundle', () => {
    const bundle = pasBundle(aCase());
    bundle.entry.splice(2, 1); // the Coverage
    (bundle.entry[1]?.resource as { identifier: unknown[] }).identifier = [];
    const fields = detailsOf(() => readPasRequest(bundle)).map((d) => d.field);
    expect(fields).toContain('Bundle.entry[0].resource.insurance[0].coverage');
  });

  it('refuses what is not a Bundle with a Claim first, naming the element', () => {
    expect(detailsOf(() => readPasRequest({ resourceType: 'Claim' }))[0]?.field).toBe('Bundle.resourceType');
    expect(detailsOf(() => readPasRequest('nope'))[0]?.field).toBe('Bundle');
    const patientFirst = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] };
    expect(detailsOf(() => readPasRequest(patientFirst))[0]?.field).toBe(
      'Bundle.entry[0].resource.resourceType',
    );
    const badSequence = pasBundle(aCase());
    (
      (badSequence.entry[0]?.resource as { item: { sequence: unknown }[] }).item[0] as { sequence: unknown }
    ).sequence = 'one';
    expect(detailsOf(() => readPasRequest(badSequence))[0]?.field).toBe(
      'Bundle.entry[0].resource.item[0].sequence',
    );
  });

  it('maps the referral rules’ 422 fields back to the elements they were read from', () => {
    const c = aCase({ clinical: { ...clinical, expectedImprovement: { withinWeeks: 200 } } });
    const read = readPasRequest(pasBundle(c));
    const details = detailsOf(() => parseReferral(read.referral, TODAY));
    const mapped = toBundleDetails(details, read.origin);
    expect(mapped).toEqual([
      {
        field: 'Bundle.entry[6].resource.item[4].answer',
        message: expect.stringMatching(/^clinical\.expectedImprovement\.withinWeeks: /),
      },
    ]);
    const badNpi = readPasRequest(pasBundle(aCase({ renderingProviderNpi: '1234567890' })));
    expect(
      toBundleDetails(
        detailsOf(() => parseReferral(badNpi.referral, TODAY)),
        badNpi.origin,
      )[0]?.field,
    ).toBe('Bundle.entry[3].resource.identifier[0]');
  });

  it('refuses a QuestionnaireResponse nested absurdly deep with a 422, not a stack overflow', () => {
    const depth = 10_000;
    const nested = `${'{"linkId":"g","item":['.repeat(depth)}{"linkId":"purpose"}${']}'.repeat(depth)}`;
    const bundle = pasBundle(aCase());
    (bundle.entry[6]?.resource as { item: unknown }).item = '@@';
    const body = JSON.parse(JSON.stringify(bundle).replace('"@@"', `[${nested}]`));
    expect(detailsOf(() => readPasRequest(body))).toEqual([
      { field: 'Bundle.entry[6].resource.item', message: 'nests deeper than 32 levels' },
    ]);
  });

  it('reads an inquiry’s Claim identifiers', () => {
    expect(readPasInquiry(pasBundle(aCase({ claimId: 'C-9' }))).claimIdentifiers).toEqual([
      { system: 'urn:trnorg:1234567890', value: 'C-9' },
    ]);
    const bundle = pasBundle(aCase());
    delete (bundle.entry[0]?.resource as { identifier?: unknown }).identifier;
    expect(detailsOf(() => readPasInquiry(bundle))[0]?.field).toBe('Bundle.entry[0].resource.identifier');
  });
});

/**
 * PAS request Bundles for the tests, built from the same parameters as a SPEC 4.1 body, so a test
 * can send "the same case" both ways. Shaped like the HL7 reference implementation's bundles
 * (Claim first, then Patient, Coverage, Practitioners, QuestionnaireResponse).
 */
/** SPEC 4.1 `clinical`, loosely typed so tests can send what the rules refuse. */
export interface ClinicalInput {
  purpose: string;
  objectiveFindings?: string[];
  functionalLimitations?: string[];
  therapeuticBenefit?: string;
  expectedImprovement?: { withinWeeks?: number };
  terminalIllness?: { terminal: boolean; comfortCare: boolean };
  contraindications?: string[];
  outcomeMeasures?: { instrument: string; score: number; goal?: number }[];
  planOfCare?: { certifiedByNpi: string; certifiedOn: string };
}

export interface PasCase {
  claimId: string;
  memberId: string;
  renderingProviderNpi: string;
  orderingProviderNpi: string;
  urgency: 'standard' | 'expedited';
  startDate: string;
  requestedVisits: number;
  diagnoses: { code: string }[];
  cpts: string[];
  /** SPEC 4.1 `clinical`; null sends no QuestionnaireResponse. */
  clinical: ClinicalInput | null;
  /** The identifier of the request this Claim updates (Claim.related.claim). */
  updates?: string;
}

const CLAIM_ID_SYSTEM = 'urn:trnorg:1234567890';
const base = 'https://clinic.example.org/fhir';

export function claimIdentifier(value: string) {
  return { system: CLAIM_ID_SYSTEM, value };
}

/** SPEC 8's linkIds, from a 4.1 `clinical` object. */
export function questionnaireResponse(clinical: NonNullable<PasCase['clinical']>) {
  const s = (v: string) => ({ valueString: v });
  const item: Record<string, unknown>[] = [
    { linkId: 'purpose', answer: [{ valueCoding: { code: clinical.purpose } }] },
  ];
  if (clinical.objectiveFindings?.length)
    item.push({ linkId: 'objectiveFindings', answer: clinical.objectiveFindings.map(s) });
  if (clinical.functionalLimitations?.length)
    item.push({ linkId: 'functionalLimitations', answer: clinical.functionalLimitations.map(s) });
  if (clinical.therapeuticBenefit)
    item.push({ linkId: 'therapeuticBenefit', answer: [s(clinical.therapeuticBenefit)] });
  if (clinical.expectedImprovement?.withinWeeks !== undefined)
    item.push({
      linkId: 'expectedImprovementWeeks',
      answer: [{ valueInteger: clinical.expectedImprovement.withinWeeks }],
    });
  if (clinical.terminalIllness) {
    item.push({ linkId: 'terminal', answer: [{ valueBoolean: clinical.terminalIllness.terminal }] });
    item.push({ linkId: 'comfortCare', answer: [{ valueBoolean: clinical.terminalIllness.comfortCare }] });
  }
  if (clinical.contraindications?.length)
    item.push({
      linkId: 'contraindications',
      answer: clinical.contraindications.map((c) => ({ valueCoding: { code: c } })),
    });
  for (const m of clinical.outcomeMeasures ?? []) {
    item.push({
      linkId: 'outcomeMeasure',
      item: [
        { linkId: 'instrument', answer: [{ valueCoding: { code: m.instrument } }] },
        { linkId: 'score', answer: [{ valueDecimal: m.score }] },
        ...(m.goal === undefined ? [] : [{ linkId: 'goal', answer: [{ valueDecimal: m.goal }] }]),
      ],
    });
  }
  if (clinical.planOfCare) {
    item.push({ linkId: 'planOfCareCertifiedOn', answer: [{ valueDate: clinical.planOfCare.certifiedOn }] });
    item.push({ linkId: 'planOfCareCertifierNpi', answer: [s(clinical.planOfCare.certifiedByNpi)] });
  }
  return {
    resourceType: 'QuestionnaireResponse',
    id: 'qr-1',
    questionnaire: 'https://prior-auth.example.org/fhir/Questionnaire/massage-therapy',
    status: 'completed',
    subject: { reference: 'Patient/pat-1' },
    item,
  };
}

export function pasBundle(c: PasCase) {
  const practitioner = (id: string, npi: string) => ({
    fullUrl: `${base}/Practitioner/${id}`,
    resource: {
      resourceType: 'Practitioner',
      id,
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: npi }],
      name: [{ family: id }],
    },
  });
  const claim = {
    resourceType: 'Claim',
    id: 'claim-1',
    identifier: [claimIdentifier(c.claimId)],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'preauthorization',
    patient: { reference: 'Patient/pat-1' },
    created: `${c.startDate}T09:00:00Z`,
    insurer: { display: 'Health plan' },
    provider: { reference: 'Practitioner/rendering' },
    priority: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/processpriority',
          code: c.urgency === 'expedited' ? 'stat' : 'normal',
        },
      ],
    },
    ...(c.updates ? { related: [{ claim: { identifier: claimIdentifier(c.updates) } }] } : {}),
    careTeam: [
      {
        sequence: 1,
        provider: { reference: 'Practitioner/rendering' },
        role: { coding: [{ system: 'https://codesystem.x12.org/005010/1221', code: '82' }] },
      },
      {
        sequence: 2,
        provider: { reference: 'PractitionerRole/ordering-role' },
        role: { coding: [{ system: 'https://codesystem.x12.org/005010/1221', code: 'DK' }] },
      },
    ],
    ...(c.clinical
      ? {
          supportingInfo: [
            {
              sequence: 1,
              category: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/claiminformationcategory', code: 'info' },
                ],
              },
              valueReference: { reference: 'QuestionnaireResponse/qr-1' },
            },
          ],
        }
      : {}),
    diagnosis: c.diagnoses.map((d, i) => ({
      sequence: i + 1,
      diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: d.code }] },
    })),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-1' } }],
    item: c.cpts.map((cpt, i) => ({
      sequence: i + 1,
      careTeamSequence: [1],
      productOrService: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: cpt }] },
      servicedDate: c.startDate,
      quantity: { value: c.requestedVisits },
    })),
  };
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:trnorg:1234567890:bundle', value: `B-${c.claimId}` },
    type: 'collection',
    timestamp: `${c.startDate}T09:00:00Z`,
    entry: [
      { fullUrl: `${base}/Claim/claim-1`, resource: claim },
      {
        fullUrl: `${base}/Patient/pat-1`,
        resource: {
          resourceType: 'Patient',
          id: 'pat-1',
          identifier: [
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] },
              value: c.memberId,
            },
          ],
          name: [{ family: 'Doe', given: ['Pat'] }],
          birthDate: '1970-01-01',
        },
      },
      {
        fullUrl: `${base}/Coverage/cov-1`,
        resource: {
          resourceType: 'Coverage',
          id: 'cov-1',
          status: 'active',
          subscriberId: c.memberId,
          beneficiary: { reference: 'Patient/pat-1' },
          payor: [{ display: 'Health plan' }],
        },
      },
      practitioner('rendering', c.renderingProviderNpi),
      {
        fullUrl: `${base}/PractitionerRole/ordering-role`,
        resource: {
          resourceType: 'PractitionerRole',
          id: 'ordering-role',
          practitioner: { reference: 'Practitioner/ordering' },
        },
      },
      practitioner('ordering', c.orderingProviderNpi),
      ...(c.clinical
        ? [{ fullUrl: `${base}/QuestionnaireResponse/qr-1`, resource: questionnaireResponse(c.clinical) }]
        : []),
    ],
  };
}

/** The case as SPEC 4.1's JSON body (units per visit 1: PAS carries none). */
export function jsonBody(c: PasCase) {
  return {
    memberId: c.memberId,
    renderingProviderNpi: c.renderingProviderNpi,
    orderingProviderNpi: c.orderingProviderNpi,
    urgency: c.urgency,
    startDate: c.startDate,
    requestedVisits: c.requestedVisits,
    diagnoses: c.diagnoses,
    services: c.cpts.map((cpt) => ({ cpt, unitsPerVisit: 1 })),
    ...(c.clinical ? { clinical: c.clinical } : {}),
  };
}

/** A PAS response's items as [itemSequence, review action, reason codes, approved visits]. */
export function reviewActions(bundle: any) {
  return bundle.entry[0].resource.item.map((item: any) => {
    const adj = item.adjudication[0];
    const parts = adj.extension[0].extension as any[];
    return [
      item.itemSequence,
      parts.find((p) => p.url.endsWith('extension-reviewActionCode')).valueCodeableConcept.coding[0].code,
      parts.filter((p) => p.url === 'reasonCode').map((p) => p.valueCodeableConcept.coding[0].code),
      adj.value,
    ];
  });
}

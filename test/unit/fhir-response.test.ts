import { describe, expect, it } from 'vitest';
import { NotFoundError, toOperationOutcome, ValidationError } from '../../shared/errors.js';
import { capabilityStatement, massageTherapyQuestionnaire } from '../../shared/fhir/conformance.js';
import type { PasEcho } from '../../shared/fhir/request.js';
import { type PasDetermination, pasResponseBundle } from '../../shared/fhir/response.js';
import { r4Issues, r4IssuesDeep } from '../fhir/validator.js';

const NOW = '2026-11-22T15:00:00.000Z';
const echo: PasEcho = {
  claimIdentifiers: [{ system: 'urn:trnorg:1234567890', value: 'C-1' }],
  bundleIdentifier: { system: 'urn:trnorg:1234567890:bundle', value: 'B-1' },
  items: [
    { sequence: 1, cpt: '97124' },
    { sequence: 2, cpt: '99213' },
  ],
  memberId: 'M-1001',
};
const approved = (over: Partial<PasDetermination> = {}): PasDetermination => ({
  referralId: 'ref-1',
  status: 'APPROVED',
  reasons: ['CRITERIA_A_MET'],
  lines: [{ cpt: '97124', status: 'APPROVED', reasons: ['CRITERIA_A_MET'] }],
  authorization: { visitsRequested: 6, visitsAuthorized: 6, validFrom: '2026-12-01', validTo: '2027-01-30' },
  receivedAt: NOW,
  decidedAt: NOW,
  renderingProviderNpi: '1234567893',
  needsQuestionnaire: false,
  ...over,
});
const oneItem: PasEcho = { ...echo, items: [{ sequence: 3, cpt: '97124' }] };

/** Per item: [itemSequence, action code, reason codes, approved visits]. */
function actions(bundle: ReturnType<typeof pasResponseBundle>) {
  const cr = bundle.entry?.[0]?.resource as {
    item: {
      itemSequence: number;
      adjudication: {
        value?: number;
        extension: { extension: { url: string; valueCodeableConcept?: { coding: { code: string }[] } }[] }[];
      }[];
    }[];
  };
  return cr.item.map((item) => {
    const adj = item.adjudication[0];
    const parts = adj?.extension[0]?.extension ?? [];
    const code = parts.find((p) => p.url.endsWith('extension-reviewActionCode'))?.valueCodeableConcept
      ?.coding[0]?.code;
    const reasons = parts
      .filter((p) => p.url === 'reasonCode')
      .map((p) => p.valueCodeableConcept?.coding[0]?.code);
    return [item.itemSequence, code, reasons, adj?.value];
  });
}

describe('determination → PAS response Bundle', () => {
  it('A1: ClaimResponse first, preAuthRef and period, identifiers echoed, approved visits, valid R4', () => {
    const bundle = pasResponseBundle(approved(), oneItem, { now: NOW });
    expect(r4IssuesDeep(bundle)).toEqual([]);
    // The validator is real: a ClaimResponse without its required `use` fails it.
    const { use: _use, ...withoutUse } = bundle.entry?.[0]?.resource as unknown as Record<string, unknown>;
    expect(r4Issues(withoutUse)).toEqual([expect.stringContaining('ClaimResponse.use')]);
    expect(bundle.type).toBe('collection');
    expect(bundle.identifier).toEqual(echo.bundleIdentifier);
    const cr = bundle.entry?.[0]?.resource as unknown as Record<string, unknown>;
    expect(cr).toMatchObject({
      resourceType: 'ClaimResponse',
      id: 'ref-1',
      use: 'preauthorization',
      outcome: 'complete',
      preAuthRef: 'ref-1',
      preAuthPeriod: { start: '2026-12-01', end: '2027-01-30' },
      identifier: echo.claimIdentifiers,
      request: { identifier: echo.claimIdentifiers[0] },
    });
    expect(actions(bundle)).toEqual([[3, 'A1', ['CRITERIA_A_MET'], 6]]);
    const ext = (
      cr.item as {
        adjudication: {
          category: unknown;
          extension: { url: string; extension: { url: string; valueCodeableConcept?: unknown }[] }[];
        }[];
      }[]
    )[0]?.adjudication[0];
    expect(ext?.category).toEqual({
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'submitted' }],
    });
    expect(ext?.extension[0]?.url).toBe(
      'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction',
    );
    expect(ext?.extension[0]?.extension[0]?.valueCodeableConcept).toEqual({
      coding: [
        { system: 'https://codesystem.x12.org/005010/306', code: 'A1', display: 'Certified in total' },
      ],
    });
    // Every reference inside the Bundle resolves to an entry (relative to the fullUrl base).
    const urls = new Set(bundle.entry?.map((e) => e.fullUrl));
    for (const key of ['patient', 'insurer', 'requestor'] as const) {
      const reference = (cr[key] as { reference: string }).reference;
      expect(urls.has(`https://prior-auth.example.org/fhir/${reference}`), key).toBe(true);
    }
  });

  it('A2 when fewer visits are approved than asked (allotment or yearly limit)', () => {
    const d = approved({
      status: 'PARTIALLY_APPROVED',
      reasons: ['CRITERIA_A_MET', 'BENEFIT_LIMIT_APPLIED'],
      lines: [{ cpt: '97124', status: 'APPROVED', reasons: ['CRITERIA_A_MET', 'BENEFIT_LIMIT_APPLIED'] }],
      authorization: {
        visitsRequested: 8,
        visitsAuthorized: 3,
        validFrom: '2026-12-01',
        validTo: '2027-01-30',
      },
    });
    const bundle = pasResponseBundle(d, oneItem, { now: NOW });
    expect(actions(bundle)).toEqual([[3, 'A2', ['CRITERIA_A_MET', 'BENEFIT_LIMIT_APPLIED'], 3]]);
    expect(r4IssuesDeep(bundle)).toEqual([]);
  });

  it('A3 per line beside an approved one, outcome complete', () => {
    const d = approved({
      status: 'PARTIALLY_APPROVED',
      reasons: ['CODE_NOT_IN_RANGE', 'CRITERIA_A_MET'],
      lines: [
        { cpt: '97124', status: 'APPROVED', reasons: ['CRITERIA_A_MET'] },
        { cpt: '99213', status: 'DENIED', reasons: ['CODE_NOT_IN_RANGE'] },
      ],
    });
    const bundle = pasResponseBundle(d, echo, { now: NOW });
    expect(actions(bundle)).toEqual([
      [1, 'A1', ['CRITERIA_A_MET'], 6],
      [2, 'A3', ['CODE_NOT_IN_RANGE'], undefined],
    ]);
    expect((bundle.entry?.[0]?.resource as { outcome: string }).outcome).toBe('complete');
    expect(r4IssuesDeep(bundle)).toEqual([]);
  });

  it('A4 pended: queued when every item waits, partial beside a final one; no preAuthPeriod', () => {
    const pended = approved({
      status: 'PENDING_REVIEW',
      reasons: ['A3_NOT_MET'],
      lines: [
        { cpt: '97124', status: 'PENDING_REVIEW', reasons: ['A3_NOT_MET'] },
        { cpt: '99213', status: 'DENIED', reasons: ['CODE_NOT_IN_RANGE'] },
      ],
      authorization: undefined,
      decidedAt: undefined,
    });
    const partial = pasResponseBundle(pended, echo, { now: NOW });
    expect(actions(partial)).toEqual([
      [1, 'A4', ['A3_NOT_MET'], undefined],
      [2, 'A3', ['CODE_NOT_IN_RANGE'], undefined],
    ]);
    expect(partial.entry?.[0]?.resource).toMatchObject({ outcome: 'partial' });
    expect(partial.entry?.[0]?.resource).not.toHaveProperty('preAuthPeriod');
    const received = pasResponseBundle(
      approved({ status: 'RECEIVED', reasons: [], lines: [], authorization: undefined }),
      echo,
      { now: NOW },
    );
    expect(received.entry?.[0]?.resource).toMatchObject({ outcome: 'queued' });
    expect(actions(received).map((a) => a[1])).toEqual(['A4', 'A4']);
    expect(r4IssuesDeep(partial)).toEqual([]);
    expect(r4IssuesDeep(received)).toEqual([]);
  });

  it('asks for the questionnaire with a PAS Task when the case has no clinical section', () => {
    const d = approved({
      status: 'PENDING_INFORMATION',
      reasons: [],
      lines: [],
      authorization: undefined,
      needsQuestionnaire: true,
    });
    const bundle = pasResponseBundle(d, echo, { now: NOW });
    expect(r4IssuesDeep(bundle)).toEqual([]);
    const task = bundle.entry?.find((e) => e.resource?.resourceType === 'Task')
      ?.resource as unknown as Record<string, unknown>;
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      code: { coding: [{ code: 'attachment-request-questionnaire' }] },
      reasonReference: { identifier: echo.claimIdentifiers[0] },
    });
    expect(JSON.stringify(task.input)).toContain(
      'https://prior-auth.example.org/fhir/Questionnaire/massage-therapy',
    );
    expect((bundle.entry?.[0]?.resource as { processNote: { text: string }[] }).processNote[0]?.text).toMatch(
      /Claim update/,
    );
  });
});

describe('conformance resources and errors', () => {
  it('the Questionnaire is valid R4 and its linkIds are SPEC 4.1 clinical field names (SPEC 8)', () => {
    const q = massageTherapyQuestionnaire();
    expect(r4Issues(q)).toEqual([]);
    expect(q.item?.map((i) => i.linkId)).toEqual([
      'purpose',
      'objectiveFindings',
      'functionalLimitations',
      'therapeuticBenefit',
      'expectedImprovementWeeks',
      'terminal',
      'comfortCare',
      'contraindications',
      'outcomeMeasure',
      'planOfCareCertifiedOn',
      'planOfCareCertifierNpi',
    ]);
    expect(q.item?.find((i) => i.linkId === 'outcomeMeasure')?.item?.map((i) => i.linkId)).toEqual([
      'instrument',
      'score',
      'goal',
    ]);
  });

  it('the CapabilityStatement is valid R4 and lists $submit and $inquire', () => {
    const cs = capabilityStatement(NOW);
    expect(r4Issues(cs)).toEqual([]);
    expect(cs.rest?.[0]?.resource?.find((r) => r.type === 'Claim')?.operation?.map((o) => o.name)).toEqual([
      'submit',
      'inquire',
    ]);
  });

  it('errors become a valid OperationOutcome with the same status, one issue per bad element', () => {
    const invalid = toOperationOutcome(
      new ValidationError([
        { field: 'Bundle.entry[0].resource.careTeam', message: 'needs a member with role 82' },
      ]),
    );
    expect(invalid.status).toBe(422);
    expect(r4Issues(invalid.body)).toEqual([]);
    expect(invalid.body.issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'invalid',
        expression: ['Bundle.entry[0].resource.careTeam'],
      }),
    ]);
    const missing = toOperationOutcome(new NotFoundError('ClaimResponse x'));
    expect(missing.status).toBe(404);
    expect(missing.body.issue[0]).toMatchObject({
      code: 'not-found',
      details: { text: 'ClaimResponse x was not found.' },
    });
    const crash = toOperationOutcome(new Error('boom'));
    expect(crash.status).toBe(500);
    expect(r4Issues(crash.body)).toEqual([]);
  });
});

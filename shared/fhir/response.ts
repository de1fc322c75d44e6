/**
 * The recorded determination → a PAS response Bundle (ClaimResponse first). Pure: no I/O.
 *
 * Per item: the PAS reviewAction extension on the item's adjudication, with the X12 306 action code
 * (A1 certified in total, A2 certified for fewer visits than asked, A3 not certified, A4 pended), the
 * SPEC 5.6 reason codes as its reasonCodes, and the approved visits as the adjudication's value.
 */
import type {
  Bundle,
  BundleEntry,
  ClaimResponse,
  ClaimResponseItem,
  Extension,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import {
  ADJUDICATION_SYSTEM,
  DESK,
  MEMBER_ID_SYSTEM,
  PAS_EXTENSION,
  PAS_PROFILE,
  PAS_TEMP_CODES,
  QUESTIONNAIRE_URL,
  REASON_CODE_SYSTEM,
  REFERRAL_ID_SYSTEM,
  SYSTEM,
  X12_ACTION_CODE_SYSTEM,
} from './constants.js';
import type { PasEcho } from './request.js';

/** What the response reads of a referral record (a narrow view, so the record may grow freely). */
export interface PasDetermination {
  referralId: string;
  status: string;
  reasons: readonly string[];
  lines: readonly { cpt: string; status: string; reasons: readonly string[] }[];
  authorization?:
    | { visitsRequested: number; visitsAuthorized: number; validFrom: string; validTo: string }
    | undefined;
  receivedAt: string;
  decidedAt?: string | undefined;
  renderingProviderNpi: string;
  /** The case has no clinical section: the response asks for the questionnaire (SPEC 8, 10). */
  needsQuestionnaire: boolean;
}

export type ReviewActionCode = 'A1' | 'A2' | 'A3' | 'A4';
const ACTION_DISPLAY: Record<ReviewActionCode, string> = {
  A1: 'Certified in total',
  A2: 'Certified - partial',
  A3: 'Not Certified',
  A4: 'Pended',
};

export interface ItemAction {
  code: ReviewActionCode;
  reasons: string[];
  visits?: number;
}

const FINAL = new Set(['APPROVED', 'PARTIALLY_APPROVED', 'DENIED']);

/** One item's review action, from its line and the referral's authorization. */
export function itemAction(d: PasDetermination, cpt: string): ItemAction {
  const line = d.lines.find((l) => l.cpt === cpt);
  const reasons = [...(line?.reasons.length ? line.reasons : d.reasons)];
  if (!line) return { code: 'A4', reasons };
  if (line.status === 'DENIED') return { code: 'A3', reasons };
  if (line.status === 'APPROVED' && FINAL.has(d.status) && d.authorization) {
    const { visitsAuthorized, visitsRequested } = d.authorization;
    return { code: visitsAuthorized < visitsRequested ? 'A2' : 'A1', reasons, visits: visitsAuthorized };
  }
  return { code: 'A4', reasons };
}

/** SPEC 8: complete when every item has a final action, queued when every item is pended, else partial. */
export function outcomeOf(actions: readonly ItemAction[]): 'complete' | 'queued' | 'partial' {
  const pended = actions.filter((a) => a.code === 'A4').length;
  if (pended === 0) return 'complete';
  return pended === actions.length ? 'queued' : 'partial';
}

const url = (type: string, id: string) => `${DESK}/${type}/${id}`;
/** FHIR ids are [A-Za-z0-9-.]{1,64}. */
const fhirId = (value: string) => value.replace(/[^A-Za-z0-9\-.]/g, '-').slice(0, 64) || 'x';

function reviewAction(action: ItemAction, referralId: string): Extension {
  return {
    url: PAS_EXTENSION.reviewAction,
    extension: [
      {
        url: PAS_EXTENSION.reviewActionCode,
        valueCodeableConcept: {
          coding: [
            { system: X12_ACTION_CODE_SYSTEM, code: action.code, display: ACTION_DISPLAY[action.code] },
          ],
        },
      },
      ...(action.code === 'A1' || action.code === 'A2' ? [{ url: 'number', valueString: referralId }] : []),
      ...action.reasons.map((code) => ({
        url: 'reasonCode',
        valueCodeableConcept: { coding: [{ system: REASON_CODE_SYSTEM, code }] },
      })),
    ],
  };
}

export interface ResponseOptions {
  /** When the response is built (Bundle.timestamp, ClaimResponse.created). */
  now: string;
  /** `$inquire` answers with the inquiry-response Bundle profile. */
  inquiry?: boolean;
}

/** The PAS response Bundle: ClaimResponse, then the Patient, insurer and requestor it names, then any Task. */
export function pasResponseBundle(d: PasDetermination, echo: PasEcho, options: ResponseOptions): Bundle {
  const patient: Patient = {
    resourceType: 'Patient',
    id: fhirId(`member-${echo.memberId}`),
    identifier: [
      {
        type: { coding: [{ system: SYSTEM.identifierType, code: 'MB' }] },
        system: MEMBER_ID_SYSTEM,
        value: echo.memberId,
      },
    ],
  };
  const insurer: Organization = {
    resourceType: 'Organization',
    id: 'desk',
    active: true,
    name: 'Massage therapy prior-authorization desk',
  };
  const requestor: Practitioner = {
    resourceType: 'Practitioner',
    id: fhirId(`npi-${d.renderingProviderNpi}`),
    identifier: [{ system: SYSTEM.npi, value: d.renderingProviderNpi }],
  };
  const ref = (r: Patient | Organization | Practitioner) => ({
    // Relative: resolves against the entries' fullUrl base (FHIR Bundle reference resolution).
    reference: `${r.resourceType}/${r.id}`,
  });

  const actions = echo.items.map((item) => ({ item, action: itemAction(d, item.cpt) }));
  const outcome = outcomeOf(actions.map((a) => a.action));
  const items: ClaimResponseItem[] = actions.map(({ item, action }) => ({
    itemSequence: item.sequence,
    adjudication: [
      {
        category: { coding: [{ system: ADJUDICATION_SYSTEM, code: 'submitted' }] },
        extension: [reviewAction(action, d.referralId)],
        ...(action.visits === undefined ? {} : { value: action.visits }),
      },
    ],
  }));
  const claimIdentifier: Identifier | undefined = echo.claimIdentifiers[0];
  const claimResponse: ClaimResponse = {
    resourceType: 'ClaimResponse',
    id: fhirId(d.referralId),
    meta: { profile: [PAS_PROFILE.claimResponse] },
    identifier: echo.claimIdentifiers.map((i) => ({ ...i })),
    status: 'active',
    type: { coding: [{ system: SYSTEM.claimType, code: 'professional' }] },
    use: 'preauthorization',
    patient: ref(patient),
    created: d.decidedAt ?? options.now,
    insurer: ref(insurer),
    requestor: ref(requestor),
    request: claimIdentifier ? { identifier: { ...claimIdentifier } } : { display: 'the submitted Claim' },
    outcome,
    disposition: `${d.status}${d.reasons.length ? `: ${d.reasons.join(', ')}` : ''}`,
    preAuthRef: d.referralId,
    ...(d.authorization
      ? { preAuthPeriod: { start: d.authorization.validFrom, end: d.authorization.validTo } }
      : {}),
    item: items,
    ...(d.needsQuestionnaire
      ? {
          processNote: [
            {
              number: 1,
              type: 'display',
              text: `Pended for clinical information: answer the questionnaire ${QUESTIONNAIRE_URL} and send a Claim update (Claim.related.claim naming this request) with the QuestionnaireResponse in supportingInfo.`,
            },
          ],
        }
      : {}),
  };

  const resources: Resource[] = [claimResponse, patient, insurer, requestor];
  if (d.needsQuestionnaire) resources.push(questionnaireTask(d, echo, patient, claimIdentifier, options.now));
  const entry: BundleEntry[] = resources.map((resource) => ({
    fullUrl: url(resource.resourceType, resource.id as string),
    resource,
  }));
  return {
    resourceType: 'Bundle',
    id: fhirId(`${d.referralId}-response`),
    meta: { profile: [options.inquiry ? PAS_PROFILE.inquiryResponseBundle : PAS_PROFILE.responseBundle] },
    identifier: echo.bundleIdentifier
      ? { ...echo.bundleIdentifier }
      : { system: REFERRAL_ID_SYSTEM, value: d.referralId },
    type: 'collection',
    timestamp: options.now,
    entry,
  };
}

/** PAS Task asking for the questionnaire (code attachment-request-questionnaire), one context per item. */
function questionnaireTask(
  d: PasDetermination,
  echo: PasEcho,
  patient: Patient,
  claimIdentifier: Identifier | undefined,
  now: string,
): Task {
  return {
    resourceType: 'Task',
    id: fhirId(`${d.referralId}-questionnaire`),
    meta: { profile: [PAS_PROFILE.task] },
    identifier: [{ system: `${REFERRAL_ID_SYSTEM}/task`, value: `${d.referralId}-questionnaire` }],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: PAS_TEMP_CODES, code: 'attachment-request-questionnaire' }] },
    description: `Answer the massage-therapy medical-necessity questionnaire (${QUESTIONNAIRE_URL}) and send it in a Claim update.`,
    for: { reference: `Patient/${patient.id}` },
    authoredOn: now,
    reasonCode: { coding: [{ system: PAS_TEMP_CODES, code: 'priorAuthorization' }] },
    reasonReference: claimIdentifier
      ? { identifier: { ...claimIdentifier } }
      : { display: 'the submitted Claim' },
    input: [
      { type: { coding: [{ system: PAS_TEMP_CODES, code: 'payer-url' }] }, valueUrl: DESK },
      ...echo.items.map((item) => ({
        type: { coding: [{ system: PAS_TEMP_CODES, code: 'questionnaire-context' }] },
        extension: [{ url: PAS_EXTENSION.serviceLineNumber, valuePositiveInt: item.sequence }],
        valueString: QUESTIONNAIRE_URL,
      })),
      { type: { text: 'questionnaire' }, valueCanonical: QUESTIONNAIRE_URL },
    ],
  };
}

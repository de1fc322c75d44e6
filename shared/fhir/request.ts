/**
 * PAS request Bundle → the SPEC 4.1 referral body, by SPEC 8's reading rules. Pure: no I/O.
 *
 * zod guards the shape of what is read (loosely: a PAS Bundle carries much the desk ignores);
 * what is missing or does not resolve is a 422 whose details name each element as a FHIRPath
 * expression from the Bundle (`Bundle.entry[0].resource.careTeam`), as PAS's ErrorPath does.
 * The referral's own rules (NPI check digits, ICD-10 shape, date windows) stay in shared/schemas.ts:
 * `origin` maps each referral field back to the element it came from, so their 422s name elements too.
 */
import type { Identifier } from '@medplum/fhirtypes';
import * as z from 'zod';
import { type ErrorDetail, ValidationError } from '../errors.js';
import { PAS_EXTENSION, QUESTIONNAIRE_ID, SYSTEM } from './constants.js';

// ---------- the shapes read ----------
const Coding = z.looseObject({ system: z.string().optional(), code: z.string().optional() });
const CodeableConcept = z.looseObject({ coding: z.array(Coding).optional(), text: z.string().optional() });
const IdentifierSchema = z.looseObject({
  system: z.string().optional(),
  value: z.string().optional(),
  type: CodeableConcept.optional(),
});
const Reference = z.looseObject({
  reference: z.string().optional(),
  identifier: IdentifierSchema.optional(),
});
const ResourceSchema = z.looseObject({ resourceType: z.string().min(1), id: z.string().optional() });
const BundleSchema = z.looseObject({
  resourceType: z.literal('Bundle', { message: 'must be a Bundle' }),
  identifier: IdentifierSchema.optional(),
  entry: z
    .array(z.looseObject({ fullUrl: z.string().optional(), resource: ResourceSchema }), {
      message: 'is required: the Claim first, then every resource it references',
    })
    .min(1, { message: 'is required: the Claim first, then every resource it references' }),
});
const ExtensionSchema = z.looseObject({
  url: z.string(),
  valueBoolean: z.boolean().optional(),
  valueCodeableConcept: CodeableConcept.optional(),
});
const Extensions = z.array(ExtensionSchema).optional();
const ClaimSchema = z.looseObject({
  resourceType: z.literal('Claim', { message: 'the first entry must be the Claim' }),
  extension: Extensions,
  identifier: z.array(IdentifierSchema).optional(),
  patient: Reference.optional(),
  priority: CodeableConcept.optional(),
  insurance: z.array(z.looseObject({ focal: z.boolean().optional(), coverage: Reference })).optional(),
  careTeam: z.array(z.looseObject({ provider: Reference, role: CodeableConcept.optional() })).optional(),
  diagnosis: z
    .array(
      z.looseObject({
        diagnosisCodeableConcept: CodeableConcept.optional(),
        diagnosisReference: Reference.optional(),
      }),
    )
    .optional(),
  supportingInfo: z
    .array(z.looseObject({ valueReference: Reference.optional(), modifierExtension: Extensions }))
    .optional(),
  item: z
    .array(
      z.looseObject({
        sequence: z.number().int().positive(),
        modifierExtension: Extensions,
        productOrService: CodeableConcept,
        quantity: z.looseObject({ value: z.number().optional() }).optional(),
        servicedDate: z.string().optional(),
        servicedPeriod: z.looseObject({ start: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  related: z.array(z.looseObject({ claim: Reference.optional() })).optional(),
});
type Claim = z.output<typeof ClaimSchema>;
const CoverageSchema = z.looseObject({
  resourceType: z.literal('Coverage'),
  subscriberId: z.string().optional(),
  identifier: z.array(IdentifierSchema).optional(),
});
const PatientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  identifier: z.array(IdentifierSchema).optional(),
});
const PractitionerSchema = z.looseObject({
  resourceType: z.enum(['Practitioner', 'PractitionerRole']),
  identifier: z.array(IdentifierSchema).optional(),
  practitioner: Reference.optional(),
});
const ConditionSchema = z.looseObject({
  resourceType: z.literal('Condition'),
  code: CodeableConcept.optional(),
});
interface QrItem {
  linkId?: string;
  answer?: Record<string, unknown>[];
  item?: QrItem[];
}
const QrItemSchema: z.ZodType<QrItem> = z.lazy(() =>
  z.looseObject({
    linkId: z.string().optional(),
    answer: z.array(z.looseObject({})).optional(),
    item: z.array(QrItemSchema).optional(),
  }),
);
const QuestionnaireResponseSchema = z.looseObject({
  resourceType: z.literal('QuestionnaireResponse'),
  questionnaire: z.string().optional(),
  item: z.array(QrItemSchema).optional(),
});

// ---------- what comes out ----------
export interface PasItem {
  sequence: number;
  cpt: string;
}

/** What the response echoes back from the request (SPEC 8: identifiers, item sequences). */
export interface PasEcho {
  claimIdentifiers: Identifier[];
  bundleIdentifier?: Identifier;
  items: PasItem[];
  memberId: string;
}

export interface PasRequest {
  /** SPEC 4.1 body; `clinical` absent when no QuestionnaireResponse answers the questionnaire. */
  referral: Record<string, unknown>;
  hasQuestionnaireResponse: boolean;
  echo: PasEcho;
  /**
   * `Claim.related.claim`: this Claim updates an earlier one (SPEC 8 updates, PASClaimUpdate). The
   * earlier request's identifiers: the reference's own identifier, or those of the prior Claim the
   * reference resolves to inside the Bundle (as the IG sends it).
   */
  updates?: { identifiers: Identifier[]; path: string };
  /** Referral field path (`services.0.cpt`) → the FHIRPath of the element it was read from. */
  origin: Record<string, string>;
}

/** A zod failure as details whose field is a FHIRPath under `prefix`. */
function zodDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  return error.issues.map((issue) => ({ field: fhirPath(prefix, issue.path), message: issue.message }));
}

function fhirPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

function parseAt<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodDetails(result.error, prefix));
  return result.data;
}

interface Located<T = Record<string, unknown>> {
  resource: T;
  /** `Bundle.entry[3].resource` */
  path: string;
}

/** "Every reference resolves inside the Bundle": by fullUrl, or `Type/id` against fullUrl tails and ids. */
function resolver(
  entries: { fullUrl?: string | undefined; resource: { resourceType: string; id?: string | undefined } }[],
) {
  return (reference: string | undefined): Located | undefined => {
    if (!reference) return undefined;
    const relative = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(reference);
    for (const [i, entry] of entries.entries()) {
      const hit =
        entry.fullUrl === reference ||
        (relative !== null &&
          !reference.startsWith('urn:') &&
          ((entry.resource.resourceType === relative[1] && entry.resource.id === relative[2]) ||
            (entry.fullUrl?.endsWith(`/${relative[1]}/${relative[2]}`) ?? false)));
      if (hit)
        return { resource: entry.resource as Record<string, unknown>, path: `Bundle.entry[${i}].resource` };
    }
    return undefined;
  };
}

const codesOf = (cc: z.output<typeof CodeableConcept> | undefined) =>
  (cc?.coding ?? []).map((c) => c.code).filter((c): c is string => typeof c === 'string');
const hasType = (id: z.output<typeof IdentifierSchema>, code: string) => codesOf(id.type).includes(code);
const dateOf = (value: string | undefined) =>
  value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;

/** SPEC 8 care-team roles: rendering `82` or `SJ`; ordering `DK` or `DN`. */
const RENDERING_ROLES = ['82', 'SJ'];
const ORDERING_ROLES = ['DK', 'DN'];

/** The first entry must be a Claim; anything not parsing is a 422 naming its element. */
export function readPasBundle(body: unknown): { bundle: z.output<typeof BundleSchema>; claim: Claim } {
  const bundle = parseAt(BundleSchema, body, 'Bundle');
  const first = bundle.entry[0];
  const claim = parseAt(ClaimSchema, first?.resource, 'Bundle.entry[0].resource');
  return { bundle, claim };
}

/** `system|value` of the Claim's first identifier with a value: what "the same Claim" means. */
export function claimKey(identifiers: readonly Identifier[]): string | undefined {
  const id = identifiers.find((i) => i.value);
  return id ? `${id.system ?? ''}|${id.value}` : undefined;
}

/** Reads a `$submit` Bundle (a new Claim or an update) into the SPEC 4.1 referral body. */
export function readPasRequest(body: unknown): PasRequest {
  const { bundle, claim } = readPasBundle(body);
  const claimPath = 'Bundle.entry[0].resource';
  const resolve = resolver(bundle.entry);
  const details: ErrorDetail[] = [];
  const origin: Record<string, string> = {};
  const missing = (field: string, message: string) => details.push({ field, message });

  const claimIdentifiers = (claim.identifier ?? []).filter((i) => i.value) as Identifier[];
  if (claimIdentifiers.length === 0) {
    missing(
      `${claimPath}.identifier`,
      'is required: the submitter’s identifier of this request (a repeat with the same one gets the first answer)',
    );
  }

  // ----- member -----
  let memberId: string | undefined;
  const insurance = [...(claim.insurance ?? [])]
    .map((ins, i) => ({ ins, i }))
    .sort((a, b) => Number(b.ins.focal ?? false) - Number(a.ins.focal ?? false));
  for (const { ins, i } of insurance) {
    const found = resolve(ins.coverage.reference);
    if (!found) {
      missing(`${claimPath}.insurance[${i}].coverage`, 'does not resolve to a Coverage inside the Bundle');
      continue;
    }
    const coverage = CoverageSchema.safeParse(found.resource);
    if (!coverage.success) {
      details.push(...zodDetails(coverage.error, found.path));
      continue;
    }
    if (coverage.data.subscriberId) {
      memberId = coverage.data.subscriberId;
      origin.memberId = `${found.path}.subscriberId`;
    } else {
      const index = (coverage.data.identifier ?? []).findIndex((id) => hasType(id, 'MB') && id.value);
      if (index >= 0) {
        memberId = coverage.data.identifier?.[index]?.value;
        origin.memberId = `${found.path}.identifier[${index}]`;
      }
    }
    if (memberId) break;
  }
  if (!memberId && claim.patient?.reference) {
    const found = resolve(claim.patient.reference);
    if (!found) missing(`${claimPath}.patient`, 'does not resolve to a Patient inside the Bundle');
    else {
      const patient = PatientSchema.safeParse(found.resource);
      if (!patient.success) details.push(...zodDetails(patient.error, found.path));
      else {
        const index = (patient.data.identifier ?? []).findIndex((id) => hasType(id, 'MB') && id.value);
        if (index >= 0) {
          memberId = patient.data.identifier?.[index]?.value;
          origin.memberId = `${found.path}.identifier[${index}]`;
        }
      }
    }
  }
  if (!memberId) {
    missing(
      `${claimPath}.insurance`,
      'no member id: needs a Coverage with subscriberId, or a Coverage or Patient identifier of type MB',
    );
  }

  // ----- providers -----
  const providerNpi = (roles: string[], what: string, field: string): string | undefined => {
    const index = (claim.careTeam ?? []).findIndex((m) => codesOf(m.role).some((c) => roles.includes(c)));
    const member = index >= 0 ? claim.careTeam?.[index] : undefined;
    if (!member) {
      missing(
        `${claimPath}.careTeam`,
        `needs a member with role ${roles.join(' or ')} (the ${what} provider)`,
      );
      return undefined;
    }
    const at = `${claimPath}.careTeam[${index}].provider`;
    let found = resolve(member.provider.reference);
    let parsed = found ? PractitionerSchema.safeParse(found.resource) : undefined;
    // Through PractitionerRole.practitioner, unless the role itself carries the NPI.
    if (parsed?.success && parsed.data.resourceType === 'PractitionerRole') {
      const own = (parsed.data.identifier ?? []).some((id) => id.system === SYSTEM.npi && id.value);
      if (!own) {
        found = resolve(parsed.data.practitioner?.reference);
        parsed = found ? PractitionerSchema.safeParse(found.resource) : undefined;
      }
    }
    if (!found || !parsed) {
      missing(at, `does not resolve to a Practitioner inside the Bundle (the ${what} provider)`);
      return undefined;
    }
    if (!parsed.success) {
      missing(at, `must be a Practitioner or PractitionerRole (the ${what} provider)`);
      return undefined;
    }
    const npiIndex = (parsed.data.identifier ?? []).findIndex((id) => id.system === SYSTEM.npi && id.value);
    if (npiIndex < 0) {
      missing(`${found.path}.identifier`, `needs an NPI (system ${SYSTEM.npi}) for the ${what} provider`);
      return undefined;
    }
    origin[field] = `${found.path}.identifier[${npiIndex}]`;
    return parsed.data.identifier?.[npiIndex]?.value;
  };
  const renderingProviderNpi = providerNpi(RENDERING_ROLES, 'rendering', 'renderingProviderNpi');
  const orderingProviderNpi = providerNpi(ORDERING_ROLES, 'ordering', 'orderingProviderNpi');

  // ----- items: services, visits, start -----
  const items: PasItem[] = [];
  const visits: number[] = [];
  const starts: string[] = [];
  if (!claim.item?.length) missing(`${claimPath}.item`, 'is required: one item per CPT code requested');
  for (const [i, item] of (claim.item ?? []).entries()) {
    const at = `${claimPath}.item[${i}]`;
    if (cancelled(item.modifierExtension)) {
      missing(
        `${at}.modifierExtension`,
        'cancels this item (infoCancelled): the desk does not cancel items; submit a new request without it',
      );
    }
    const coding = (item.productOrService.coding ?? []).find(
      (c) => (c.system === SYSTEM.cpt || c.system === SYSTEM.hcpcs) && c.code,
    );
    if (!coding?.code) missing(`${at}.productOrService`, `needs a CPT coding (system ${SYSTEM.cpt})`);
    else {
      origin[`services.${items.length}`] = `${at}.productOrService`;
      items.push({ sequence: item.sequence, cpt: coding.code });
    }
    if (item.quantity?.value === undefined)
      missing(`${at}.quantity`, 'is required: the number of visits requested');
    else {
      visits.push(item.quantity.value);
      origin.requestedVisits ??= `${at}.quantity.value`;
    }
    const start = dateOf(item.servicedDate ?? item.servicedPeriod?.start);
    if (!start)
      missing(`${at}.serviced[x]`, 'is required: servicedDate or servicedPeriod.start (the start date)');
    else {
      starts.push(start);
      origin.startDate ??= item.servicedDate ? `${at}.servicedDate` : `${at}.servicedPeriod.start`;
    }
  }

  // ----- diagnoses -----
  const diagnoses: { code: string }[] = [];
  for (const [i, dx] of (claim.diagnosis ?? []).entries()) {
    const at = `${claimPath}.diagnosis[${i}]`;
    let cc = dx.diagnosisCodeableConcept;
    let path = `${at}.diagnosisCodeableConcept`;
    if (!cc && dx.diagnosisReference) {
      const found = resolve(dx.diagnosisReference.reference);
      const condition = found ? ConditionSchema.safeParse(found.resource) : undefined;
      if (!found || !condition?.success) {
        missing(`${at}.diagnosisReference`, 'does not resolve to a Condition inside the Bundle');
        continue;
      }
      cc = condition.data.code;
      path = `${found.path}.code`;
    }
    const code = (cc?.coding ?? []).find((c) => c.system === SYSTEM.icd10cm && c.code)?.code;
    if (!code) missing(path, `needs an ICD-10-CM coding (system ${SYSTEM.icd10cm})`);
    else {
      origin[`diagnoses.${diagnoses.length}`] = path;
      diagnoses.push({ code });
    }
  }
  if (!claim.diagnosis?.length)
    missing(`${claimPath}.diagnosis`, 'is required: at least one ICD-10-CM diagnosis');

  // ----- clinical -----
  let clinical: Record<string, unknown> | undefined;
  for (const [i, info] of (claim.supportingInfo ?? []).entries()) {
    const ref = info.valueReference?.reference;
    // An update's entry flagged infoCancelled is no longer to be used (PASClaimUpdate).
    if (!ref || cancelled(info.modifierExtension)) continue;
    const found = resolve(ref);
    if (!found) {
      missing(`${claimPath}.supportingInfo[${i}].valueReference`, 'does not resolve inside the Bundle');
      continue;
    }
    if (found.resource.resourceType !== 'QuestionnaireResponse') continue;
    // The item tree is read recursively: refuse absurd nesting before it can exhaust the stack.
    if (itemDepth(found.resource) > MAX_ITEM_DEPTH) {
      missing(`${found.path}.item`, `nests deeper than ${MAX_ITEM_DEPTH} levels`);
      continue;
    }
    const qr = QuestionnaireResponseSchema.safeParse(found.resource);
    if (!qr.success) {
      details.push(...zodDetails(qr.error, found.path));
      continue;
    }
    const read = readClinical(qr.data.item ?? [], found.path, origin);
    const answersOurs = qr.data.questionnaire?.includes(`Questionnaire/${QUESTIONNAIRE_ID}`) || read.answered;
    if (answersOurs) {
      clinical = read.clinical;
      origin.clinical = found.path;
      break;
    }
  }

  // Without one, a 422 about `clinical` names where the answers belong.
  origin.clinical ??= `${claimPath}.supportingInfo`;
  // ----- an update of an earlier request -----
  let updates: PasRequest['updates'];
  const relatedIndex = (claim.related ?? []).findIndex((r) => r.claim);
  const related = claim.related?.[relatedIndex]?.claim;
  if (related) {
    const path = `${claimPath}.related[${relatedIndex}].claim`;
    const identifiers: Identifier[] = [];
    if (related.identifier?.value) identifiers.push(related.identifier as Identifier);
    else {
      const prior = resolve(related.reference);
      const parsed = prior ? ClaimSchema.safeParse(prior.resource) : undefined;
      if (parsed?.success)
        identifiers.push(...((parsed.data.identifier ?? []).filter((i) => i.value) as Identifier[]));
    }
    if (identifiers.length) updates = { identifiers, path };
    else
      missing(
        path,
        'must name the request it updates: an identifier, or a reference to the prior Claim (with its identifier) inside the Bundle',
      );
  }
  const cancelIndex = (claim.extension ?? []).findIndex(
    (e) => e.url === PAS_EXTENSION.certificationType && codesOf(e.valueCodeableConcept).includes('3'),
  );
  if (cancelIndex >= 0) {
    missing(
      `${claimPath}.extension[${cancelIndex}]`,
      'cancels the request (certificationType 3): cancelling is not supported; the request stays as it is',
    );
  }
  if (details.length)
    throw new ValidationError(details, 'The PAS request Bundle is missing what the desk needs.');

  const referral: Record<string, unknown> = {
    memberId,
    renderingProviderNpi,
    orderingProviderNpi,
    urgency: codesOf(claim.priority).includes('stat') ? 'expedited' : 'standard',
    startDate: [...starts].sort()[0],
    requestedVisits: Math.max(...visits),
    diagnoses,
    // PAS carries visits in item.quantity and nothing for units per visit: the desk records 1.
    services: items.map((item) => ({ cpt: item.cpt, unitsPerVisit: 1 })),
    ...(clinical ? { clinical } : {}),
  };
  origin.urgency = `${claimPath}.priority`;
  return {
    referral,
    hasQuestionnaireResponse: clinical !== undefined,
    echo: {
      claimIdentifiers,
      ...(bundle.identifier ? { bundleIdentifier: bundle.identifier as Identifier } : {}),
      items,
      memberId: memberId as string,
    },
    ...(updates ? { updates } : {}),
    origin,
  };
}

const MAX_ITEM_DEPTH = 32;

/** PASClaimUpdate's infoCancelled modifier extension set on an entry. */
const cancelled = (extensions: z.output<typeof Extensions>) =>
  (extensions ?? []).some((e) => e.url === PAS_EXTENSION.infoCancelled && e.valueBoolean === true);

/** How deep `item` arrays nest under a resource, counted without recursion. */
function itemDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_ITEM_DEPTH) return deepest;
    const items = (node as { item?: unknown } | null)?.item;
    if (Array.isArray(items)) for (const child of items) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The linkIds of SPEC 8, answered anywhere in the response's item tree. */
const CLINICAL_LINK_IDS = [
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
] as const;

/** An answer's value, whatever its type: the referral schema then judges it. */
function answerValue(answer: Record<string, unknown>): unknown {
  for (const [key, value] of Object.entries(answer)) {
    if (!key.startsWith('value')) continue;
    if (key === 'valueCoding') return (value as { code?: unknown } | null)?.code;
    return value;
  }
  return undefined;
}

function readClinical(items: QrItem[], qrPath: string, origin: Record<string, string>) {
  const found = new Map<string, { item: QrItem; path: string }[]>();
  const walk = (list: QrItem[], path: string) => {
    list.forEach((item, i) => {
      const at = `${path}.item[${i}]`;
      if (item.linkId && (CLINICAL_LINK_IDS as readonly string[]).includes(item.linkId)) {
        found.set(item.linkId, [...(found.get(item.linkId) ?? []), { item, path: at }]);
        if (item.linkId === 'outcomeMeasure') return;
      }
      walk(item.item ?? [], at);
    });
  };
  walk(items, qrPath);
  const first = (linkId: string) => found.get(linkId)?.[0];
  const one = (linkId: string, field: string) => {
    const hit = first(linkId);
    if (!hit) return undefined;
    origin[`clinical.${field}`] = `${hit.path}.answer`;
    const answer = hit.item.answer?.[0];
    return answer ? answerValue(answer) : undefined;
  };
  const many = (linkId: string, field: string) => {
    const hits = found.get(linkId) ?? [];
    if (!hits.length) return undefined;
    origin[`clinical.${field}`] = `${hits[0]?.path}.answer`;
    return hits.flatMap((h) => (h.item.answer ?? []).map(answerValue));
  };

  const clinical: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) clinical[key] = value;
  };
  set('purpose', one('purpose', 'purpose'));
  set('objectiveFindings', many('objectiveFindings', 'objectiveFindings'));
  set('functionalLimitations', many('functionalLimitations', 'functionalLimitations'));
  set('therapeuticBenefit', one('therapeuticBenefit', 'therapeuticBenefit'));
  const weeks = one('expectedImprovementWeeks', 'expectedImprovement.withinWeeks');
  if (weeks !== undefined) clinical.expectedImprovement = { withinWeeks: weeks };
  const terminal = one('terminal', 'terminalIllness.terminal');
  const comfortCare = one('comfortCare', 'terminalIllness.comfortCare');
  if (terminal !== undefined || comfortCare !== undefined) {
    clinical.terminalIllness = { terminal: terminal ?? false, comfortCare: comfortCare ?? false };
  }
  set('contraindications', many('contraindications', 'contraindications'));
  const measures = (found.get('outcomeMeasure') ?? []).map((group, i) => {
    origin[`clinical.outcomeMeasures.${i}`] = group.path;
    const measure: Record<string, unknown> = {};
    for (const [j, part] of (group.item.item ?? []).entries()) {
      if (!part.linkId || !['instrument', 'score', 'goal'].includes(part.linkId)) continue;
      const answer = part.answer?.[0];
      if (answer) measure[part.linkId] = answerValue(answer);
      origin[`clinical.outcomeMeasures.${i}.${part.linkId}`] = `${group.path}.item[${j}].answer`;
    }
    return measure;
  });
  if (measures.length) clinical.outcomeMeasures = measures;
  const certifiedOn = one('planOfCareCertifiedOn', 'planOfCare.certifiedOn');
  const certifiedByNpi = one('planOfCareCertifierNpi', 'planOfCare.certifiedByNpi');
  if (certifiedOn !== undefined || certifiedByNpi !== undefined) {
    clinical.planOfCare = { certifiedOn, certifiedByNpi };
  }
  return { clinical, answered: found.size > 0 };
}

/**
 * A referral field path (`clinical.expectedImprovement.withinWeeks`, `services.1.cpt`) as the
 * FHIRPath of the element it was read from: the longest known prefix wins.
 */
export function elementOf(field: string, origin: Record<string, string>): string {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const hit = origin[parts.slice(0, n).join('.')];
    if (hit) return hit;
  }
  return 'Bundle.entry[0].resource';
}

/** Re-labels a referral 422's details with the Bundle elements they came from. */
export function toBundleDetails(
  details: readonly ErrorDetail[],
  origin: Record<string, string>,
): ErrorDetail[] {
  return details.map((d) => ({ field: elementOf(d.field, origin), message: `${d.field}: ${d.message}` }));
}

/** `$inquire`: the Claim's identifiers (the request's), read the same way. */
export function readPasInquiry(body: unknown): {
  claimIdentifiers: Identifier[];
  bundleIdentifier?: Identifier;
} {
  const { bundle, claim } = readPasBundle(body);
  const claimIdentifiers = (claim.identifier ?? []).filter((i) => i.value) as Identifier[];
  if (!claimIdentifiers.length) {
    throw new ValidationError([
      {
        field: 'Bundle.entry[0].resource.identifier',
        message: 'is required: the identifier of the request inquired about',
      },
    ]);
  }
  return {
    claimIdentifiers,
    ...(bundle.identifier ? { bundleIdentifier: bundle.identifier as Identifier } : {}),
  };
}

/**
 * SPEC 13: coverage discovery for EHRs (Da Vinci CRD over CDS Hooks 2.0). Pure: the handler looks
 * the member up and passes what it found; this module reads the hook's context and answers cards
 * and a `systemActions` update per order, from the code table and the member's benefit.
 */
import * as z from 'zod';
import { codeCheck } from './codes.js';
import type { LineOfBusiness } from './schemas.js';

export const CRD_SERVICE_ID = 'massage-therapy-crd';
export const CRD_HOOKS = ['order-select', 'order-sign', 'appointment-book'] as const;
export type CrdHook = (typeof CRD_HOOKS)[number];

/**
 * The desk's canonical base. The questionnaire's canonical URL is `<base>/fhir/Questionnaire/massage-therapy`,
 * the `url` of the questionnaire `GET /fhir/Questionnaire/massage-therapy` serves (SPEC 8), so a DTR
 * client can match the two.
 */
export const DESK_CANONICAL_BASE = 'https://prior-auth.example.org';
export const CRD_QUESTIONNAIRE_URL = `${DESK_CANONICAL_BASE}/fhir/Questionnaire/massage-therapy`;
export const COVERAGE_INFORMATION_URL =
  'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
export const CPT_SYSTEM = 'http://www.ama-assn.org/go/cpt';
const MEMBER_ID_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const SOURCE = { label: 'Massage therapy prior authorization desk', url: DESK_CANONICAL_BASE };

// ---------- the request (CDS Hooks 2.0 §4.2; hook contexts of order-select, order-sign, appointment-book) ----------
const FhirResource = z.looseObject({ resourceType: z.string().min(1), id: z.string().optional() });
type FhirResource = z.infer<typeof FhirResource>;
const FhirBundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: FhirResource.optional() })).optional(),
});

/** Unknown fields are tolerated (CDS Hooks extensions); what the service reads is checked. */
export const CdsHookRequestSchema = z
  .looseObject({
    hook: z.enum(CRD_HOOKS),
    hookInstance: z.string().min(1).max(128).describe('UUID of this hook call'),
    fhirServer: z.url().optional(),
    fhirAuthorization: z.looseObject({ access_token: z.string() }).optional(),
    context: z.looseObject({
      userId: z.string().min(1),
      patientId: z.string().min(1),
      encounterId: z.string().optional(),
      selections: z.array(z.string()).optional().describe('order-select: the orders just selected'),
      draftOrders: FhirBundle.optional().describe('order-select, order-sign: Bundle of draft orders'),
      appointments: FhirBundle.optional().describe('appointment-book: Bundle of proposed Appointments'),
    }),
    prefetch: z
      .record(z.string(), FhirResource.nullable())
      .optional()
      .describe(
        'Keys of the discovery document: `patient`, `coverage` (a Bundle of Coverage, or one Coverage)',
      ),
  })
  .superRefine((r, ctx) => {
    const key = r.hook === 'appointment-book' ? 'appointments' : 'draftOrders';
    if (!r.context[key])
      ctx.addIssue({ code: 'custom', path: ['context', key], message: `${r.hook} needs context.${key}` });
  })
  .describe('CDS Hooks 2.0 service request');
export type CdsHookRequest = z.infer<typeof CdsHookRequestSchema>;

// ---------- the answer (CDS Hooks 2.0 §4.3) ----------
const CardSchema = z.strictObject({
  uuid: z.string(),
  summary: z.string().max(140),
  detail: z.string().optional(),
  indicator: z.enum(['info', 'warning', 'critical']),
  source: z.strictObject({ label: z.string(), url: z.string().optional() }),
  links: z
    .array(z.strictObject({ label: z.string(), url: z.string(), type: z.enum(['absolute', 'smart']) }))
    .optional(),
});
export type Card = z.infer<typeof CardSchema>;

const SystemActionSchema = z.strictObject({
  type: z.literal('update'),
  description: z.string(),
  resource: FhirResource.describe(
    'The order (ServiceRequest or Appointment) with the coverage-information extension',
  ),
});
export type SystemAction = z.infer<typeof SystemActionSchema>;

export const CdsHookResponseSchema = z
  .strictObject({ cards: z.array(CardSchema), systemActions: z.array(SystemActionSchema) })
  .describe('CDS Hooks 2.0 cards and system actions');
export type CdsHookResponse = z.infer<typeof CdsHookResponseSchema>;

export const CdsDiscoverySchema = z
  .strictObject({
    services: z.array(
      z.strictObject({
        hook: z.enum(CRD_HOOKS),
        id: z.string(),
        title: z.string(),
        description: z.string(),
        prefetch: z.record(z.string(), z.string()),
        usageRequirements: z.string(),
      }),
    ),
  })
  .describe('CDS Hooks 2.0 discovery document');

const PREFETCH = {
  patient: 'Patient/{{context.patientId}}',
  coverage: 'Coverage?patient={{context.patientId}}&status=active',
};

/**
 * GET /cds-services. CDS Hooks gives each service one hook; SPEC 13 names one service on three,
 * so the service is listed once per hook under the same id: every entry posts to
 * `/cds-services/massage-therapy-crd`, and the request's `hook` says which one fired.
 */
export function discovery(): z.infer<typeof CdsDiscoverySchema> {
  const what = {
    'order-select': 'when a massage-therapy order is selected',
    'order-sign': 'when a massage-therapy order is signed',
    'appointment-book': 'when a massage-therapy visit is booked',
  } as const;
  return {
    services: CRD_HOOKS.map((hook) => ({
      hook,
      id: CRD_SERVICE_ID,
      title: 'Massage therapy coverage requirements (Da Vinci CRD)',
      description:
        `Tells the clinician, ${what[hook]}, whether the member's plan covers it, that it needs prior ` +
        'authorization, and which questionnaire to complete; adds the CRD coverage-information extension to each order.',
      prefetch: PREFETCH,
      usageRequirements:
        'Send the patient\'s Coverage (prefetch "coverage") with the member id in subscriberId or an MB identifier; orders carry CPT codes.',
    })),
  };
}

// ---------- reading the context ----------
interface Coding {
  system?: string;
  code?: string;
}
interface Identifier {
  system?: string;
  value?: string;
  type?: { coding?: Coding[] };
}

const resourcesOf = (bundle: unknown): FhirResource[] =>
  ((bundle as { entry?: { resource?: FhirResource }[] } | undefined)?.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is FhirResource => r !== undefined);

/** Every Coverage the EHR sent: prefetched (a Bundle or one resource), or inside the orders' Bundle. */
function coveragesOf(request: CdsHookRequest): FhirResource[] {
  const found: FhirResource[] = [];
  for (const value of Object.values(request.prefetch ?? {})) {
    if (!value) continue;
    if (value.resourceType === 'Coverage') found.push(value);
    if (value.resourceType === 'Bundle')
      found.push(...resourcesOf(value).filter((r) => r.resourceType === 'Coverage'));
  }
  const orders = request.context.draftOrders ?? request.context.appointments;
  found.push(...resourcesOf(orders).filter((r) => r.resourceType === 'Coverage'));
  return found;
}

/** The member id: `Coverage.subscriberId`, else an identifier typed MB (SPEC 8's reading of a PAS Coverage). */
export function memberIdOf(coverage: FhirResource): string | undefined {
  const subscriberId = coverage.subscriberId;
  if (typeof subscriberId === 'string' && subscriberId.trim()) return subscriberId.trim();
  const identifiers = (coverage.identifier ?? []) as Identifier[];
  const mb = identifiers.find((i) =>
    i.type?.coding?.some(
      (c) => c.code === 'MB' && (c.system === undefined || c.system === MEMBER_ID_TYPE_SYSTEM),
    ),
  );
  return mb?.value?.trim() || undefined;
}

const ORDER_TYPES = ['ServiceRequest', 'Appointment'];

/** The orders this hook is about, with the CPT codes each names (ServiceRequest.code, Appointment.serviceType). */
function ordersOf(request: CdsHookRequest): { order: FhirResource; cpts: string[] }[] {
  const bundle =
    request.hook === 'appointment-book' ? request.context.appointments : request.context.draftOrders;
  let orders = resourcesOf(bundle).filter((r) => ORDER_TYPES.includes(r.resourceType));
  const selections = request.hook === 'order-select' ? request.context.selections : undefined;
  if (selections?.length) {
    const picked = orders.filter((o) => selections.includes(`${o.resourceType}/${o.id}`));
    if (picked.length) orders = picked;
  }
  return orders.map((order) => {
    const concepts = (
      order.resourceType === 'Appointment' ? (order.serviceType ?? []) : order.code ? [order.code] : []
    ) as { coding?: Coding[] }[];
    const cpts = concepts
      .flatMap((c) => (c.coding ?? []).filter((k) => k.system === CPT_SYSTEM && k.code))
      .map((k) => k.code as string);
    return { order, cpts: [...new Set(cpts)] };
  });
}

// ---------- answering ----------
/** What the desk knows about the member (from the eligibility inquiry), or why it knows nothing. */
export type MemberFinding =
  | {
      found: true;
      memberId: string;
      eligible: boolean;
      lineOfBusiness: LineOfBusiness;
      covered: boolean;
      visitsRemaining: number;
    }
  | { found: false; memberId: string | undefined };

export interface CrdDeps {
  lookupMember(memberId: string): Promise<MemberFinding>;
  newId(): string;
  today(): string;
}

type CoverageCode = 'covered' | 'not-covered';

/** The CRD coverage-information extension for one order (STU 2.1; not-covered carries no pa-needed, crd-ci-q2). */
export function coverageInformation(args: {
  coverageReference: string;
  covered: CoverageCode;
  assertionId: string;
  date: string;
}) {
  const sub: { url: string; [value: string]: unknown }[] = [
    { url: 'coverage', valueReference: { reference: args.coverageReference } },
    { url: 'covered', valueCode: args.covered },
  ];
  if (args.covered === 'covered') {
    sub.push(
      { url: 'pa-needed', valueCode: 'auth-needed' },
      { url: 'doc-needed', valueCode: 'clinical' },
      { url: 'questionnaire', valueCanonical: CRD_QUESTIONNAIRE_URL },
    );
  }
  sub.push(
    { url: 'date', valueDate: args.date },
    { url: 'coverage-assertion-id', valueString: args.assertionId },
  );
  return { url: COVERAGE_INFORMATION_URL, extension: sub };
}

/**
 * POST /cds-services/massage-therapy-crd. Never an error for what the EHR sent inside a valid
 * request: an unknown member, a missing Coverage or a code outside the range each get a card.
 */
export async function coverageDiscovery(deps: CrdDeps, request: CdsHookRequest): Promise<CdsHookResponse> {
  const cards: Card[] = [];
  const systemActions: SystemAction[] = [];
  const card = (
    summary: string,
    detail: string,
    indicator: Card['indicator'] = 'info',
    links?: Card['links'],
  ) =>
    cards.push({
      uuid: deps.newId(),
      summary,
      detail,
      indicator,
      source: SOURCE,
      ...(links ? { links } : {}),
    });

  const orders = ordersOf(request);
  const coverage = coveragesOf(request)[0];
  const memberId = coverage ? memberIdOf(coverage) : undefined;
  const member: MemberFinding = memberId
    ? await deps.lookupMember(memberId)
    : { found: false, memberId: undefined };

  if (!coverage || !memberId) {
    card(
      'Coverage not checked: no member id was sent',
      'Send the patient\'s Coverage (prefetch "coverage") with the member id in Coverage.subscriberId or an identifier of type MB.',
    );
  } else if (!member.found) {
    card(
      `Member ${memberId} is not known to this plan`,
      'No coverage information could be given. Check the member id on the Coverage, or ask the plan.',
    );
  }
  if (orders.length === 0) {
    card(
      'No orders to check',
      request.hook === 'appointment-book'
        ? 'The hook context held no Appointment.'
        : 'The hook context held no ServiceRequest.',
    );
  }

  const coverageReference = coverage?.id ? `Coverage/${coverage.id}` : undefined;
  for (const { order, cpts } of orders) {
    const label = order.id ? `${order.resourceType}/${order.id}` : order.resourceType;
    if (cpts.length === 0) {
      card(
        `No CPT code on ${label}`,
        `Coverage is looked up by CPT code (${CPT_SYSTEM}); ${label} names none.`,
      );
      continue;
    }
    const checks = cpts.map((cpt) => codeCheck(cpt, member.found ? member.lineOfBusiness : undefined));
    const outside = checks.filter((c) => !c.inPublishedRange);
    for (const c of outside) {
      card(
        `${c.cpt} is not a massage-therapy code this plan publishes`,
        `${c.note ?? ''} This service answers for the published massage-therapy range only.`.trim(),
      );
    }
    const inRange = checks.filter((c) => c.inPublishedRange);
    if (inRange.length === 0 || !member.found || !coverageReference) continue;

    const benefit = member.eligible && member.covered;
    const codes = inRange.map((c) => c.cpt).join(', ');
    if (benefit) {
      card(
        `Prior authorization required for ${codes}; complete the massage-therapy questionnaire`,
        `Member ${member.memberId}'s plan covers massage therapy (${member.visitsRemaining} visits left this year). ` +
          `Every code in the published range needs prior authorization; submit it with the completed questionnaire.`,
        'warning',
        [{ label: 'Massage-therapy questionnaire', url: CRD_QUESTIONNAIRE_URL, type: 'absolute' }],
      );
    } else {
      card(
        `${codes} not covered for member ${member.memberId}`,
        member.eligible
          ? "The member's plan does not cover massage therapy."
          : "The member's coverage is not active today.",
        'warning',
      );
    }
    const extension = coverageInformation({
      coverageReference,
      covered: benefit ? 'covered' : 'not-covered',
      assertionId: deps.newId(),
      date: deps.today(),
    });
    const others = ((order.extension ?? []) as { url?: string }[]).filter(
      (e) => e.url !== COVERAGE_INFORMATION_URL,
    );
    systemActions.push({
      type: 'update',
      description: `Coverage information for ${label}`,
      resource: { ...order, extension: [...others, extension] },
    });
  }
  return { cards, systemActions };
}

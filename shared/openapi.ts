/**
 * The OpenAPI 3.1 document of the JSON API (SPEC 14), served at GET /openapi.json.
 *
 * A NEW ROUTE ADDS ONE ENTRY TO `OPERATIONS` below (and its zod schemas to `SCHEMAS`): request and
 * response schemas are the zod schemas the handlers parse with (shared/schemas.ts) and answer with
 * (shared/responses.ts, typed by `answer`). test/unit/openapi.test.ts fails when a route of
 * API_ROUTES is missing here, and runs Spectral and Redocly over the result.
 *
 * Not here: the FHIR routes under /fhir (SPEC 8). They speak `application/fhir+json`, their
 * contract is the Da Vinci PAS IG and the server's own CapabilityStatement (GET /fhir/metadata),
 * and their bodies are FHIR resources a JSON Schema here would only copy in part.
 */
import * as z from 'zod';
import { CdsDiscoverySchema, CdsHookRequestSchema, CdsHookResponseSchema } from './crd.js';
import { DeliveriesResponseSchema, WebhookRequestSchema, WebhookResponseSchema } from './notify/schemas.js';
import {
  AppealFiledSchema,
  CodeCheckSchema,
  DecisionAnswerSchema,
  EligibilitySchema,
  ErrorResponseSchema,
  HealthResponseSchema,
  InformationAcceptedSchema,
  MemberSavedSchema,
  NoticeSchema,
  PriorAuthorizationReportSchema,
  ProviderSavedSchema,
  ReferralAcceptedSchema,
  ReferralViewSchema,
  ReviewDetailSchema,
  ReviewListSchema,
  VisitAnswerSchema,
} from './responses.js';
import {
  AppealSchema,
  InformationAnswerSchema,
  LINES_OF_BUSINESS,
  MemberSchema,
  ProviderSchema,
  ReferralSchema,
  ReviewDecisionSchema,
  VisitSchema,
} from './schemas.js';

/** The document itself, as far as a client relies on it. */
const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});

/** Every component schema, by name; `io` says which side of zod's parse the document shows. */
const SCHEMAS = {
  // request bodies (what a client sends: defaults optional)
  MemberInput: { schema: MemberSchema, io: 'input' },
  ProviderInput: { schema: ProviderSchema, io: 'input' },
  InformationAnswerInput: { schema: InformationAnswerSchema, io: 'input' },
  AppealInput: { schema: AppealSchema, io: 'input' },
  ReferralInput: { schema: ReferralSchema, io: 'input' },
  VisitInput: { schema: VisitSchema, io: 'input' },
  ReviewDecisionInput: { schema: ReviewDecisionSchema, io: 'input' },
  CdsHookRequest: { schema: CdsHookRequestSchema, io: 'input' },
  WebhookInput: { schema: WebhookRequestSchema, io: 'input' },
  // answers
  Error: { schema: ErrorResponseSchema, io: 'output' },
  Health: { schema: HealthResponseSchema, io: 'output' },
  OpenApiDocument: { schema: OpenApiDocumentSchema, io: 'output' },
  MemberSaved: { schema: MemberSavedSchema, io: 'output' },
  ProviderSaved: { schema: ProviderSavedSchema, io: 'output' },
  CodeCheck: { schema: CodeCheckSchema, io: 'output' },
  Eligibility: { schema: EligibilitySchema, io: 'output' },
  ReferralAccepted: { schema: ReferralAcceptedSchema, io: 'output' },
  ReferralView: { schema: ReferralViewSchema, io: 'output' },
  Notice: { schema: NoticeSchema, io: 'output' },
  VisitAnswer: { schema: VisitAnswerSchema, io: 'output' },
  ReviewList: { schema: ReviewListSchema, io: 'output' },
  ReviewDetail: { schema: ReviewDetailSchema, io: 'output' },
  DecisionAnswer: { schema: DecisionAnswerSchema, io: 'output' },
  InformationAccepted: { schema: InformationAcceptedSchema, io: 'output' },
  AppealFiled: { schema: AppealFiledSchema, io: 'output' },
  PriorAuthorizationReport: { schema: PriorAuthorizationReportSchema, io: 'output' },
  CdsDiscovery: { schema: CdsDiscoverySchema, io: 'output' },
  CdsHookResponse: { schema: CdsHookResponseSchema, io: 'output' },
  WebhookRegistered: { schema: WebhookResponseSchema, io: 'output' },
  Deliveries: { schema: DeliveriesResponseSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;
export type SchemaName = keyof typeof SCHEMAS;

const TAGS = {
  System: 'Health and this document.',
  Directory: 'Members, providers and the code table (SPEC 4, 5.1-5.3).',
  Referrals: 'Submitting prior-authorization requests and reading decisions (SPEC 4.1, 4.2).',
  Visits: 'Recording completed visits; billing units and re-review (SPEC 4.3, 6).',
  Reviews: 'The clinical reviewers\u2019 queue and decisions (SPEC 7).',
  Appeals: 'Appealing an adverse decision (SPEC 11).',
  Reports: 'Public reporting under CMS-0057-F (SPEC 12).',
  'Coverage discovery': 'Da Vinci CRD over CDS Hooks 2.0 for EHRs (SPEC 13).',
  Notifications: 'Signed webhooks telling a portal what changed (SPEC 9).',
  Console: 'The reviewer console web page.',
} as const;
type Tag = keyof typeof TAGS;
type Role = 'portal' | 'reviewer' | 'admin';

/** Path parameters, described once; every `{name}` in a registered path must be here. */
const PATH_PARAMETERS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  memberId: {
    description: "The plan's member id, e.g. M-1001",
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  },
  npi: {
    description: 'National Provider Identifier (10 digits, Luhn check digit)',
    schema: { type: 'string', pattern: '^\\d{10}$' },
  },
  cpt: {
    description: 'CPT/HCPCS code, e.g. 97124',
    schema: { type: 'string', pattern: '^\\d{5}$|^[A-Z]\\d{4}$' },
  },
  id: { description: 'The referral id returned by POST /referrals', schema: { type: 'string' } },
  reviewId: { description: 'The review id from GET /reviews', schema: { type: 'string' } },
  portalId: { description: 'The portal id of the caller (custom:portalId)', schema: { type: 'string' } },
};

interface Parameter {
  name: string;
  in: 'query' | 'header';
  description: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  tag: Tag;
  summary: string;
  description: string;
  /** Who may call it; 'public' routes have no authorizer. */
  roles: readonly Role[] | 'public';
  parameters?: Parameter[];
  request?: SchemaName;
  /** The success answer: status, description and schema (or HTML for the console). */
  success: { status: 200 | 202; description: string; schema: SchemaName | 'html'; alternate?: 'text/csv' };
  /** Error statuses the route answers with (SPEC 4's error shape); 429 (throttled) is added to all. */
  errors: readonly ErrorStatus[];
}

const ERROR_DESCRIPTIONS = {
  400: 'Malformed JSON or request',
  401: 'No valid bearer token',
  403: 'The caller\u2019s role may not use this route',
  404: 'Not found (or another portal\u2019s)',
  409: 'Conflict (see the error code)',
  413: 'Body larger than 256 KiB',
  422: 'Validation failed; details name each bad field',
  429: 'Throttled by the API stage',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const BODY_ERRORS = [400, 401, 403, 413, 422] as const;

/** THE REGISTRY: `METHOD /path` (as in API_ROUTES) → its operation. */
export const OPERATIONS: Record<string, Operation> = {
  'GET /health': {
    operationId: 'getHealth',
    tag: 'System',
    summary: 'Health check',
    description: 'Answers `{"status":"ok"}` when the API is up. No token needed.',
    roles: 'public',
    success: { status: 200, description: 'The API is up', schema: 'Health' },
    errors: [],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tag: 'System',
    summary: 'This OpenAPI document',
    description:
      'The OpenAPI 3.1 description of the JSON API, generated from the zod schemas the handlers use.',
    roles: 'public',
    success: { status: 200, description: 'The OpenAPI document', schema: 'OpenApiDocument' },
    errors: [],
  },
  'GET /console': {
    operationId: 'getConsole',
    tag: 'Console',
    summary: 'Reviewer console page',
    description: 'A static page; its script calls this API with the reviewer\u2019s bearer token.',
    roles: 'public',
    success: { status: 200, description: 'The console (HTML)', schema: 'html' },
    errors: [],
  },
  'PUT /admin/members/{memberId}': {
    operationId: 'upsertMember',
    tag: 'Directory',
    summary: 'Create or replace a member\u2019s coverage',
    description:
      'SPEC 5.1: line of business, coverage dates and the massage-therapy benefit. Answers the member as stored.',
    roles: ['admin'],
    request: 'MemberInput',
    success: { status: 200, description: 'The member as stored', schema: 'MemberSaved' },
    errors: BODY_ERRORS,
  },
  'PUT /admin/providers/{npi}': {
    operationId: 'upsertProvider',
    tag: 'Directory',
    summary: 'Create or replace a provider directory entry',
    description: 'SPEC 5.2: credentials, licence and contract status of a rendering or ordering provider.',
    roles: ['admin'],
    request: 'ProviderInput',
    success: { status: 200, description: 'The provider as stored', schema: 'ProviderSaved' },
    errors: BODY_ERRORS,
  },
  'GET /codes/{cpt}': {
    operationId: 'checkCode',
    tag: 'Directory',
    summary: 'Pre-authorization code check',
    description:
      'Whether a CPT code is in the published massage-therapy range and needs prior authorization.',
    roles: ['portal', 'reviewer', 'admin'],
    parameters: [
      {
        name: 'lineOfBusiness',
        in: 'query',
        description: 'Answers separatelyPayable for this line of business',
        schema: { type: 'string', enum: [...LINES_OF_BUSINESS] },
      },
    ],
    success: { status: 200, description: 'The code check', schema: 'CodeCheck' },
    errors: [401, 403, 422],
  },
  'GET /members/{memberId}/eligibility': {
    operationId: 'getEligibility',
    tag: 'Directory',
    summary: 'Eligibility inquiry',
    description: 'Coverage on a date and the massage benefit\u2019s visits used and remaining that year.',
    roles: ['portal', 'reviewer'],
    parameters: [
      {
        name: 'date',
        in: 'query',
        description: 'Calendar date YYYY-MM-DD; today when absent',
        schema: { type: 'string', format: 'date' },
      },
    ],
    success: { status: 200, description: 'The member\u2019s eligibility', schema: 'Eligibility' },
    errors: [401, 403, 404, 422],
  },
  'POST /referrals': {
    operationId: 'submitReferral',
    tag: 'Referrals',
    summary: 'Submit a prior-authorization request',
    description:
      'SPEC 4.1. The determination runs asynchronously; read it with getReferral. The same Idempotency-Key with the same body answers the first response; with another body, 409 IDEMPOTENCY_KEY_REUSED.',
    roles: ['portal'],
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        description: 'Client key making a retried submission safe (1-128 of A-Z a-z 0-9 . _ : -)',
        schema: { type: 'string', maxLength: 128 },
      },
    ],
    request: 'ReferralInput',
    success: { status: 202, description: 'Accepted for determination', schema: 'ReferralAccepted' },
    errors: [400, 401, 403, 409, 413, 422],
  },
  'GET /referrals/{id}': {
    operationId: 'getReferral',
    tag: 'Referrals',
    summary: 'Read a referral',
    description:
      'SPEC 4.2: status, reasons, criterion-by-criterion findings, lines, authorization, visits, reviews and history.',
    roles: ['portal', 'reviewer'],
    success: { status: 200, description: 'The referral view', schema: 'ReferralView' },
    errors: [401, 403, 404],
  },
  'GET /referrals/{id}/notice': {
    operationId: 'getNotice',
    tag: 'Referrals',
    summary: 'Read the determination notice',
    description:
      'The decision in plain language: each reason\u2019s sentence and policy text, who decided, how to appeal.',
    roles: ['portal', 'reviewer'],
    success: { status: 200, description: 'The determination notice', schema: 'Notice' },
    errors: [401, 403, 404],
  },
  'POST /referrals/{id}/visits': {
    operationId: 'recordVisit',
    tag: 'Visits',
    summary: 'Record a completed visit',
    description:
      'SPEC 4.3: answers the billing units; the re-review follows. visitId is the idempotency key (409 VISIT_ID_CONFLICT for another body); a visit outside the authorization is 409 VISIT_NOT_AUTHORIZED.',
    roles: ['portal'],
    request: 'VisitInput',
    success: { status: 202, description: 'Recorded; billing units computed', schema: 'VisitAnswer' },
    errors: [400, 401, 403, 404, 409, 413, 422],
  },
  'PUT /portals/{portalId}/webhook': {
    operationId: 'registerWebhook',
    tag: 'Notifications',
    summary: 'Register or replace the portal webhook',
    description:
      'SPEC 9: {url, events?}; the answer holds the signing secret, shown once. Deliveries carry X-Signature: t=<unix>,v1=<hex>, HMAC-SHA256 of `t + "." + body`; check the timestamp within 5 minutes.',
    roles: ['portal'],
    request: 'WebhookInput',
    success: {
      status: 200,
      description: 'Registered; the secret is shown once',
      schema: 'WebhookRegistered',
    },
    errors: [400, 401, 403, 413, 422],
  },
  'GET /portals/{portalId}/deliveries': {
    operationId: 'listDeliveries',
    tag: 'Notifications',
    summary: "The portal's recent deliveries",
    description: 'SPEC 9: attempts, statuses and next retry of each notification, newest first.',
    roles: ['portal'],
    success: { status: 200, description: 'Deliveries, newest first', schema: 'Deliveries' },
    errors: [401, 403],
  },
  'POST /referrals/{id}/information': {
    operationId: 'answerInformationRequest',
    tag: 'Referrals',
    summary: 'Answer an information request',
    description:
      'SPEC 10: any of diagnoses, orderingProviderNpi, clinical (merged over the first) and note. The case is re-evaluated by the same policy: what the rules approve is approved, the rest goes back to a reviewer. 409 when no information is being waited for.',
    roles: ['portal'],
    request: 'InformationAnswerInput',
    success: {
      status: 202,
      description: 'Accepted; the case is being re-evaluated',
      schema: 'InformationAccepted',
    },
    errors: [400, 401, 403, 404, 409, 413, 422],
  },
  'POST /referrals/{id}/appeals': {
    operationId: 'fileAppeal',
    tag: 'Appeals',
    summary: 'Appeal a denial, partial approval or stopped authorization',
    description:
      'SPEC 11: opens an APPEAL review, due in 72 h (expedited) or 30 days (standard), heard by a reviewer other than the one appealed. 409 APPEAL_ALREADY_OPEN while one is open; 409 NOT_APPEALABLE when nothing adverse was decided.',
    roles: ['portal'],
    request: 'AppealInput',
    success: { status: 202, description: 'The appeal is open', schema: 'AppealFiled' },
    errors: [400, 401, 403, 404, 409, 413, 422],
  },
  'GET /reports/prior-authorization': {
    operationId: 'getPriorAuthorizationReport',
    tag: 'Reports',
    summary: 'CMS-0057-F prior-authorization measures for a year',
    description:
      'SPEC 12: for standard and expedited requests, percent approved, denied, approved after appeal and after an extended decision time, and the average and median time to decision. CSV with Accept: text/csv.',
    roles: ['admin'],
    parameters: [
      {
        name: 'year',
        in: 'query',
        description: 'Calendar year of the decisions (default: this year)',
        schema: { type: 'integer', minimum: 2000, maximum: 2100 },
      },
    ],
    success: {
      status: 200,
      description: 'The report',
      schema: 'PriorAuthorizationReport',
      alternate: 'text/csv',
    },
    errors: [401, 403, 422],
  },
  'GET /reviews': {
    operationId: 'listReviews',
    tag: 'Reviews',
    summary: 'List open reviews',
    description: 'The reviewer queue, soonest due first.',
    roles: ['reviewer'],
    parameters: [
      {
        name: 'status',
        in: 'query',
        description: 'Only `open` is supported',
        schema: { type: 'string', enum: ['open'] },
      },
    ],
    success: { status: 200, description: 'Open reviews', schema: 'ReviewList' },
    errors: [401, 403, 422],
  },
  'GET /reviews/{reviewId}': {
    operationId: 'getReview',
    tag: 'Reviews',
    summary: 'Read one review',
    description:
      'The review with the referral\u2019s evidence, the reasons\u2019 policy text and the outcomes it takes.',
    roles: ['reviewer'],
    success: { status: 200, description: 'The review', schema: 'ReviewDetail' },
    errors: [401, 403, 404],
  },
  'POST /reviews/{reviewId}/decision': {
    operationId: 'decideReview',
    tag: 'Reviews',
    summary: 'Decide a review',
    description:
      'SPEC 7: APPROVE or DENY (initial), CONTINUE or STOP (continuation); DENY and STOP need a note and a reason code. A second decision is 409 REVIEW_ALREADY_DECIDED.',
    roles: ['reviewer'],
    request: 'ReviewDecisionInput',
    success: { status: 200, description: 'The decision as recorded', schema: 'DecisionAnswer' },
    errors: [400, 401, 403, 404, 409, 413, 422],
  },
  'GET /cds-services': {
    operationId: 'discoverCdsServices',
    tag: 'Coverage discovery',
    summary: 'CDS Hooks discovery',
    description:
      'Lists massage-therapy-crd once per hook (order-select, order-sign, appointment-book) with its prefetch templates.',
    roles: 'public',
    success: { status: 200, description: 'The CDS services', schema: 'CdsDiscovery' },
    errors: [],
  },
  'POST /cds-services/massage-therapy-crd': {
    operationId: 'callCrdService',
    tag: 'Coverage discovery',
    summary: 'Coverage requirements for draft orders (CRD)',
    description:
      'A CDS Hooks 2.0 call: cards for the clinician and a systemActions update per order adding the CRD coverage-information extension. An unknown member or code gets a card, not an error; an unreadable request is 400.',
    roles: ['portal'],
    request: 'CdsHookRequest',
    success: { status: 200, description: 'Cards and system actions', schema: 'CdsHookResponse' },
    errors: [400, 401, 403, 413],
  },
};

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function jsonSchema(name: SchemaName): Record<string, unknown> {
  const { schema, io } = SCHEMAS[name];
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const pathParameters = (path: string) =>
  [...path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => {
    const p = PATH_PARAMETERS[name];
    if (!p) throw new Error(`openapi.ts: describe path parameter {${name}} in PATH_PARAMETERS`);
    return { name, in: 'path', required: true, description: p.description, schema: p.schema };
  });

function operationObject(path: string, op: Operation) {
  const used = new Set<SchemaName>();
  const use = (name: SchemaName) => {
    used.add(name);
    return ref(name);
  };
  const roles = op.roles === 'public' ? 'none (public)' : op.roles.join(', ');
  const success =
    op.success.schema === 'html'
      ? { description: op.success.description, content: { 'text/html': { schema: { type: 'string' } } } }
      : {
          description: op.success.description,
          content: {
            'application/json': { schema: use(op.success.schema) },
            ...(op.success.alternate ? { [op.success.alternate]: { schema: { type: 'string' } } } : {}),
          },
        };
  const errors = Object.fromEntries(
    [...op.errors, 429 as const].map((status) => [
      String(status),
      { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: use('Error') } } },
    ]),
  );
  const parameters = [...pathParameters(path), ...(op.parameters ?? [])];
  const object = {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: `${op.description}\n\nRoles: ${roles}.`,
    security: op.roles === 'public' ? [] : [{ cognito: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(op.request
      ? { requestBody: { required: true, content: { 'application/json': { schema: use(op.request) } } } }
      : {}),
    responses: { [String(op.success.status)]: success, ...errors },
  };
  return { object, used };
}

/** Builds the document from OPERATIONS; components are exactly the schemas some operation uses. */
export function buildOpenApiDocument(operations: Record<string, Operation> = OPERATIONS) {
  const paths: Record<string, Record<string, unknown>> = {};
  const used = new Set<SchemaName>();
  const tags = new Set<Tag>();
  for (const [key, op] of Object.entries(operations)) {
    const [method = '', path = ''] = key.split(' ');
    const built = operationObject(path, op);
    for (const name of built.used) used.add(name);
    tags.add(op.tag);
    paths[path] = { ...paths[path], [method.toLowerCase()]: built.object };
  }
  const schemas = Object.fromEntries(
    (Object.keys(SCHEMAS) as SchemaName[]).filter((n) => used.has(n)).map((n) => [n, jsonSchema(n)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Massage therapy prior authorization',
      version: '1.0.0',
      summary: 'Prior authorization for massage therapy: referrals, visits, reviews and coverage discovery.',
      description:
        'The JSON API of the prior-authorization desk (SPEC 4, 13). Every route but the public ones needs ' +
        '`Authorization: Bearer <Cognito ID token>`; errors are `{"error":{"code","message","details"?}}`. ' +
        'The FHIR API (Da Vinci PAS) under /fhir is described by its CapabilityStatement at /fhir/metadata.',
      contact: { name: 'Prior authorization desk', url: 'https://prior-auth.example.org' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The embedded local stack (npm start)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/v1',
        description: 'A deployed stage (the ApiUrl output of the PriorAuthService stack)',
        variables: {
          apiId: { default: 'abcdef1234', description: 'The REST API id' },
          region: { default: 'us-west-2', description: 'The AWS region' },
        },
      },
    ],
    tags: (Object.keys(TAGS) as Tag[])
      .filter((t) => tags.has(t))
      .map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      securitySchemes: {
        cognito: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token (groups portal, reviewer, admin); on the local stack, POST /_local/token.',
        },
      },
      schemas,
    },
  };
}

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document GET /openapi.json serves (built once per process). */
export function openApiDocument() {
  cached ??= buildOpenApiDocument();
  return cached;
}

import * as z from 'zod';
import { REASON_CODES } from './reasons.js';
import {
  AppealSchema,
  InformationAnswerSchema,
  MemberSchema,
  ProviderSchema,
  ReferralSchema,
  ReviewDecisionSchema,
  VisitSchema,
} from './schemas.js';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const ErrorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );

const body = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const ok = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const secured = [{ cognito: [] }];

let cached: unknown;

/** The OpenAPI 3.1 description of SPEC 4, generated from the same zod schemas the handlers parse with. */
export function openApiDocument() {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Massage therapy prior authorization', version: '1.0.0' },
    components: {
      securitySchemes: {
        cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (Cognito ID token)' },
      },
      schemas: {
        Error: ErrorBody,
        Member: json(MemberSchema),
        Provider: json(ProviderSchema),
        Referral: json(ReferralSchema),
        Visit: json(VisitSchema),
        ReviewDecision: json(ReviewDecisionSchema),
        InformationAnswer: json(InformationAnswerSchema),
        Appeal: json(AppealSchema),
        ReasonCode: { type: 'string', enum: [...REASON_CODES] },
      },
    },
    paths: {
      '/health': { get: { security: [], responses: { '200': ok('Service is up') } } },
      '/admin/members/{memberId}': {
        put: {
          security: secured,
          requestBody: body('Member'),
          responses: { '200': ok('Member saved'), ...errors(400, 401, 403, 413, 422) },
        },
      },
      '/admin/providers/{npi}': {
        put: {
          security: secured,
          requestBody: body('Provider'),
          responses: { '200': ok('Provider saved'), ...errors(400, 401, 403, 413, 422) },
        },
      },
      '/codes/{cpt}': {
        get: { security: secured, responses: { '200': ok('Code check'), ...errors(401, 422) } },
      },
      '/members/{memberId}/eligibility': {
        get: { security: secured, responses: { '200': ok('Eligibility'), ...errors(401, 403, 404, 422) } },
      },
      '/referrals': {
        post: {
          security: secured,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 128 },
            },
          ],
          requestBody: body('Referral'),
          responses: { '202': ok('Accepted: {referralId, status}'), ...errors(400, 401, 403, 409, 413, 422) },
        },
      },
      '/referrals/{id}': {
        get: { security: secured, responses: { '200': ok('Referral view'), ...errors(401, 403, 404) } },
      },
      '/referrals/{id}/notice': {
        get: {
          security: secured,
          responses: { '200': ok('Determination notice'), ...errors(401, 403, 404) },
        },
      },
      '/referrals/{id}/information': {
        post: {
          security: secured,
          summary: 'Answer an information request (SPEC 10); the case is re-evaluated with the answer merged',
          requestBody: body('InformationAnswer'),
          responses: {
            '202': ok('{referralId, status, changed, decisionDueAt}'),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      '/referrals/{id}/appeals': {
        post: {
          security: secured,
          summary: 'Appeal a denial, partial approval or stopped authorization (SPEC 11)',
          requestBody: body('Appeal'),
          responses: {
            '202': ok('{appealId, referralId, subject, status, urgency, dueAt}'),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      '/reports/prior-authorization': {
        get: {
          security: secured,
          summary: 'CMS-0057-F prior authorization measures for a year (SPEC 12); CSV with Accept: text/csv',
          parameters: [{ name: 'year', in: 'query', required: false, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'The report',
              content: {
                'application/json': { schema: { type: 'object' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            ...errors(401, 403, 422),
          },
        },
      },
      '/referrals/{id}/visits': {
        post: {
          security: secured,
          requestBody: body('Visit'),
          responses: { '202': ok('{visitId, billing}'), ...errors(400, 401, 403, 404, 409, 413, 422) },
        },
      },
      '/reviews': {
        get: { security: secured, responses: { '200': ok('Open reviews'), ...errors(401, 403, 422) } },
      },
      '/reviews/{reviewId}': {
        get: { security: secured, responses: { '200': ok('Review'), ...errors(401, 403, 404) } },
      },
      '/reviews/{reviewId}/decision': {
        post: {
          security: secured,
          requestBody: body('ReviewDecision'),
          responses: { '200': ok('Decided'), ...errors(400, 401, 403, 404, 409, 413, 422) },
        },
      },
      '/console': { get: { security: [], responses: { '200': { description: 'Reviewer console (HTML)' } } } },
    },
  };
  return cached;
}

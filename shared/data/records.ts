/**
 * What an item read from the table must look like before it is handed on as a record: every record
 * is parsed, not cast. Each schema is typed against its domain type (`shared/model.ts`), so the two
 * cannot drift apart. Values that entered through their own schema at the door and are stored as they
 * were accepted (a referral's case, a visit's body, its billing, a re-review's figures) are checked
 * to be objects here; the fields the system itself writes and branches on — statuses, versions, ids,
 * reason codes, actions — are checked in full.
 */
import * as z from 'zod';
import type { Billing } from '../billing.js';
import type {
  AppealRecord,
  AuthorizationRecord,
  HistoryEntry,
  InformationRequestRecord,
  RecordedDecision,
  ReferralRecord,
  ReReviewRecord,
  ReviewRecord,
  VisitRecord,
} from '../model.js';
import { AUTHORIZATION_STATUSES, REFERRAL_STATUSES } from '../model.js';
import { type GoalFigures, type ProgressFigures, RE_REVIEW_ACTIONS } from '../progress.js';
import { REASON_CODES } from '../reasons.js';
import {
  ALL_REVIEW_OUTCOMES,
  CREDENTIALS,
  type Provider,
  REVIEW_OUTCOMES,
  type ReferralCase,
  RequestedItemSchema,
  type ReviewKind,
  type Visit,
} from '../schemas.js';

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value accepted through its own schema when it entered. */
const accepted = <T>() => z.custom<T>(isObject);

const Reasons = z.array(z.enum(REASON_CODES));

/**
 * A provider as stored: written only through ProviderSchema (api-admin), so the fields the policy reads
 * are checked here without that schema's messages and refinements, which only api-admin needs to bundle.
 */
export const ProviderRecordSchema: z.ZodType<Provider> = z.looseObject({
  name: z.string(),
  credentials: z.array(z.enum(CREDENTIALS)),
  licenseNumber: z.string(),
  licenseState: z.string(),
  licenseExpires: z.string(),
  contracted: z.boolean(),
});
const Person = z.looseObject({ id: z.string(), credential: z.string() });
const Actor = z.union([z.literal('system'), Person]);

const Authorization: z.ZodType<AuthorizationRecord> = z.looseObject({
  status: z.enum(AUTHORIZATION_STATUSES),
  reasons: Reasons,
  basis: z.enum(['A', 'B', 'MEDICARE']),
  visitsRequested: z.number(),
  visitsAuthorized: z.number(),
  visitsUsed: z.number(),
  validFrom: z.string(),
  validTo: z.string(),
  approvedCpts: z.array(z.string()),
});

const InformationRequest: z.ZodType<InformationRequestRecord> = z.looseObject({
  round: z.number(),
  requestedAt: z.string(),
  requestedBy: Actor,
  requested: z.array(RequestedItemSchema),
  reviewId: z.string().optional(),
  dueAt: z.string(),
  pausedDecisionDueAt: z.string(),
  answeredAt: z.string().optional(),
  answeredBy: z.string().optional(),
  note: z.string().optional(),
  previousRequest: accepted<ReferralCase>().optional(),
  changes: z.array(z.looseObject({ field: z.string(), before: z.unknown(), after: z.unknown() })).optional(),
  lapsedAt: z.string().optional(),
});

const Appeal: z.ZodType<AppealRecord> = z.looseObject({
  appealId: z.string(),
  subject: z.enum(['DETERMINATION', 'AUTHORIZATION_STOP']),
  urgency: z.enum(['standard', 'expedited']),
  receivedAt: z.string(),
  submittedBy: z.string(),
  note: z.string(),
  appealedStatus: z.string(),
  appealedDecisionBy: Actor,
  dueAt: z.string(),
  reviewId: z.string(),
  status: z.enum(['OPEN', 'OVERTURNED', 'UPHELD']),
  decidedAt: z.string().optional(),
  decidedBy: Person.optional(),
  previousRequest: accepted<ReferralCase>().optional(),
});

export const ReferralRecordSchema: z.ZodType<ReferralRecord> = z.looseObject({
  referralId: z.string(),
  portalId: z.string(),
  submittedBy: z.string(),
  receivedAt: z.string(),
  status: z.enum(REFERRAL_STATUSES),
  request: accepted<ReferralCase>(),
  reasons: Reasons,
  criteria: z.array(z.looseObject({ id: z.string(), met: z.boolean().nullable(), evidence: z.string() })),
  lines: z.array(
    z.looseObject({
      cpt: z.string(),
      unitsPerVisit: z.number(),
      status: z.enum(['APPROVED', 'DENIED', 'PENDING_REVIEW']),
      reasons: Reasons,
      separatelyPayable: z.boolean(),
    }),
  ),
  recommendation: z.enum(['APPROVE', 'DENY']).nullable(),
  decisionDueAt: z.string(),
  policyVersion: z.string(),
  decidedBy: Actor.optional(),
  decidedAt: z.string().optional(),
  authorization: Authorization.optional(),
  proposedAuthorization: z
    .object({
      basis: z.enum(['A', 'B', 'MEDICARE']),
      visitsRequested: z.number(),
      visitsAuthorized: z.number(),
      validFrom: z.string(),
      validTo: z.string(),
      approvedCpts: z.array(z.string()),
    })
    .optional(),
  reviewIds: z.array(z.string()),
  failure: z.looseObject({ error: z.string(), at: z.string() }).optional(),
  informationRequests: z.array(InformationRequest).optional(),
  informationTaskToken: z.string().optional(),
  appeals: z.array(Appeal).optional(),
  reportYear: z.number().optional(),
  idempotency: z.object({ key: z.string(), bodyHash: z.string() }).optional(),
  version: z.number().int(),
});

export const HistoryEntrySchema: z.ZodType<HistoryEntry> = z.looseObject({
  at: z.string(),
  actor: z.union([
    z.literal('system'),
    z.looseObject({ id: z.string(), role: z.string(), credential: z.string().optional() }),
  ]),
  event: z.string(),
  status: z.string().optional(),
  reasons: Reasons.optional(),
});

const ReReview: z.ZodType<ReReviewRecord> = z.looseObject({
  action: z.enum([...RE_REVIEW_ACTIONS, 'STOP']),
  reasons: Reasons,
  explanation: z.string(),
  progress: accepted<ProgressFigures>().optional(),
  goals: z.array(accepted<GoalFigures>()).optional(),
  at: z.string(),
  reviewId: z.string().optional(),
  decidedBy: Actor.optional(),
});

export const VisitRecordSchema: z.ZodType<VisitRecord> = z.looseObject({
  referralId: z.string(),
  visitId: z.string(),
  visitNumber: z.number().int(),
  memberId: z.string(),
  bodyHash: z.string(),
  receivedAt: z.string(),
  visit: accepted<Visit>(),
  billing: accepted<Billing>(),
  reReview: ReReview.optional(),
  reReviewClaim: z.string().optional(),
});

const Decision: z.ZodType<RecordedDecision> = z.looseObject({
  outcome: z.enum(ALL_REVIEW_OUTCOMES),
  reasonCodes: Reasons,
  note: z.string().optional(),
  approvedVisits: z.number().optional(),
  requested: z.array(RequestedItemSchema).optional(),
  reviewer: Person,
  decidedAt: z.string(),
});

export const ReviewRecordSchema: z.ZodType<ReviewRecord> = z.looseObject({
  reviewId: z.string(),
  referralId: z.string(),
  kind: z.enum(Object.keys(REVIEW_OUTCOMES) as [ReviewKind, ...ReviewKind[]]),
  visitId: z.string().optional(),
  round: z.number().optional(),
  appealId: z.string().optional(),
  conflictReviewerId: z.string().optional(),
  flags: Reasons.optional(),
  status: z.enum(['OPEN', 'DECIDED']),
  recommendation: z.string().nullable(),
  reasons: Reasons,
  createdAt: z.string(),
  dueAt: z.string(),
  escalated: z.boolean(),
  escalatedAt: z.string().optional(),
  recorded: z.boolean().optional(),
  taskToken: z.string(),
  decision: Decision.optional(),
});

/** The item keys and index attributes the table adds; a record never carries them. */
const TABLE_ATTRIBUTES = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'expiresAt'];

/** Thrown for an item that is not the record its key says (a bug or a hand edit: never retried). */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

/** The record an item holds, without the table's own attributes; refuses an item of another shape. */
export function parseRecord<T>(schema: z.ZodType<T>, item: Record<string, unknown>): T {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!TABLE_ATTRIBUTES.includes(k)) rest[k] = v;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(item)').join(', ');
    throw new CorruptRecordError(
      `Item ${String(item.PK)}/${String(item.SK)} is not a valid record: ${where}`,
    );
  }
  return parsed.data;
}

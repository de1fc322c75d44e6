/**
 * The answers of the JSON API as zod schemas: the one description of what a client receives.
 * Handlers type their answers against these (`answer` below), the tests parse real answers with
 * them, and shared/openapi.ts turns them into the OpenAPI document, so none of the three can drift.
 *
 * Objects are strict: a field a use case adds without adding it here fails the tests (and the
 * document's `additionalProperties: false` tells a generated client the shape is closed).
 */
import * as z from 'zod';
import type { AnswerMismatch } from './answer.js';
import { BILLING_EDITS, BILLING_METHODS } from './billing.js';
import { REASON_KINDS } from './catalogue.js';
import { MEDICARE_PAYMENT_STATUSES } from './codes.js';
import { AUTHORIZATION_STATUSES, REFERRAL_STATUSES } from './model.js';
import { APPROVAL_BASES } from './progress.js';
import { REASON_CODES } from './reasons.js';
import { InstrumentName, LINES_OF_BUSINESS, REVIEW_OUTCOMES, URGENCIES } from './schemas.js';

// ---------- building blocks ----------
const Timestamp = z.string().describe('ISO 8601 date-time (UTC)');
const CalendarDate = z.string().describe('Calendar date YYYY-MM-DD');
export const ReasonCodeSchema = z.enum(REASON_CODES).describe('SPEC 5.6 reason code');
const Reasons = z.array(ReasonCodeSchema);
const LineStatus = z.enum(['APPROVED', 'DENIED', 'PENDING_REVIEW']);
const ReviewKindSchema = z.enum(Object.keys(REVIEW_OUTCOMES) as [keyof typeof REVIEW_OUTCOMES]);
const Reviewer = z.strictObject({ id: z.string(), credential: z.string() });

// ---------- SPEC 4 errors ----------
export const ErrorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('Machine-readable code, e.g. VALIDATION_FAILED, REVIEW_ALREADY_DECIDED'),
      message: z.string(),
      details: z
        .array(z.strictObject({ field: z.string(), message: z.string() }))
        .optional()
        .describe('One entry per bad field (422)'),
    }),
  })
  .describe('SPEC 4 error body');

// ---------- GET /health ----------
export const HealthResponseSchema = z.strictObject({ status: z.literal('ok') });

// ---------- admin upserts (SPEC 5.1, 5.2) ----------
export const MemberSavedSchema = z
  .strictObject({
    memberId: z.string(),
    lineOfBusiness: z.enum(LINES_OF_BUSINESS),
    coverage: z.strictObject({ effectiveFrom: CalendarDate, effectiveTo: CalendarDate.optional() }),
    massageTherapy: z.strictObject({
      covered: z.boolean(),
      annualVisitLimit: z.int(),
      initialVisitAllotment: z.int(),
      extensionBlock: z.int(),
    }),
    priorVisitsThisYear: z.int(),
  })
  .describe('The member as stored, defaults applied');

export const ProviderSavedSchema = z
  .strictObject({
    npi: z.string(),
    name: z.string(),
    credentials: z.array(z.string()),
    licenseNumber: z.string(),
    licenseState: z.string(),
    licenseExpires: CalendarDate,
    contracted: z.boolean(),
  })
  .describe('The provider directory entry as stored');

// ---------- GET /codes/{cpt} ----------
export const CodeCheckSchema = z.strictObject({
  cpt: z.string(),
  inPublishedRange: z.boolean(),
  referralReason: z.string().nullable(),
  authorizationRequired: z.boolean(),
  description: z.string().nullable(),
  timed: z.boolean().nullable(),
  medicarePaymentStatus: z.enum(MEDICARE_PAYMENT_STATUSES).nullable(),
  separatelyPayable: z.boolean().nullable().describe('For the line of business asked about'),
  note: z.string().nullable(),
});

// ---------- GET /members/{memberId}/eligibility ----------
export const EligibilitySchema = z.strictObject({
  memberId: z.string(),
  date: CalendarDate,
  eligible: z.boolean(),
  lineOfBusiness: z.enum(LINES_OF_BUSINESS),
  coverage: z.strictObject({ effectiveFrom: CalendarDate, effectiveTo: CalendarDate.optional() }),
  massageTherapy: z.strictObject({
    covered: z.boolean(),
    annualVisitLimit: z.int(),
    visitsUsed: z.int(),
    visitsRemaining: z.int(),
  }),
});

// ---------- POST /referrals ----------
export const ReferralAcceptedSchema = z.strictObject({
  referralId: z.string(),
  status: z.literal('RECEIVED'),
});

// ---------- SPEC 4.3 billing, POST /referrals/{id}/visits ----------
export const BillingSchema = z.strictObject({
  method: z.enum(BILLING_METHODS),
  lines: z.array(
    z.strictObject({
      cpt: z.string(),
      minutes: z.int(),
      units: z.int(),
      modifiers: z.array(z.string()),
      separatelyPayable: z.boolean(),
      edits: z.array(z.enum(BILLING_EDITS)),
    }),
  ),
});
export const VisitAnswerSchema = z.strictObject({ visitId: z.string(), billing: BillingSchema });

// ---------- SPEC 4.2 referral view ----------
const ProgressSchema = z
  .strictObject({
    instrument: InstrumentName,
    baseline: z.number(),
    latest: z.number().nullable(),
    latestAtVisit: z.int().nullable(),
    improvement: z.number().nullable(),
    mcid: z.number(),
    meaningful: z.boolean().nullable(),
  })
  .describe("The primary outcome measure's figures a re-review judged progress on");

const ReReviewSchema = z.strictObject({
  action: z.string().describe('CONTINUE, COMPLETE, REVIEW, EXTEND, EXHAUST, or the reviewer outcome'),
  reasons: Reasons,
  explanation: z.string(),
  progress: ProgressSchema.optional(),
  at: Timestamp,
  reviewId: z.string().optional(),
  decidedBy: z.union([z.literal('system'), Reviewer]).optional(),
});

const ReviewDecisionRecordSchema = z.strictObject({
  // Stored with the decision as the workflow received it (the record type leaves it out).
  reviewId: z.string().optional(),
  outcome: z.string(),
  reasonCodes: Reasons,
  note: z.string().optional(),
  approvedVisits: z.int().optional(),
  requested: z.array(z.strictObject({ code: z.string(), text: z.string() })).optional(),
  reviewer: Reviewer,
  decidedAt: Timestamp,
});

// SPEC 10, 11: what the clinic was asked, what it answered, and the appeals heard.
const RequestedItems = z.array(z.strictObject({ code: z.string(), text: z.string() }));
const InformationRequestViewSchema = z.strictObject({
  round: z.int(),
  requestedAt: Timestamp,
  requestedBy: z.union([z.string().describe('"system"'), Reviewer]).nullable(),
  requested: RequestedItems,
  dueAt: Timestamp,
  status: z.string().describe('OPEN, ANSWERED or NOT_RECEIVED'),
  answeredAt: Timestamp.nullable(),
  note: z.string().nullable(),
  changes: z.array(z.looseObject({ field: z.string() })),
  lapsedAt: Timestamp.nullable(),
});
const AppealViewSchema = z.strictObject({
  appealId: z.string(),
  subject: z.enum(['DETERMINATION', 'AUTHORIZATION_STOP']),
  urgency: z.enum(['standard', 'expedited']),
  receivedAt: Timestamp,
  appealedStatus: z.string(),
  note: z.string(),
  dueAt: Timestamp,
  reviewId: z.string(),
  status: z.string(),
  decidedAt: Timestamp.nullable(),
  decidedBy: Reviewer.nullable(),
});
const CaseSnapshot = z.record(z.string(), z.unknown()).describe('The case as it stood (SPEC 4.1 shape)');

const reviewFields = {
  reviewId: z.string(),
  referralId: z.string(),
  kind: ReviewKindSchema,
  visitId: z.string().optional(),
  status: z.enum(['OPEN', 'DECIDED']),
  recommendation: z.string().nullable(),
  reasons: Reasons,
  createdAt: Timestamp,
  dueAt: Timestamp,
  escalated: z.boolean(),
  escalatedAt: Timestamp.optional(),
  recorded: z.boolean().optional(),
  round: z.int().optional(),
  appealId: z.string().optional(),
  conflictReviewerId: z.string().optional(),
  flags: Reasons.optional(),
};

export const ReferralViewSchema = z
  .strictObject({
    referralId: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    reasons: Reasons,
    criteria: z.array(
      z.strictObject({
        id: z
          .string()
          .describe('ELIGIBILITY, PROVIDER, CODES, MEDICARE, A1..A4, B, EXCLUSIONS, CONTRAINDICATIONS'),
        met: z.boolean().nullable(),
        evidence: z.string(),
      }),
    ),
    lines: z.array(
      z.strictObject({
        cpt: z.string(),
        unitsPerVisit: z.int(),
        status: LineStatus,
        reasons: Reasons,
        separatelyPayable: z.boolean(),
      }),
    ),
    recommendation: z.enum(['APPROVE', 'DENY']).nullable(),
    receivedAt: Timestamp,
    decisionDueAt: Timestamp,
    policyVersion: z.string(),
    decidedBy: z
      .union([z.string().describe('"system" for a decision under the published criteria'), Reviewer])
      .nullable(),
    decidedAt: Timestamp.nullable(),
    memberId: z.string(),
    urgency: z.enum(URGENCIES),
    startDate: CalendarDate,
    authorization: z
      .strictObject({
        status: z.enum(AUTHORIZATION_STATUSES),
        reasons: Reasons,
        basis: z.enum(APPROVAL_BASES),
        visitsRequested: z.int(),
        visitsAuthorized: z.int(),
        visitsUsed: z.int(),
        visitsRemaining: z.int(),
        validFrom: CalendarDate,
        validTo: CalendarDate,
        approvedCpts: z.array(z.string()),
      })
      .nullable(),
    visits: z.array(
      z.strictObject({
        visitId: z.string(),
        visitNumber: z.int(),
        date: CalendarDate,
        billing: BillingSchema,
        outcomeMeasures: z.array(z.strictObject({ instrument: InstrumentName, score: z.number() })),
        reReview: ReReviewSchema.nullable(),
      }),
    ),
    reviews: z.array(z.strictObject({ ...reviewFields, decision: ReviewDecisionRecordSchema.nullable() })),
    history: z.array(
      z.strictObject({
        at: Timestamp,
        actor: z.union([
          z.string().describe('"system"'),
          z.strictObject({ id: z.string(), role: z.string(), credential: z.string().optional() }),
        ]),
        event: z.string(),
        status: z.string().optional(),
        reasons: Reasons.optional(),
      }),
    ),
    failure: z.strictObject({ error: z.string(), at: Timestamp }).nullable(),
    informationRequests: z.array(InformationRequestViewSchema),
    appeals: z.array(AppealViewSchema),
  })
  .describe('SPEC 4.2 referral view');

// ---------- GET /referrals/{id}/notice ----------
const PolicyTextSchema = z.strictObject({ source: z.string(), text: z.string() });
export const NoticeSchema = z
  .strictObject({
    referralId: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    headline: z.string(),
    decidedAt: Timestamp.nullable(),
    decidedBy: z.string().nullable(),
    reviewerCredential: z.string().nullable(),
    reviewerNote: z.string().nullable().describe("The deciding reviewer's note, when a person decided"),
    authorization: z
      .strictObject({
        status: z.enum(AUTHORIZATION_STATUSES),
        visitsAuthorized: z.int(),
        visitsUsed: z.int(),
        validFrom: CalendarDate,
        validTo: CalendarDate,
        codes: z.array(z.string()),
      })
      .nullable(),
    reasons: z.array(
      z.strictObject({
        code: ReasonCodeSchema,
        title: z.string(),
        sentence: z.string(),
        policy: PolicyTextSchema,
      }),
    ),
    lines: z.array(z.strictObject({ cpt: z.string(), status: LineStatus, reasons: Reasons })),
    policyVersion: z.string(),
    appeal: z.string().nullable().describe('How to appeal, when something was denied'),
    appealOutcome: z
      .strictObject({
        appealId: z.string(),
        status: z.string(),
        decidedAt: Timestamp.nullable(),
        reviewerCredential: z.string().nullable(),
        headline: z.string(),
        nextSteps: z.string(),
      })
      .nullable()
      .describe('The latest appeal: outcome, who decided it, what comes next (SPEC 11)'),
    informationRequested: RequestedItems.nullable().describe('What the clinic is asked for (SPEC 10)'),
  })
  .describe('The determination notice in plain language');

// ---------- reviews (SPEC 7) ----------
const queueFields = {
  reviewId: z.string(),
  referralId: z.string(),
  kind: ReviewKindSchema,
  recommendation: z.string().nullable(),
  reasons: Reasons,
  dueAt: Timestamp,
  overdue: z.boolean(),
  escalated: z.boolean(),
};
export const ReviewListSchema = z.strictObject({ items: z.array(z.strictObject(queueFields)) });

export const ReviewDetailSchema = z
  .strictObject({
    ...reviewFields,
    ...queueFields,
    decision: ReviewDecisionRecordSchema.optional(),
    allowedOutcomes: z.array(z.string()).readonly(),
    proposedAuthorization: z
      .strictObject({
        basis: z.enum(APPROVAL_BASES),
        visitsRequested: z.int(),
        visitsAuthorized: z.int(),
        validFrom: CalendarDate,
        validTo: CalendarDate,
        approvedCpts: z.array(z.string()),
      })
      .nullable(),
    progress: ProgressSchema.nullable(),
    flags: Reasons,
    information: z.array(InformationRequestViewSchema.extend({ previousRequest: CaseSnapshot.nullable() })),
    appeal: AppealViewSchema.extend({
      appealedDecisionBy: z.union([z.string().describe('"system"'), Reviewer]),
      previousRequest: CaseSnapshot.nullable(),
    }).nullable(),
    reasonTexts: z.record(
      z.string(),
      z.strictObject({
        code: ReasonCodeSchema,
        title: z.string(),
        sentence: z.string(),
        policy: PolicyTextSchema,
        kind: z.enum(REASON_KINDS),
      }),
    ),
    evidence: z.strictObject({
      request: z.strictObject({
        memberId: z.string(),
        urgency: z.enum(URGENCIES),
        startDate: CalendarDate,
        requestedVisits: z.int(),
        diagnoses: z.array(z.strictObject({ code: z.string() })),
        services: z.array(z.strictObject({ cpt: z.string(), unitsPerVisit: z.int() })),
        renderingProviderNpi: z.string(),
        orderingProviderNpi: z.string(),
        clinical: z
          .record(z.string(), z.unknown())
          .optional()
          .describe(
            'The SPEC 4.1 clinical object as submitted (absent until a PAS request answers the questionnaire)',
          ),
      }),
      referral: ReferralViewSchema,
    }),
  })
  .describe("One review with the referral's evidence");

export const DecisionAnswerSchema = z.strictObject({
  reviewId: z.string(),
  referralId: z.string(),
  kind: ReviewKindSchema,
  outcome: z.string(),
  decidedBy: Reviewer,
  decidedAt: Timestamp,
});

// ---------- typing answers ----------
/**
 * Checks at compile time that an answer matches a response schema, and returns it unchanged.
 * Handlers use `answer<typeof Schema>()(body)` from shared/answer.ts instead, which names the
 * schema by type only, so their bundles do not build these schemas at cold start.
 */
export function answer<S extends z.ZodType, T>(_schema: S, body: T, ..._mismatch: AnswerMismatch<S, T>): T {
  return body;
}

// ---------- information requests, appeals, the public report (SPEC 10-12) ----------
export const InformationAcceptedSchema = z
  .strictObject({
    referralId: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    changed: z.array(z.string()).describe('The fields of the case the answer changed'),
    decisionDueAt: Timestamp.nullable().optional(),
  })
  .describe('The answer was taken; the case is re-evaluated');

export const AppealFiledSchema = z
  .strictObject({
    appealId: z.string(),
    referralId: z.string(),
    subject: z.enum(['DETERMINATION', 'AUTHORIZATION_STOP']),
    status: z.string(),
    urgency: z.enum(['standard', 'expedited']),
    dueAt: Timestamp,
  })
  .describe('An open appeal');

const Percent = z.number().min(0).max(100).nullable();
const UrgencyMeasuresSchema = z.strictObject({
  requestsDecided: z.int(),
  percentApproved: Percent,
  percentDenied: Percent,
  percentApprovedAfterAppeal: Percent,
  percentApprovedAfterExtendedDecisionTime: Percent,
  averageHoursToDecision: z.number().nullable(),
  medianHoursToDecision: z.number().nullable(),
});
const DecisionTimes = z.array(z.strictObject({ upToHours: z.number().nullable(), count: z.int() }));

export const PriorAuthorizationReportSchema = z
  .strictObject({
    year: z.int(),
    generatedAt: Timestamp,
    itemsAndServices: z.array(z.strictObject({ code: z.string(), description: z.string() })),
    standard: UrgencyMeasuresSchema,
    expedited: UrgencyMeasuresSchema,
    decisionTimes: z.strictObject({ standard: DecisionTimes, expedited: DecisionTimes }),
    notes: z.array(z.string()),
  })
  .describe('CMS-0057-F prior-authorization measures for one year');

/**
 * Request schemas. The `@__PURE__` marks tell esbuild that building a schema has no side effect,
 * so a Lambda bundle keeps only the schemas its function parses with instead of building all of
 * them (some 365 zod objects) at every cold import (docs/performance.md). Mark a new top-level
 * schema the same way.
 */
import * as z from 'zod';
import { addDays, isIsoDate } from './dates.js';
import { type ErrorDetail, ValidationError } from './errors.js';
import { isValidNpi } from './npi.js';
import { REASON_CODES } from './reasons.js';

// ---------- building blocks ----------
export const IsoDate = /* @__PURE__ */ z
  .string()
  .refine(isIsoDate, { message: 'must be a calendar date YYYY-MM-DD' });
export const Npi = /* @__PURE__ */ z
  .string()
  .regex(/^\d{10}$/, { message: 'must be 10 digits' })
  .refine(isValidNpi, { message: 'check digit is not valid (Luhn with prefix 80840)' });
/** ICD-10-CM shape: letter, digit, alphanumeric, then an optional dot and 1–4 more characters. */
export const Icd10Code = /* @__PURE__ */ z
  .string()
  .regex(/^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/, {
    message: 'must be an ICD-10-CM code such as M54.50',
  });
export const Cpt = /* @__PURE__ */ z
  .string()
  .regex(/^\d{5}$|^[A-Z]\d{4}$/, { message: 'must be a 5-character CPT/HCPCS code' });
const Text = (max: number) => z.string().trim().min(1).max(max);

export const LINES_OF_BUSINESS = ['commercial', 'medicare', 'medicaid'] as const;
export type LineOfBusiness = (typeof LINES_OF_BUSINESS)[number];

export const CREDENTIALS = ['LMT', 'PT', 'OT', 'DC', 'MD', 'DO', 'ARNP', 'PA'] as const;
export type Credential = (typeof CREDENTIALS)[number];

export const PURPOSES = [
  'rehabilitation',
  'comfort',
  'prevention',
  'recreation',
  'stress-reduction',
  'maintenance',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CONTRAINDICATIONS = [
  'acute-inflammation',
  'skin-infection',
  'unhealed-fracture',
  'burn',
] as const;
export type Contraindication = (typeof CONTRAINDICATIONS)[number];

export const URGENCIES = ['standard', 'expedited'] as const;

/** SPEC 6.2: instrument ranges, direction of improvement and minimal clinically important difference. */
export const INSTRUMENTS = {
  ODI: { min: 0, max: 100, better: 'lower', mcid: 10 },
  NDI: { min: 0, max: 50, better: 'lower', mcid: 7.5 },
  PSFS: { min: 0, max: 10, better: 'higher', mcid: 2 },
  NPRS: { min: 0, max: 10, better: 'lower', mcid: 2 },
  LEFS: { min: 0, max: 80, better: 'higher', mcid: 9 },
  QuickDASH: { min: 0, max: 100, better: 'lower', mcid: 16 },
} as const;
export type Instrument = keyof typeof INSTRUMENTS;
export const InstrumentName = /* @__PURE__ */ z.enum(
  Object.keys(INSTRUMENTS) as [Instrument, ...Instrument[]],
);

function inRange(instrument: Instrument, value: number): boolean {
  const spec = INSTRUMENTS[instrument];
  return value >= spec.min && value <= spec.max;
}

/** Adds a range issue on `path` when a score lies outside its instrument's scale. */
function checkScore(
  ctx: z.RefinementCtx,
  instrument: Instrument,
  value: number | undefined,
  path: PropertyKey[],
) {
  if (value === undefined || inRange(instrument, value)) return;
  const { min, max } = INSTRUMENTS[instrument];
  ctx.addIssue({ code: 'custom', path, message: `${instrument} scores lie between ${min} and ${max}` });
}

// ---------- SPEC 5.1 members ----------
export const MemberSchema = /* @__PURE__ */ z
  .object({
    lineOfBusiness: z.enum(LINES_OF_BUSINESS),
    coverage: z.object({ effectiveFrom: IsoDate, effectiveTo: IsoDate.optional() }),
    massageTherapy: z.object({
      covered: z.boolean(),
      annualVisitLimit: z.number().int().min(0).max(366),
      initialVisitAllotment: z.number().int().min(1).max(52).default(6),
      extensionBlock: z.number().int().min(1).max(52).default(4),
    }),
    priorVisitsThisYear: z.number().int().min(0).max(366).default(0),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.coverage.effectiveTo && m.coverage.effectiveTo < m.coverage.effectiveFrom) {
      ctx.addIssue({
        code: 'custom',
        path: ['coverage', 'effectiveTo'],
        message: 'must not be before effectiveFrom',
      });
    }
  });
export type Member = z.output<typeof MemberSchema>;
export type MemberInput = z.input<typeof MemberSchema>;

// ---------- SPEC 5.2 providers ----------
export const ProviderSchema = /* @__PURE__ */ z
  .object({
    name: Text(200),
    credentials: z.array(z.enum(CREDENTIALS)).min(1).max(8),
    licenseNumber: Text(40),
    licenseState: z.string().regex(/^[A-Z]{2}$/, { message: 'must be a two-letter state code' }),
    licenseExpires: IsoDate,
    contracted: z.boolean(),
  })
  .strict();
export type Provider = z.output<typeof ProviderSchema>;

// ---------- SPEC 4.1 referrals ----------
export const OutcomeMeasureGoalSchema = /* @__PURE__ */ z
  .object({ instrument: InstrumentName, score: z.number().finite(), goal: z.number().finite().optional() })
  .strict()
  .superRefine((m, ctx) => {
    checkScore(ctx, m.instrument, m.score, ['score']);
    checkScore(ctx, m.instrument, m.goal, ['goal']);
  });

const expectedImprovement = /* @__PURE__ */ z
  .object({ withinWeeks: z.number().int().min(1).max(104).optional() })
  .strict();
const terminalIllness = /* @__PURE__ */ z
  .object({ terminal: z.boolean(), comfortCare: z.boolean() })
  .strict();
const planOfCare = /* @__PURE__ */ z
  .object({ certifiedByNpi: Npi, certifiedOn: IsoDate })
  .strict();
const clinicalFields = {
  purpose: /* @__PURE__ */ z.enum(PURPOSES),
  objectiveFindings: /* @__PURE__ */ z
    .array(Text(500))
    .max(20),
  functionalLimitations: /* @__PURE__ */ z
    .array(Text(500))
    .max(20),
  therapeuticBenefit: /* @__PURE__ */ z
    .string()
    .trim()
    .max(2000),
  expectedImprovement,
  terminalIllness,
  contraindications: /* @__PURE__ */ z
    .array(z.enum(CONTRAINDICATIONS))
    .max(4),
  outcomeMeasures: /* @__PURE__ */ z
    .array(OutcomeMeasureGoalSchema)
    .max(6),
  planOfCare,
};

/** SPEC 4.1 `clinical`, with its defaults. */
export const ClinicalSchema = /* @__PURE__ */ z
  .object({
    purpose: clinicalFields.purpose,
    objectiveFindings: clinicalFields.objectiveFindings.default([]),
    functionalLimitations: clinicalFields.functionalLimitations.default([]),
    therapeuticBenefit: clinicalFields.therapeuticBenefit.optional(),
    expectedImprovement: expectedImprovement.optional(),
    terminalIllness: terminalIllness.default({ terminal: false, comfortCare: false }),
    contraindications: clinicalFields.contraindications.default([]),
    outcomeMeasures: clinicalFields.outcomeMeasures.default([]),
    planOfCare: planOfCare.optional(),
  })
  .strict();
export type Clinical = z.output<typeof ClinicalSchema>;

/**
 * SPEC 10: a partial `clinical` object sent in answer to an information request. No defaults: a
 * field left out keeps the value it had (see mergeInformation).
 */
export const ClinicalPatchSchema = /* @__PURE__ */ z
  .object({
    purpose: clinicalFields.purpose.optional(),
    objectiveFindings: clinicalFields.objectiveFindings.optional(),
    functionalLimitations: clinicalFields.functionalLimitations.optional(),
    therapeuticBenefit: clinicalFields.therapeuticBenefit.optional(),
    expectedImprovement: expectedImprovement.optional(),
    terminalIllness: terminalIllness.partial().optional(),
    contraindications: clinicalFields.contraindications.optional(),
    outcomeMeasures: clinicalFields.outcomeMeasures.optional(),
    planOfCare: planOfCare.partial().optional(),
  })
  .strict();
export type ClinicalPatch = z.output<typeof ClinicalPatchSchema>;

const Diagnoses = /* @__PURE__ */ z
  .array(z.object({ code: Icd10Code }).strict())
  .min(1)
  .max(12);

const referralFields = {
  memberId: /* @__PURE__ */ Text(64),
  renderingProviderNpi: Npi,
  orderingProviderNpi: Npi,
  urgency: /* @__PURE__ */ z.enum(URGENCIES),
  startDate: IsoDate,
  requestedVisits: /* @__PURE__ */ z
    .number()
    .int()
    .min(1)
    .max(52),
  diagnoses: Diagnoses,
  services: /* @__PURE__ */ z
    .array(z.object({ cpt: Cpt, unitsPerVisit: z.number().int().min(1).max(4) }).strict())
    .min(1)
    .max(10),
};

function uniqueServices(r: { services: { cpt: string }[] }, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  r.services.forEach((s, i) => {
    if (seen.has(s.cpt))
      ctx.addIssue({ code: 'custom', path: ['services', i, 'cpt'], message: 'is listed twice' });
    seen.add(s.cpt);
  });
}

/** SPEC 4.1: what `POST /referrals` takes; `clinical` is required there. */
export const ReferralSchema = /* @__PURE__ */ z
  .object({ ...referralFields, clinical: ClinicalSchema })
  .strict()
  .superRefine(uniqueServices);

/**
 * The case the desk works on. Its `clinical` section may be missing: a PAS request without a
 * QuestionnaireResponse (SPEC 8) is not an error, it pends and the desk asks for it (SPEC 10).
 */
export const CaseSchema = /* @__PURE__ */ z
  .object({ ...referralFields, clinical: ClinicalSchema.optional() })
  .strict()
  .superRefine(uniqueServices);
export type ReferralCase = z.output<typeof CaseSchema>;

export type Referral = z.output<typeof ReferralSchema>;

/** SPEC 4.1: a start date may lie up to 30 days back (retroactive) and 180 days ahead of today. */
export const START_DATE_WINDOW = { pastDays: 30, futureDays: 180 } as const;

// ---------- SPEC 4.3 visits ----------
export const VisitSchema = /* @__PURE__ */ z
  .object({
    visitId: z.uuid({ message: 'must be a UUID' }),
    date: IsoDate,
    renderingProviderNpi: Npi,
    services: z
      .array(
        z
          .object({
            cpt: Cpt,
            minutes: z.number().int().min(0).max(240),
            bodyRegion: Text(40),
            modifiers: z
              .array(z.string().regex(/^[A-Z0-9]{2}$/))
              .max(4)
              .default([]),
          })
          .strict(),
      )
      .min(1)
      .max(10),
    sameDayProcedures: z
      .array(z.object({ code: Cpt, bodyRegion: Text(40) }).strict())
      .max(10)
      .default([]),
    outcomeMeasures: z
      .array(
        z
          .object({ instrument: InstrumentName, score: z.number().finite() })
          .strict()
          .superRefine((m, ctx) => checkScore(ctx, m.instrument, m.score, ['score'])),
      )
      .max(6)
      .default([]),
    notes: z
      .object({
        techniques: z.array(Text(100)).max(20).default([]),
        response: z.string().max(2000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Visit = z.output<typeof VisitSchema>;

// ---------- SPEC 7, 10, 11 review decisions ----------
export const REVIEW_OUTCOMES = {
  INITIAL: ['APPROVE', 'DENY', 'REQUEST_INFORMATION'],
  CONTINUATION: ['CONTINUE', 'STOP'],
  APPEAL: ['OVERTURN', 'UPHOLD'],
} as const;
export type ReviewKind = keyof typeof REVIEW_OUTCOMES;
export const ALL_REVIEW_OUTCOMES = [
  'APPROVE',
  'DENY',
  'REQUEST_INFORMATION',
  'CONTINUE',
  'STOP',
  'OVERTURN',
  'UPHOLD',
] as const;
export type ReviewOutcome = (typeof ALL_REVIEW_OUTCOMES)[number];

/** SPEC 10: what an information request may ask for. */
export const INFORMATION_CODES = [
  'CLINICAL_NOTES',
  'OUTCOME_MEASURES',
  'PHYSICIAN_ORDER',
  'PLAN_OF_CARE',
  'OTHER',
] as const;
export type InformationCode = (typeof INFORMATION_CODES)[number];
export const RequestedItemSchema = /* @__PURE__ */ z
  .object({ code: z.enum(INFORMATION_CODES), text: Text(1000) })
  .strict();
export type RequestedItem = z.output<typeof RequestedItemSchema>;

/** The limits of a decision, also served to the console so its form refuses what the API would. */
export const DECISION_RULES = {
  /** These outcomes need a note and at least one reason code: they refuse, stop, or keep a refusal. */
  justifiedOutcomes: ['DENY', 'STOP', 'UPHOLD'],
  maxReasonCodes: 10,
  noteMaxLength: 4000,
  approvedVisits: { min: 1, max: 52 },
} as const;
const JUSTIFIED: readonly string[] = DECISION_RULES.justifiedOutcomes;
export const ReviewDecisionSchema = /* @__PURE__ */ z
  .object({
    outcome: z.enum(ALL_REVIEW_OUTCOMES),
    reasonCodes: z.array(z.enum(REASON_CODES)).max(DECISION_RULES.maxReasonCodes).optional(),
    note: z.string().trim().max(DECISION_RULES.noteMaxLength).optional(),
    approvedVisits: z
      .number()
      .int()
      .min(DECISION_RULES.approvedVisits.min)
      .max(DECISION_RULES.approvedVisits.max)
      .optional(),
    requested: z.array(RequestedItemSchema).min(1).max(10).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (JUSTIFIED.includes(d.outcome)) {
      if (!d.note) ctx.addIssue({ code: 'custom', path: ['note'], message: `a ${d.outcome} needs a note` });
      if (!d.reasonCodes?.length)
        ctx.addIssue({
          code: 'custom',
          path: ['reasonCodes'],
          message: `a ${d.outcome} needs at least one reason code`,
        });
    }
    if (d.outcome === 'REQUEST_INFORMATION' && !d.requested?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['requested'],
        message: 'a REQUEST_INFORMATION needs at least one requested item',
      });
    if (d.outcome !== 'REQUEST_INFORMATION' && d.requested !== undefined)
      ctx.addIssue({ code: 'custom', path: ['requested'], message: 'only a REQUEST_INFORMATION takes it' });
  });
export type ReviewDecision = z.output<typeof ReviewDecisionSchema>;

/** SPEC 10: `POST /referrals/{id}/information`, and what a PAS Claim update maps to. */
export const InformationAnswerSchema = /* @__PURE__ */ z
  .object({
    diagnoses: Diagnoses.optional(),
    orderingProviderNpi: Npi.optional(),
    clinical: ClinicalPatchSchema.optional(),
    note: z.string().trim().max(4000).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!a.diagnoses && !a.orderingProviderNpi && !a.clinical && !a.note)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'send at least one of diagnoses, orderingProviderNpi, clinical, note',
      });
  });
export type InformationAnswer = z.output<typeof InformationAnswerSchema>;

/** SPEC 11: `POST /referrals/{id}/appeals`. */
export const AppealSchema = /* @__PURE__ */ z
  .object({
    urgency: z.enum(URGENCIES),
    note: Text(4000),
    clinical: ClinicalPatchSchema.optional(),
  })
  .strict();
export type AppealRequest = z.output<typeof AppealSchema>;

// ---------- parsing helpers ----------
export function issuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/** Parses with a schema or throws a 422 ValidationError whose details name each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(issuesToDetails(result.error));
  return result.data;
}

/** Referral body plus the date rules that depend on today (SPEC 4.1). */
export function parseReferral(input: unknown, today: string): Referral {
  return checkDates(parseOrThrow(ReferralSchema, input), today);
}

/**
 * A case that may lack its clinical section (a PAS request without a QuestionnaireResponse, SPEC 8),
 * with the same date rules as `parseReferral`.
 */
export function parseCase(input: unknown, today: string): ReferralCase {
  return checkDates(parseOrThrow(CaseSchema, input), today);
}

function checkDates<T extends ReferralCase>(referral: T, today: string): T {
  const details: ErrorDetail[] = [];
  const earliest = addDays(today, -START_DATE_WINDOW.pastDays);
  const latest = addDays(today, START_DATE_WINDOW.futureDays);
  if (referral.startDate < earliest || referral.startDate > latest) {
    details.push({ field: 'startDate', message: `must lie between ${earliest} and ${latest}` });
  }
  const poc = referral.clinical?.planOfCare;
  if (poc && poc.certifiedOn > today) {
    details.push({ field: 'clinical.planOfCare.certifiedOn', message: 'must not be in the future' });
  }
  if (details.length) throw new ValidationError(details);
  return referral;
}

/** Visit body plus SPEC 4.3's "a visit dated after today is 422". */
export function parseVisit(input: unknown, today: string): Visit {
  const visit = parseOrThrow(VisitSchema, input);
  if (visit.date > today) throw new ValidationError([{ field: 'date', message: 'must not be after today' }]);
  return visit;
}

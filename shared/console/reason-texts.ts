/**
 * What the reviewer console needs to know without asking the API: every reason code's title,
 * sentence and policy text (SPEC 5.6, for the reason-code picker and the criteria table), the
 * outcome-measure scales (SPEC 6.2, for the progress chart), the review outcomes and the limits
 * of a decision (SPEC 7), and the demo reviewers where the host has them (the local stack only).
 * Serialised into the page's JSON data block once, when the page is built.
 */
import * as z from 'zod';
import { CATALOGUE, type CatalogueEntry } from '../catalogue.js';
import { REASON_CODES, type ReasonCode } from '../reasons.js';
import { DECISION_RULES, INFORMATION_CODES, INSTRUMENTS, REVIEW_OUTCOMES } from '../schemas.js';

/** Each criterion of SPEC 4.2, its plain name, and the reason codes that speak to it (first: the default). */
export const CRITERIA_LABELS = [
  {
    id: 'ELIGIBILITY',
    name: 'Member eligibility and benefit',
    codes: ['MEMBER_NOT_ELIGIBLE', 'BENEFIT_NOT_COVERED', 'BENEFIT_EXHAUSTED'],
  },
  {
    id: 'PROVIDER',
    name: 'Rendering provider',
    codes: ['PROVIDER_NOT_QUALIFIED', 'NON_CONTRACTED_PROVIDER'],
  },
  { id: 'CODES', name: 'Requested codes', codes: ['CODE_NOT_IN_RANGE', 'CODE_DELETED'] },
  {
    id: 'MEDICARE',
    name: 'Medicare: physical therapist and plan of care',
    codes: ['MEDICARE_CRITERIA_MET', 'MEDICARE_PT_REQUIRED', 'PLAN_OF_CARE_REQUIRED'],
  },
  { id: 'EXCLUSIONS', name: 'Purpose not excluded', codes: ['EXCLUDED_PURPOSE', 'MAINTENANCE_NOT_COVERED'] },
  { id: 'CONTRAINDICATIONS', name: 'No contraindication', codes: ['CONTRAINDICATION'] },
  { id: 'B', name: 'B: comfort care in terminal illness', codes: ['CRITERIA_B_MET'] },
  { id: 'A1', name: 'A1: findings and limitations documented', codes: ['A1_NOT_MET'] },
  { id: 'A2', name: 'A2: physical therapeutic benefit', codes: ['A2_NOT_MET'] },
  { id: 'A3', name: 'A3: ordered by the treating physician', codes: ['A3_NOT_MET'] },
  { id: 'A4', name: 'A4: significant improvement expected', codes: ['A4_NOT_MET'] },
] as const satisfies readonly { id: string; name: string; codes: readonly ReasonCode[] }[];

/** Groups of the reason-code picker, by catalogue kind (reviewer codes are added by the system). */
export const REASON_GROUPS = [
  { kind: 'pend', label: 'Clinical criteria, exclusions and safety' },
  { kind: 'denial', label: 'Eligibility, benefit, provider and codes' },
  { kind: 'progress', label: 'Progress (continuation reviews)' },
  { kind: 'approval', label: 'Criteria met' },
] as const;

/** A demo sign-in button: the claims the local stack's token endpoint signs. */
export const DemoReviewerSchema = z.object({
  label: z.string().min(1),
  claims: z.object({ role: z.literal('reviewer'), sub: z.string().min(1), credential: z.string().min(1) }),
});
export type DemoReviewer = z.infer<typeof DemoReviewerSchema>;

export interface ConsoleData {
  reasons: CatalogueEntry[];
  criteria: typeof CRITERIA_LABELS;
  groups: typeof REASON_GROUPS;
  instruments: typeof INSTRUMENTS;
  outcomes: typeof REVIEW_OUTCOMES;
  decision: typeof DECISION_RULES;
  /** SPEC 10: what a REQUEST_INFORMATION may ask for. */
  informationCodes: typeof INFORMATION_CODES;
  /** Empty in the deployed page: there, reviewers paste an ID token. */
  demoReviewers: DemoReviewer[];
}

export function consoleData(demoReviewers: readonly DemoReviewer[] = []): ConsoleData {
  return {
    reasons: REASON_CODES.map((code) => CATALOGUE[code]),
    criteria: CRITERIA_LABELS,
    groups: REASON_GROUPS,
    instruments: INSTRUMENTS,
    outcomes: REVIEW_OUTCOMES,
    decision: DECISION_RULES,
    informationCodes: INFORMATION_CODES,
    demoReviewers: [...demoReviewers],
  };
}

/** JSON safe to place inside a <script> element: no `<`, and no line separators that old parsers choke on. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

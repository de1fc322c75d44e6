/**
 * SPEC 5.6: what every reason code means, in plain words, and the policy text it rests on —
 * shown in the reviewer console and in notices. Where a seed document says it, `policy.text`
 * quotes it word for word (fragments joined by QUOTE_GAP; the unit test checks them).
 */
import type { BillingEdit } from './billing.js';
import type { ReasonCode } from './reasons.js';

/** The documents a policy text comes from. */
export const POLICY_SOURCES = {
  criteria: 'KPWA Clinical Review Criteria: Massage Therapy (rev. 03/07/2023)',
  publishedRange: 'KPWA Published Range: Massage Therapy',
  eightMinuteRule: 'CMS 8-minute rule (billing explainer: Can a massage therapist bill for 97124?)',
  ncciManipulation:
    'NCCI edits with manipulation (billing explainer: Can a massage therapist bill for 97124?)',
  coverage: 'Member coverage agreement',
  providerRules: 'Plan provider rules for massage therapy',
  reReview: 'Plan re-review of massage therapy visits',
  billingRules: 'Plan billing rules for massage therapy visits',
  medicareFeeSchedule: 'Medicare Physician Fee Schedule (payment status indicator B)',
  medicareMaintenance: 'Medicare coverage of skilled maintenance therapy (Jimmo v. Sebelius settlement)',
  humanReview: 'Human review of medical-necessity decisions (CMS FAQ, Feb. 2024; Washington law)',
  informationRequests:
    'Requests for missing information (RCW 48.43.830; CMS-0057-F prior authorization timeframes)',
  appeals: 'Appeals of adverse benefit determinations (plan appeal rules; independent review, RCW 48.43.535)',
} as const;
export type PolicySource = (typeof POLICY_SOURCES)[keyof typeof POLICY_SOURCES];

/** Sources whose texts are verbatim quotes, and the seed file each quotes. */
export const QUOTED_SOURCES = {
  [POLICY_SOURCES.criteria]: '001_87f4b52e754428e0.txt',
  [POLICY_SOURCES.publishedRange]: '000_1b70255520b0cb1a.txt',
  [POLICY_SOURCES.eightMinuteRule]: '002_55c0e48df23fa414.txt',
  [POLICY_SOURCES.ncciManipulation]: '002_55c0e48df23fa414.txt',
} as const;

/** Separates non-adjacent quoted fragments within one policy text. */
export const QUOTE_GAP = ' … ';

export const REASON_KINDS = ['approval', 'denial', 'pend', 'progress', 'reviewer'] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

export interface PolicyText {
  source: PolicySource;
  text: string;
}
export interface CatalogueEntry {
  code: ReasonCode;
  title: string;
  /** For a member or a clinic's front desk. */
  sentence: string;
  policy: PolicyText;
  kind: ReasonKind;
}

const S = POLICY_SOURCES;

// Seed quotes used more than once.
const MEDICARE_PT =
  'Medicare covers massage when delivered by a physical therapist as part of the rehabilitation plan of care.';
const A_INTRO = 'Massage therapy is indicated when ALL of the following are met:';
const A1 = '1. An assessment and diagnosis documents objective physical and functional limitations.';
const A2 = '2. It will have physical therapeutic benefits.';
const A3 = '3. It has been ordered by the treating physician.';
const A4 =
  '4. The condition or the level of function can be expected to improve significantly within a reasonable and generally predictable period of time with massage treatment.';
const NOT_COVERED = 'Massage therapy is not covered when:';
const GOALS_OR_PROGRESS =
  '3. The patient has achieved therapeutic goals or is not showing meaningful progress.';
const BENEFIT_LIMITS =
  "All benefits are subject to the patient's medical coverage agreement including visit, quantity, and/or dollar limits.";
const HUMAN_REVIEW =
  'No medical-necessity denial or stop is ever made by the software alone: the software approves, or recommends and waits for a licensed clinical reviewer, who decides.';

const gap = (...fragments: string[]) => fragments.join(QUOTE_GAP);

type EntryBody = Omit<CatalogueEntry, 'code'>;

/** Keyed by every ReasonCode: a code without an entry does not compile. */
const ENTRIES = {
  MEMBER_NOT_ELIGIBLE: {
    kind: 'denial',
    title: 'Member not eligible',
    sentence:
      "We could not find health plan coverage for this member on the requested start date, so the visits can't be authorized. Please check the member ID and the start date.",
    policy: {
      source: S.coverage,
      text: 'Benefits are available only to a member whose coverage is in effect on the date of service.',
    },
  },
  BENEFIT_NOT_COVERED: {
    kind: 'denial',
    title: 'Massage therapy is not a benefit of this plan',
    sentence: "This member's plan does not include massage therapy, so the visits can't be authorized.",
    policy: {
      source: S.criteria,
      text: "This service is covered when it is described as a benefit in the consumer's coverage contract and the consumer receives a health plan referral.",
    },
  },
  BENEFIT_EXHAUSTED: {
    kind: 'denial',
    title: 'Yearly visit limit reached',
    sentence:
      'The member has used all the massage therapy visits their plan allows this calendar year, so no more visits can be authorized until the limit resets.',
    policy: { source: S.publishedRange, text: BENEFIT_LIMITS },
  },
  BENEFIT_LIMIT_APPLIED: {
    kind: 'denial',
    title: 'Fewer visits approved than requested',
    sentence:
      "We approved fewer visits than requested because the member's plan allows only a set number of massage therapy visits each year (or per authorization). The rest were not approved.",
    policy: { source: S.publishedRange, text: BENEFIT_LIMITS },
  },
  PROVIDER_NOT_QUALIFIED: {
    kind: 'denial',
    title: 'Provider cannot bill massage therapy',
    sentence:
      'The treating provider must hold a current Washington licence as a massage therapist, physical or occupational therapist, chiropractor, or physician (MD or DO). We could not confirm that for this provider.',
    policy: { source: S.criteria, text: 'Massage therapists are licensed by the state of Washington.' },
  },
  NON_CONTRACTED_PROVIDER: {
    kind: 'pend',
    title: 'Provider is not in the network',
    sentence:
      'The treating provider is not contracted with the plan, so a clinical reviewer must look at this request before it can be approved.',
    policy: {
      source: S.publishedRange,
      text: 'Non-contracted providers can contact the Provider Assistance Unit at 1-888-767-4670.',
    },
  },
  CODE_NOT_IN_RANGE: {
    kind: 'denial',
    title: 'Code not covered under massage therapy',
    sentence:
      'A massage therapy authorization covers only codes 97124, 97140 and 97010. Other codes on this request were not approved; office visit (E&M) codes are never part of it.',
    policy: {
      source: S.publishedRange,
      text: gap(
        'Massage Therapy: (97124) 97124, 97140, 97010',
        'Procedure authorizations do not include the standard E&M code range',
      ),
    },
  },
  CODE_DELETED: {
    kind: 'denial',
    title: 'Code no longer valid',
    sentence:
      'This code was retired by the AMA or CMS before the requested start date, so it cannot be authorized. Please use the current code.',
    policy: {
      source: S.publishedRange,
      text: 'CPT codes deleted by the American Medical Association or HCPC codes deleted by Centers for Medicare & Medicaid Services will remain eligible for payment for valid dates of service for 24 months to allow time for claims submission.',
    },
  },
  MEDICARE_PT_REQUIRED: {
    kind: 'denial',
    title: 'Medicare: a physical therapist must provide it',
    sentence:
      'For Medicare members, massage is covered only when a physical therapist provides it as part of a rehabilitation plan. The treating provider is not a physical therapist.',
    policy: {
      source: S.criteria,
      text: `${MEDICARE_PT} It is not covered when delivered by a massage therapist who is not licensed as a physical therapist.`,
    },
  },
  PLAN_OF_CARE_REQUIRED: {
    kind: 'pend',
    title: 'Medicare: current plan of care needed',
    sentence:
      'For Medicare members we need a rehabilitation plan of care certified by a physician (MD or DO) within the last 90 days. A clinical reviewer will look at this request.',
    policy: { source: S.criteria, text: MEDICARE_PT },
  },
  EXCLUDED_PURPOSE: {
    kind: 'pend',
    title: 'Purpose not covered',
    sentence:
      'Massage for prevention, relaxation (spa) or stress reduction is not covered. A clinical reviewer will decide; they are likely to deny it.',
    policy: {
      source: S.criteria,
      text: `${NOT_COVERED} 1. It is provided for prevention, recreation (spa therapy) or stress reduction.`,
    },
  },
  MAINTENANCE_NOT_COVERED: {
    kind: 'pend',
    title: 'Maintenance care not covered',
    sentence:
      'Massage to keep the member at their current level of function (rather than to improve it) is not covered. A clinical reviewer will decide; they are likely to deny it.',
    policy: {
      source: S.criteria,
      text: gap(NOT_COVERED, '2. It is directed at the maintenance of current level of functioning.'),
    },
  },
  CONTRAINDICATION: {
    kind: 'pend',
    title: 'Condition where massage may be unsafe',
    sentence:
      'The referral lists a condition where massage may be unsafe (such as acute inflammation, a skin infection, an unhealed fracture or a burn). A clinical reviewer will look at it.',
    policy: {
      source: S.criteria,
      text: 'It is, however, contraindicated when several other conditions are present, including acute inflammations, skin infections, unhealed fractures, and burns.',
    },
  },
  A1_NOT_MET: {
    kind: 'pend',
    title: 'Findings and limitations not documented',
    sentence:
      'The referral needs a diagnosis plus at least one objective finding (for example, limited range of motion) and one way the condition limits daily function. A clinical reviewer will look at it.',
    policy: { source: S.criteria, text: `${A_INTRO} ${A1}` },
  },
  A2_NOT_MET: {
    kind: 'pend',
    title: 'Therapeutic benefit not shown',
    sentence:
      'The referral needs to say how massage will help physically, and a diagnosis of a muscle, joint, injury or chronic pain condition. A clinical reviewer will look at it.',
    policy: { source: S.criteria, text: gap(A_INTRO, A2) },
  },
  A3_NOT_MET: {
    kind: 'pend',
    title: 'Not ordered by a physician',
    sentence:
      'Massage therapy must be ordered by the treating physician (MD or DO). We could not confirm the ordering provider. A clinical reviewer will look at it.',
    policy: { source: S.criteria, text: gap(A_INTRO, A3) },
  },
  A4_NOT_MET: {
    kind: 'pend',
    title: 'Improvement not expected within 12 weeks',
    sentence:
      'The referral needs to say the condition is expected to improve significantly within 12 weeks. A clinical reviewer will look at it.',
    policy: { source: S.criteria, text: gap(A_INTRO, A4) },
  },
  CRITERIA_A_MET: {
    kind: 'approval',
    title: 'Medical necessity criteria met',
    sentence: "Approved: the referral meets all of the plan's criteria for massage therapy.",
    policy: { source: S.criteria, text: `${A_INTRO} ${A1} ${A2} ${A3} ${A4}` },
  },
  CRITERIA_B_MET: {
    kind: 'approval',
    title: 'Comfort care for a terminal illness',
    sentence: 'Approved: massage therapy is covered for comfort for a member who is terminally ill.',
    policy: {
      source: S.criteria,
      text: 'B. The patient is terminally ill, and the therapy is needed for comfort.',
    },
  },
  MEDICARE_CRITERIA_MET: {
    kind: 'approval',
    title: "Medicare's conditions met",
    sentence:
      'Approved: a physical therapist will provide massage as part of a certified rehabilitation plan of care. For Medicare, hot or cold packs (97010) are paid as part of the visit, not separately.',
    policy: { source: S.criteria, text: MEDICARE_PT },
  },
  GOALS_ACHIEVED: {
    kind: 'progress',
    title: 'Treatment goals reached',
    sentence:
      'The member has reached the treatment goals set in the referral, so this authorization is complete. A new referral is needed for further care.',
    policy: { source: S.criteria, text: gap(NOT_COVERED, GOALS_OR_PROGRESS) },
  },
  NO_MEANINGFUL_PROGRESS: {
    kind: 'progress',
    title: 'Not showing meaningful progress',
    sentence:
      "The member's main outcome score has not improved by the smallest change that matters clinically. A clinical reviewer will decide whether visits continue; the clinic may send more information.",
    policy: { source: S.criteria, text: gap(NOT_COVERED, GOALS_OR_PROGRESS) },
  },
  PROGRESS_NOT_DOCUMENTED: {
    kind: 'progress',
    title: 'Progress not measured',
    sentence:
      "The visits have not reported the referral's main outcome measure, so we cannot tell whether the member is improving. A clinical reviewer will decide whether visits continue; please report the measure.",
    policy: {
      source: S.reReview,
      text: 'From the 4th visit on, progress is judged on the first outcome measure named in the referral, which the clinic reports at visits. For Medicare members, it is needed at least every 10 visits.',
    },
  },
  MEDICARE_MAINTENANCE_REVIEW: {
    kind: 'progress',
    title: 'Medicare: review of continued care',
    sentence:
      "The member's main outcome score has not improved meaningfully. Medicare may still cover skilled therapy to keep function or slow decline, so a clinical reviewer will decide whether visits continue.",
    policy: {
      source: S.medicareMaintenance,
      text: "Medicare coverage of skilled therapy does not depend on the patient's potential to improve, but on whether the patient needs the skills of a therapist, including to maintain function or slow decline.",
    },
  },
  REVIEWER_APPROVED: {
    kind: 'reviewer',
    title: 'Approved by a clinical reviewer',
    sentence: 'A licensed clinical reviewer looked at this request and approved it.',
    policy: { source: S.humanReview, text: HUMAN_REVIEW },
  },
  REVIEWER_DENIED: {
    kind: 'reviewer',
    title: 'Denied by a clinical reviewer',
    sentence:
      "A licensed clinical reviewer looked at this request and denied it. The reviewer's note and the reasons explain why; you can appeal.",
    policy: { source: S.humanReview, text: HUMAN_REVIEW },
  },
  REVIEWER_STOPPED: {
    kind: 'reviewer',
    title: 'Stopped by a clinical reviewer',
    sentence:
      "A licensed clinical reviewer decided that no further visits are authorized. Visits already done are not affected; the reviewer's note explains why, and you can appeal.",
    policy: { source: S.humanReview, text: HUMAN_REVIEW },
  },
  REVIEWER_CONTINUED: {
    kind: 'reviewer',
    title: 'Continued by a clinical reviewer',
    sentence: 'A licensed clinical reviewer decided that visits may continue under this authorization.',
    policy: { source: S.humanReview, text: HUMAN_REVIEW },
  },
  INFORMATION_REQUESTED: {
    kind: 'pend',
    title: 'More information requested',
    sentence:
      'We need more information from the clinic before we can decide. The request lists what is missing; the decision time starts again when the answer arrives.',
    policy: {
      source: S.informationRequests,
      text: 'When a request lacks the information needed to decide it, the plan asks the provider for exactly what is missing (within one calendar day of an electronic request) and decides within the decision time once the information is received.',
    },
  },
  INFORMATION_NOT_RECEIVED: {
    kind: 'pend',
    title: 'Requested information not received',
    sentence:
      'The information we asked for did not arrive within 14 days. A licensed clinical reviewer will decide on what we have; the software never denies because an answer is late.',
    policy: {
      source: S.informationRequests,
      text: 'If the requested information is not received within 14 days, the request goes back to a licensed clinical reviewer, who decides on the record as it stands. No medical-necessity denial is ever made by the software alone.',
    },
  },
  APPEAL_OVERTURNED: {
    kind: 'reviewer',
    title: 'Appeal granted',
    sentence:
      'A licensed clinician who did not make the first decision looked at the appeal and reversed the decision: the visits are authorized.',
    policy: {
      source: S.appeals,
      text: "An appeal is decided by a clinician who was not involved in the decision appealed and is not that person's subordinate; expedited appeals are decided within 72 hours, standard ones within 30 days.",
    },
  },
  APPEAL_UPHELD: {
    kind: 'reviewer',
    title: 'Appeal denied',
    sentence:
      "A licensed clinician who did not make the first decision looked at the appeal and kept the decision. The reviewer's note explains why; you may ask for an independent external review.",
    policy: {
      source: S.appeals,
      text: 'When an appeal upholds an adverse determination, the notice gives the reasons, the clinical basis, and the right to an independent external review by an independent review organization.',
    },
  },
} as const satisfies Record<ReasonCode, EntryBody>;

export const CATALOGUE: Readonly<Record<ReasonCode, CatalogueEntry>> = Object.fromEntries(
  Object.entries(ENTRIES).map(([code, entry]) => [code, { code, ...entry }]),
) as Record<ReasonCode, CatalogueEntry>;

export function describeReason(code: ReasonCode): CatalogueEntry {
  return CATALOGUE[code];
}

/** Billing edits (SPEC 6.1) in the same form, for the visit answer and the console. */
export interface BillingEditEntry {
  code: BillingEdit;
  title: string;
  sentence: string;
  policy: PolicyText;
}

const EDIT_ENTRIES = {
  NCCI_MODIFIER_REQUIRED: {
    title: 'Modifier 59 or XS needed',
    sentence:
      'Massage (97124) or manual therapy (97140) on the same day as chiropractic or osteopathic manipulation is paid only with modifier 59 or XS and on a different body region from the one manipulated.',
    policy: {
      source: S.ncciManipulation,
      text: gap(
        'If you bill manual therapy techniques (97140), massage (97124), or neuromuscular reeducation (97112) on the same date of service as CMT (98940-98943), and do not append the 59 modifier, YOU WILL NOT BE PAID.',
        'to bill them separately; they must be applied to separate body regions.',
      ),
    },
  },
  BELOW_MINIMUM_MINUTES: {
    title: 'Not enough minutes for a unit',
    sentence:
      "This line's minutes did not earn a 15-minute unit: a unit needs at least 8 minutes (for Medicare, counted over all timed services of the visit).",
    policy: {
      source: S.eightMinuteRule,
      text: 'A minimum of 8 minutes of direct contact with the patient must be provided for a single unit of 97124 to be billed.',
    },
  },
  NO_SERVICE_TIME: {
    title: 'Service not delivered',
    sentence: 'This line reports 0 minutes, so no unit is billed.',
    policy: {
      source: S.billingRules,
      text: 'An untimed service is one unit per visit when it is delivered; a line with 0 minutes was not delivered.',
    },
  },
  MEDICARE_BUNDLED: {
    title: 'Paid as part of the visit (Medicare)',
    sentence:
      'For Medicare, hot or cold packs (97010) are included in payment for the other services, not paid separately.',
    policy: {
      source: S.medicareFeeSchedule,
      text: 'Medicare payment status B: the service is bundled into payment for other services on the same day.',
    },
  },
  CODE_NOT_BILLABLE: {
    title: 'Code not billable under this authorization',
    sentence: 'Only 97124, 97140 and 97010 are billed under a massage therapy authorization.',
    policy: { source: S.publishedRange, text: 'Massage Therapy: (97124) 97124, 97140, 97010' },
  },
} as const satisfies Record<BillingEdit, Omit<BillingEditEntry, 'code'>>;

export const BILLING_EDIT_CATALOGUE: Readonly<Record<BillingEdit, BillingEditEntry>> = Object.fromEntries(
  Object.entries(EDIT_ENTRIES).map(([code, entry]) => [code, { code, ...entry }]),
) as Record<BillingEdit, BillingEditEntry>;

/**
 * How to appeal a denial or stop, in plain words. A TEMPLATE: the health plan fills in every
 * [bracketed] part (and checks the time limits against the member's plan documents) before use.
 */
export const APPEAL_TEXT = [
  'How to appeal',
  'If you disagree with a decision to deny, reduce or stop massage therapy visits, you can ask us to look at it again. This is called an appeal. The member, someone the member names in writing, or the treating provider can appeal.',
  'When: within 180 days of the date on the notice. Medicare members: use the time limit printed on your Medicare notice.',
  'How: in writing, by mail to [plan appeals address], by fax to [fax number], or through [member or provider portal]. Say which decision you are appealing (the referral ID on the notice), why you disagree, and send any records or a letter from the treating provider that support the request.',
  "Urgent cases: if waiting for a standard appeal could seriously harm the member's life, health or ability to regain maximum function, ask for an expedited (fast) appeal by calling [phone number]. We decide expedited appeals within 72 hours.",
  'A different licensed clinician, who did not make the first decision, reviews every appeal. You can ask, free of charge, for the criteria and documents we used. The provider can ask to talk with the reviewer.',
  'If we still say no, you may be able to ask for an independent external review. Questions: call [Member Services phone number] (TTY 711).',
].join('\n\n');

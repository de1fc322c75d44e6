/**
 * Single-table key design (see docs/table-design.md). Every access pattern the API and
 * the workflows need is a key or one of two overloaded indexes:
 *   GSI1: reviews not yet applied, by due time (whole reviews projected)
 *   GSI2: sparse "needs reconciling" markers (referrals not yet determined, visits not yet re-reviewed;
 *         keys only)
 */
export const keys = {
  member: (memberId: string) => ({ PK: `MEMBER#${memberId}`, SK: 'PROFILE' }),
  memberYear: (memberId: string, year: number) => ({ PK: `MEMBER#${memberId}`, SK: `YEAR#${year}` }),
  provider: (npi: string) => ({ PK: `PROVIDER#${npi}`, SK: 'PROFILE' }),
  /** The referral's mutable head: statuses, determination, authorization, version. */
  referral: (referralId: string) => ({ PK: `REFERRAL#${referralId}`, SK: 'REFERRAL' }),
  /** The case the referral is about (the clinical body): written at intake, again only when the case changes. */
  referralCase: (referralId: string) => ({ PK: `REFERRAL#${referralId}`, SK: 'CASE' }),
  referralPartition: (referralId: string) => `REFERRAL#${referralId}`,
  history: (referralId: string, at: string, seq: string) => ({
    PK: `REFERRAL#${referralId}`,
    SK: `HISTORY#${at}#${seq}`,
  }),
  visit: (referralId: string, visitId: string) => ({ PK: `REFERRAL#${referralId}`, SK: `VISIT#${visitId}` }),
  review: (reviewId: string) => ({ PK: `REVIEW#${reviewId}`, SK: 'REVIEW' }),
  /** SPEC 12: one aggregate per reporting year and urgency, updated with each determination. */
  reportYear: (year: number) => `REPORT#${year}`,
  report: (year: number, urgency: string) => ({ PK: `REPORT#${year}`, SK: `URGENCY#${urgency}` }),
  idempotency: (scope: string, key: string) => ({ PK: `IDEMPOTENCY#${scope}#${key}`, SK: 'IDEMPOTENCY' }),
};

export const gsi = {
  openReviews: 'REVIEWS#OPEN',
  reconcileReferrals: 'RECONCILE#REFERRAL',
  reconcileVisits: 'RECONCILE#VISIT',
};

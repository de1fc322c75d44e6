/**
 * Single-table key design (see docs/table-design.md). Every access pattern the API and
 * the workflows need is a key or one of two overloaded indexes:
 *   GSI1: referrals by portal, open reviews by due time, visits by member and year
 *   GSI2: sparse "needs reconciling" markers (referrals not yet determined, visits not yet re-reviewed)
 */
export const keys = {
  member: (memberId: string) => ({ PK: `MEMBER#${memberId}`, SK: 'PROFILE' }),
  memberYear: (memberId: string, year: number) => ({ PK: `MEMBER#${memberId}`, SK: `YEAR#${year}` }),
  provider: (npi: string) => ({ PK: `PROVIDER#${npi}`, SK: 'PROFILE' }),
  referral: (referralId: string) => ({ PK: `REFERRAL#${referralId}`, SK: 'REFERRAL' }),
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
  portalReferrals: (portalId: string) => `PORTAL#${portalId}`,
  openReviews: 'REVIEWS#OPEN',
  memberVisits: (memberId: string, year: number) => `MEMBER#${memberId}#YEAR#${year}`,
  reconcileReferrals: 'RECONCILE#REFERRAL',
  reconcileVisits: 'RECONCILE#VISIT',
};

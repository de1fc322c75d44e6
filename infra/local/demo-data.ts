import type { MemberInput, Provider } from '../../shared/schemas.js';

/**
 * Demo members (one per line of business, plus the administrative edge cases) and providers
 * (one per credential), loaded on the local stack's first start. Ids and NPIs only; no real people.
 */
const member = (
  lineOfBusiness: MemberInput['lineOfBusiness'],
  annualVisitLimit: number,
  extra: Partial<MemberInput> = {},
): MemberInput => ({
  lineOfBusiness,
  coverage: { effectiveFrom: '2026-01-01' },
  massageTherapy: { covered: true, annualVisitLimit },
  ...extra,
});

export const DEMO_MEMBERS: Record<string, MemberInput> = {
  'M-1001': member('commercial', 12),
  'M-1002': member('medicare', 20, { coverage: { effectiveFrom: '2025-01-01' } }),
  'M-1003': member('medicaid', 8),
  /** Benefit not in the member's plan → BENEFIT_NOT_COVERED. */
  'M-2001': member('commercial', 0, { massageTherapy: { covered: false, annualVisitLimit: 0 } }),
  /** Coverage ended → MEMBER_NOT_ELIGIBLE. */
  'M-2002': member('commercial', 12, {
    coverage: { effectiveFrom: '2024-01-01', effectiveTo: '2025-12-31' },
  }),
  /** All of this year's visits used elsewhere → BENEFIT_EXHAUSTED. */
  'M-2003': member('commercial', 12, { priorVisitsThisYear: 12 }),
  /** Three visits left this year → BENEFIT_LIMIT_APPLIED. */
  'M-2004': member('commercial', 10, { priorVisitsThisYear: 7 }),
};

const provider = (
  name: string,
  credentials: Provider['credentials'],
  extra: Partial<Provider> = {},
): Provider => ({
  name,
  credentials,
  licenseNumber: `WA-${credentials[0]}-0001`,
  licenseState: 'WA',
  licenseExpires: '2028-06-30',
  contracted: true,
  ...extra,
});

export const DEMO_PROVIDERS: Record<string, Provider> = {
  '1234567893': provider('Demo Massage Clinic', ['LMT']),
  '1003000001': provider('Demo Physical Therapy', ['PT']),
  '1003000019': provider('Demo Chiropractic', ['DC']),
  '1003000050': provider('Demo Occupational Therapy', ['OT']),
  '1003000027': provider('Demo Out-of-Network Massage', ['LMT'], { contracted: false }),
  '1003000035': provider('Demo Lapsed Licence Massage', ['LMT'], { licenseExpires: '2025-01-31' }),
  '1003000043': provider('Demo Oregon Massage', ['LMT'], { licenseState: 'OR' }),
  '1972000008': provider('Demo Ordering Physician', ['MD']),
  '1972000016': provider('Demo Osteopathic Physician', ['DO']),
  '1972000024': provider('Demo Nurse Practitioner', ['ARNP']),
};

/** Demo sign-ins for the console and the README's curl examples. */
export const DEMO_USERS = {
  portal: { role: 'portal', sub: 'portal-user-1', portalId: 'P-100' },
  otherPortal: { role: 'portal', sub: 'portal-user-2', portalId: 'P-200' },
  reviewerMd: { role: 'reviewer', sub: 'rev-md-1', credential: 'MD' },
  reviewerPt: { role: 'reviewer', sub: 'rev-pt-1', credential: 'PT' },
  admin: { role: 'admin', sub: 'admin-1' },
} as const;

/** The console's demo sign-in buttons: the local stack gives them to its page (the deployed page has none). */
export const DEMO_REVIEWERS = [
  { label: 'Dr. Demo Reviewer (MD)', claims: DEMO_USERS.reviewerMd },
  { label: 'Demo Physical Therapist (PT)', claims: DEMO_USERS.reviewerPt },
];

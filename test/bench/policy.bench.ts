/**
 * `npm run bench:policy`: time the determination over 100,000 varied referrals.
 * Inputs are built from a seeded PRNG (same run, same inputs) and parsed by the real schemas
 * before timing starts, so only `determine` is measured.
 */
import { performance } from 'node:perf_hooks';
import { addDays, minDate } from '../../shared/dates.js';
import {
  type DeterminationInput,
  type DeterminationStatus,
  determine,
} from '../../shared/policy/determine.js';
import {
  CONTRAINDICATIONS,
  type Credential,
  LINES_OF_BUSINESS,
  type Member,
  MemberSchema,
  type Provider,
  ProviderSchema,
  PURPOSES,
  ReferralSchema,
} from '../../shared/schemas.js';
import { ORDERING_NPI, RENDERING_NPI } from '../fixtures.js';

const COUNT = 100_000;
const WARMUP = 5_000;
const SEED = 20261122;
const TODAY = '2026-11-22';

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
const chance = (p: number) => rand() < p;

// Directory: a few members and providers per kind, as the data layer would return them.
const members: Member[] = LINES_OF_BUSINESS.flatMap((lineOfBusiness) =>
  [0, 0, 0, 0, 0, 1, 2, 3, 6, 8, 11, 12].map((prior) =>
    MemberSchema.parse({
      lineOfBusiness,
      coverage: { effectiveFrom: '2026-01-01', ...(prior === 8 ? { effectiveTo: '2026-12-15' } : {}) },
      massageTherapy: { covered: prior !== 3 || lineOfBusiness !== 'medicaid', annualVisitLimit: 12 },
      priorVisitsThisYear: prior,
    }),
  ),
);
const directoryEntry = (credentials: Credential[], over: Partial<Provider> = {}): Provider =>
  ProviderSchema.parse({
    name: 'Bench Provider',
    credentials,
    licenseNumber: 'MA60000001',
    licenseState: 'WA',
    licenseExpires: '2028-06-30',
    contracted: true,
    ...over,
  });
const therapists = [
  directoryEntry(['LMT']),
  directoryEntry(['PT']),
  directoryEntry(['PT', 'LMT']),
  directoryEntry(['DC']),
];
const physicians = [directoryEntry(['MD']), directoryEntry(['DO'])];
/** The tail: out-of-state, expired, non-contracted, not allowed to bill massage or order it. */
const oddProviders = [
  directoryEntry(['LMT'], { contracted: false }),
  directoryEntry(['PT'], { contracted: false }),
  directoryEntry(['LMT'], { licenseState: 'OR' }),
  directoryEntry(['PT'], { licenseExpires: '2026-12-10' }),
  directoryEntry(['ARNP']),
  directoryEntry(['PA']),
];

function body() {
  const startDate = addDays(TODAY, int(-30, 180));
  const cpts = ['97124', '97140', '97010', '97110', '99213'].filter((_cpt, i) =>
    i < 3 ? chance(0.5) : chance(0.05),
  );
  return {
    memberId: `M-${int(1, 99999)}`,
    renderingProviderNpi: RENDERING_NPI,
    orderingProviderNpi: ORDERING_NPI,
    urgency: chance(0.2) ? 'expedited' : 'standard',
    startDate,
    requestedVisits: int(1, 24),
    diagnoses: [{ code: chance(0.95) ? pick(['M54.50', 'M79.1', 'S33.5XXA', 'G89.29']) : 'R52' }],
    services: (cpts.length ? cpts : ['97124']).map((cpt) => ({ cpt, unitsPerVisit: int(1, 4) })),
    clinical: {
      purpose: chance(0.9) ? 'rehabilitation' : pick(PURPOSES),
      objectiveFindings: chance(0.97) ? ['lumbar flexion limited to 40 degrees'] : [],
      functionalLimitations: chance(0.97) ? ['cannot sit longer than 20 minutes'] : [],
      therapeuticBenefit: chance(0.97) ? 'reduce paraspinal spasm' : undefined,
      expectedImprovement: { withinWeeks: chance(0.96) ? int(2, 12) : int(13, 20) },
      terminalIllness: chance(0.05)
        ? { terminal: true, comfortCare: true }
        : { terminal: false, comfortCare: false },
      contraindications: chance(0.05) ? [pick(CONTRAINDICATIONS)] : [],
      outcomeMeasures: [{ instrument: 'ODI', score: 42, goal: 20 }],
      planOfCare: chance(0.8)
        ? { certifiedByNpi: ORDERING_NPI, certifiedOn: minDate(TODAY, addDays(startDate, -int(0, 100))) }
        : undefined,
    },
  };
}

const genStart = performance.now();
const inputs: DeterminationInput[] = Array.from({ length: COUNT }, () => {
  const member = chance(0.03) ? undefined : pick(members);
  // Medicare referrals mostly come from PTs; one renderer or orderer in twenty is an odd one.
  const usualTherapist =
    member?.lineOfBusiness === 'medicare' ? (therapists[1] as Provider) : pick(therapists);
  return {
    referral: ReferralSchema.parse(body()),
    member,
    renderingProvider: chance(0.02) ? undefined : chance(0.95) ? usualTherapist : pick(oddProviders),
    orderingProvider: chance(0.03) ? undefined : chance(0.95) ? pick(physicians) : pick(oddProviders),
    visitsRecordedThisYear: chance(0.8) ? 0 : int(1, 2),
    receivedAt: new Date(Date.parse(`${TODAY}T08:00:00Z`) + int(0, 86_400_000)).toISOString(),
  };
});
const genMs = performance.now() - genStart;

for (let i = 0; i < WARMUP; i++) determine(inputs[i % COUNT] as DeterminationInput);

const histogram: Record<DeterminationStatus, number> = {
  APPROVED: 0,
  PARTIALLY_APPROVED: 0,
  PENDING_REVIEW: 0,
  DENIED: 0,
};
const start = performance.now();
for (const input of inputs) histogram[determine(input).status]++;
const totalMs = performance.now() - start;

const line = (label: string, value: string) => console.log(`${label.padEnd(28)}${value}`);
line('referrals', COUNT.toLocaleString('en-US'));
line('inputs built and parsed in', `${genMs.toFixed(0)} ms (not timed)`);
line('determinations took', `${totalMs.toFixed(1)} ms`);
line('per determination', `${((totalMs * 1000) / COUNT).toFixed(2)} µs`);
for (const [status, n] of Object.entries(histogram))
  line(`  ${status}`, `${n.toLocaleString('en-US').padStart(7)}  (${((100 * n) / COUNT).toFixed(1)}%)`);

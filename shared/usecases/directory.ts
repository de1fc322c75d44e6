import { codeCheck } from '../codes.js';
import type { Repository } from '../data/repository.js';
import { isIsoDate, toIsoDate, yearOf } from '../dates.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Clock } from '../model.js';
import { isValidNpi } from '../npi.js';
import { coverageActiveOn, visitsLeftThisYear, visitsUsedThisYear } from '../policy/determine.js';
import {
  Cpt,
  LINES_OF_BUSINESS,
  type LineOfBusiness,
  MemberSchema,
  ProviderSchema,
  parseOrThrow,
} from '../schemas.js';

const MEMBER_ID = /^[A-Za-z0-9._-]{1,64}$/;

function checkMemberId(memberId: string) {
  if (!MEMBER_ID.test(memberId))
    throw new ValidationError([{ field: 'memberId', message: 'must be 1-64 letters, digits or ._-' }]);
}

/** PUT /admin/members/{memberId}: upsert a member's coverage (SPEC 5.1). */
export async function upsertMember(repo: Repository, memberId: string, body: unknown) {
  checkMemberId(memberId);
  const member = parseOrThrow(MemberSchema, body);
  await repo.putMember(memberId, member);
  return { memberId, ...member };
}

/** PUT /admin/providers/{npi}: upsert a provider directory entry (SPEC 5.2). */
export async function upsertProvider(repo: Repository, npi: string, body: unknown) {
  if (!isValidNpi(npi))
    throw new ValidationError([{ field: 'npi', message: 'must be 10 digits with a valid check digit' }]);
  const provider = parseOrThrow(ProviderSchema, body);
  await repo.putProvider(npi, provider);
  return { npi, ...provider };
}

/** GET /codes/{cpt}?lineOfBusiness=: the pre-authorization code check. */
export function checkCode(cpt: string, lineOfBusiness: string | undefined) {
  const details = [];
  if (!Cpt.safeParse(cpt).success)
    details.push({ field: 'cpt', message: 'must be a 5-character CPT/HCPCS code' });
  if (lineOfBusiness !== undefined && !(LINES_OF_BUSINESS as readonly string[]).includes(lineOfBusiness)) {
    details.push({ field: 'lineOfBusiness', message: `must be one of ${LINES_OF_BUSINESS.join(', ')}` });
  }
  if (details.length) throw new ValidationError(details);
  return codeCheck(cpt, lineOfBusiness as LineOfBusiness | undefined);
}

/** GET /members/{memberId}/eligibility?date=: coverage on a date and the massage benefit's visits for that year. */
export async function eligibilityInquiry(
  repo: Repository,
  clock: Clock,
  memberId: string,
  date: string | undefined,
) {
  checkMemberId(memberId);
  const on = date ?? toIsoDate(clock.now());
  if (!isIsoDate(on))
    throw new ValidationError([{ field: 'date', message: 'must be a calendar date YYYY-MM-DD' }]);
  const { member, visitsUsed: recorded } = await repo.getMemberWithVisitsUsed(memberId, yearOf(on));
  if (!member) throw new NotFoundError(`Member ${memberId}`);
  return {
    memberId,
    date: on,
    eligible: coverageActiveOn(member, on),
    lineOfBusiness: member.lineOfBusiness,
    coverage: member.coverage,
    massageTherapy: {
      covered: member.massageTherapy.covered,
      annualVisitLimit: member.massageTherapy.annualVisitLimit,
      visitsUsed: visitsUsedThisYear(member, recorded),
      visitsRemaining: visitsLeftThisYear(member, recorded),
    },
  };
}

import { randomUUID } from 'node:crypto';
import { answer } from '../../shared/answer.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import {
  type CdsDiscoverySchema,
  CdsHookRequestSchema,
  type CdsHookResponseSchema,
  coverageDiscovery,
  discovery,
  type MemberFinding,
} from '../../shared/crd.js';
import { toIsoDate } from '../../shared/dates.js';
import { AppError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import { issuesToDetails } from '../../shared/schemas.js';
import { eligibilityInquiry } from '../../shared/usecases/directory.js';

const repo = tableRepository();

/** The eligibility inquiry of SPEC 4, read as CRD needs it: an unknown member is a finding, not an error. */
async function lookupMember(memberId: string): Promise<MemberFinding> {
  try {
    const e = await eligibilityInquiry(repo, systemClock, memberId, undefined);
    return {
      found: true,
      memberId,
      eligible: e.eligible,
      lineOfBusiness: e.lineOfBusiness,
      covered: e.massageTherapy.covered,
      visitsRemaining: e.massageTherapy.visitsRemaining,
    };
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) return { found: false, memberId };
    throw err;
  }
}

const deps = { lookupMember, newId: randomUUID, today: () => toIsoDate(systemClock.now()) };

/** SPEC 13: CDS Hooks discovery (public: it lists the service, no data) and the CRD service. */
export const handler = httpHandler({
  'GET /cds-services': async () => ({ status: 200, body: answer<typeof CdsDiscoverySchema>()(discovery()) }),
  'POST /cds-services/massage-therapy-crd': async (req) => {
    requireRole(req.caller, 'portal');
    const parsed = CdsHookRequestSchema.safeParse(req.body);
    // CDS Hooks answers a request it cannot read with 400, naming each bad field.
    if (!parsed.success) {
      throw new AppError(400, 'MALFORMED_REQUEST', 'The CDS Hooks request is not valid.', {
        details: issuesToDetails(parsed.error),
      });
    }
    return {
      status: 200,
      body: answer<typeof CdsHookResponseSchema>()(await coverageDiscovery(deps, parsed.data)),
    };
  },
});

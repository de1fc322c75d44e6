import { answer } from '../../shared/answer.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { EligibilitySchema } from '../../shared/responses.js';
import { eligibilityInquiry } from '../../shared/usecases/directory.js';

const repo = tableRepository();

export const handler = httpHandler({
  'GET /members/{memberId}/eligibility': async (req) => {
    requireRole(req.caller, 'portal', 'reviewer');
    return {
      status: 200,
      body: answer<typeof EligibilitySchema>()(
        await eligibilityInquiry(repo, systemClock, req.params.memberId ?? '', req.query.date),
      ),
    };
  },
});

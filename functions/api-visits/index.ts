import * as z from 'zod';
import { answer } from '../../shared/answer.js';
import { eventBridgePublisher } from '../../shared/aws/eventbridge.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { readEnv } from '../../shared/env.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { VisitAnswerSchema } from '../../shared/responses.js';
import { recordVisit } from '../../shared/usecases/visits.js';

const env = readEnv({ EVENT_BUS_NAME: z.string().min(1) });
const deps = {
  repo: tableRepository(),
  events: eventBridgePublisher(env.EVENT_BUS_NAME),
  clock: systemClock,
};

export const handler = httpHandler({
  'POST /referrals/{id}/visits': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return {
      status: 202,
      body: answer<typeof VisitAnswerSchema>()(
        await recordVisit(deps, caller, req.params.id ?? '', req.body),
      ),
    };
  },
});

import * as z from 'zod';
import { eventBridgePublisher } from '../../shared/aws/eventbridge.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { readEnv } from '../../shared/env.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { escalateReview } from '../../shared/usecases/reviews.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const env = readEnv({ EVENT_BUS_NAME: z.string().min(1) });
const repo = tableRepository();
const events = eventBridgePublisher(env.EVENT_BUS_NAME);

/** Both workflows › EscalateReview: flag the overdue review and announce it; never decide it. */
export const handler = async (input: unknown) => {
  const parsed = parseOrThrow(WorkflowInput.escalate, input);
  return escalateReview(
    repo,
    events,
    systemClock,
    parsed.kind,
    parsed.state as Parameters<typeof escalateReview>[4],
  );
};

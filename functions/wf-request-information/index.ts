import * as z from 'zod';
import { eventBridgePublisher } from '../../shared/aws/eventbridge.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { readEnv } from '../../shared/env.js';
import { parseOrThrow } from '../../shared/schemas.js';
import type { AuthorizationState } from '../../shared/usecases/determination.js';
import { requestInformation } from '../../shared/usecases/information.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const env = readEnv({ EVENT_BUS_NAME: z.string().min(1) });
const repo = tableRepository();
const events = eventBridgePublisher(env.EVENT_BUS_NAME);

/** AuthorizationWorkflow › RequestInformation (.waitForTaskToken): the referral waits for the clinic's answer. */
export const handler = async (input: unknown) => {
  const parsed = parseOrThrow(WorkflowInput.requestInformation, input);
  return requestInformation(repo, events, systemClock, {
    state: parsed.state as AuthorizationState,
    taskToken: parsed.taskToken,
  });
};

import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { informationLapsed } from '../../shared/usecases/information.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const repo = tableRepository();

/** AuthorizationWorkflow › InformationNotReceived: 14 days without an answer; back to a reviewer, never a denial. */
export const handler = async (input: unknown) => {
  const state = parseOrThrow(WorkflowInput.authorization, input);
  return informationLapsed(repo, systemClock, state);
};

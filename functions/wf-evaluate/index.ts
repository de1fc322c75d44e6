import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { evaluateReferral } from '../../shared/usecases/determination.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const repo = tableRepository();

/** AuthorizationWorkflow › Evaluate: eligibility, provider, codes and clinical criteria. */
export const handler = async (input: unknown) => {
  const state = parseOrThrow(WorkflowInput.authorization, input);
  return evaluateReferral(repo, systemClock, state);
};

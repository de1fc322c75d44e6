import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { type AuthorizationState, recordDetermination } from '../../shared/usecases/determination.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const repo = tableRepository();

/** AuthorizationWorkflow › RecordDetermination: the determination and its history entry, atomically. */
export const handler = async (input: unknown) => {
  const state = parseOrThrow(WorkflowInput.authorization, input);
  return recordDetermination(repo, systemClock, state as AuthorizationState);
};

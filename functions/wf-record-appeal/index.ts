import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { recordAppeal } from '../../shared/usecases/appeals.js';
import type { AppealState } from '../../shared/usecases/reviews.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const repo = tableRepository();

/** AppealWorkflow › RecordAppeal: the appeal's outcome on the referral, and its history entry, atomically. */
export const handler = async (input: unknown) => {
  const state = parseOrThrow(WorkflowInput.appeal, input);
  return recordAppeal(repo, systemClock, state as AppealState);
};

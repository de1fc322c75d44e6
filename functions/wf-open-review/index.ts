import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { parseOrThrow } from '../../shared/schemas.js';
import { openReview } from '../../shared/usecases/reviews.js';
import { WorkflowInput } from '../../shared/usecases/workflow-input.js';

const repo = tableRepository();

/** Both workflows › OpenReview (.waitForTaskToken): the review keeps the token; the workflow waits for a person. */
export const handler = async (input: unknown) => {
  const parsed = parseOrThrow(WorkflowInput.openReview, input);
  return openReview(repo, systemClock, parsed as Parameters<typeof openReview>[2]);
};

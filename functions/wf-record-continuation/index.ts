import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { recordContinuation } from '../../shared/usecases/visits.js';

const repo = tableRepository();

/** ContinuationReviewWorkflow › RecordContinuation: authorization, visit and history, atomically. */
export const handler = async (state: Parameters<typeof recordContinuation>[2]) =>
  recordContinuation(repo, systemClock, state);

import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { reReviewVisit } from '../../shared/usecases/visits.js';

const repo = tableRepository();

/** ContinuationReviewWorkflow › ReReview: the event is validated with zod inside the use case (invalid → DLQ). */
export const handler = async (event: unknown) => reReviewVisit(repo, systemClock, event);

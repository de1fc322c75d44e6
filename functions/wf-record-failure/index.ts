import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { recordWorkflowFailure } from '../../shared/usecases/failures.js';

const repo = tableRepository();

/** Both workflows › Catch: note the failure (error name only, no PHI) where people will see it. */
export const handler = async (state: unknown) => recordWorkflowFailure(repo, systemClock, state);

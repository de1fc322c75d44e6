import type { Repository } from '../data/repository.js';
import type { Clock } from '../model.js';
import { logger } from '../observability.js';
import { recordFailure } from './determination.js';

interface FailedState {
  referralId?: string;
  detail?: { referralId?: string; visit?: { visitId?: string } };
  failure?: { Error?: string };
}

/** Catch target of both workflows. Only the error's name is kept: causes may quote request data. */
export async function recordWorkflowFailure(repo: Repository, clock: Clock, input: unknown) {
  const state = (input ?? {}) as FailedState;
  const error = state.failure?.Error ?? 'Unknown';
  if (state.referralId) {
    await recordFailure(repo, clock, state.referralId, error);
    return { recorded: 'referral' };
  }
  const referralId = state.detail?.referralId;
  const visitId = state.detail?.visit?.visitId;
  if (referralId && visitId) {
    // The claim stays: this execution may not hold it (a duplicate delivery), and releasing another's
    // would let a third delivery re-review the visit twice. Deterministic errors would fail again anyway.
    logger.error('re-review failed', { referralId, visitId, error });
    return { recorded: 'visit' };
  }
  logger.error('workflow failed with no referral to note it on', { error });
  return { recorded: 'none' };
}

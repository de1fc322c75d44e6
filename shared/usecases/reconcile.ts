import type { Repository } from '../data/repository.js';
import type { Clock } from '../model.js';
import { logger } from '../observability.js';
import type { EventPublisher, WorkflowStarter } from '../ports.js';
import { publishVisit } from './visits.js';

/**
 * Re-drives work that stalled between a committed write and the next step: referrals still RECEIVED
 * (their execution never started) and visits whose VisitCompleted was never re-reviewed. Both
 * re-drives are safe to repeat: executions are named by referral id, and a re-review is claimed by
 * one delivery of the visit's event and recorded once (shared/usecases/visits.ts).
 */
export async function reconcile(
  deps: { repo: Repository; workflow: WorkflowStarter; events: EventPublisher; clock: Clock },
  options: { olderThanSeconds?: number } = {},
) {
  const before = new Date(
    deps.clock.now().getTime() - (options.olderThanSeconds ?? 120) * 1000,
  ).toISOString();
  const referrals = await deps.repo.listUndeterminedReferrals(before);
  for (const referralId of referrals) await deps.workflow.startAuthorization(referralId);
  const visits = await deps.repo.listVisitsNotReReviewed(before);
  for (const v of visits) await publishVisit(deps.events, v.referralId, v.visit);
  if (referrals.length || visits.length) {
    logger.info('reconciled', { referrals: referrals.length, visits: visits.length });
  }
  return { referrals: referrals.length, visits: visits.length };
}

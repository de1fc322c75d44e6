import type { Repository } from '../data/repository.js';
import type { Clock, VisitRecord } from '../model.js';
import { logger } from '../observability.js';
import type { EventPublisher, WorkflowStarter } from '../ports.js';
import { publishVisit } from './visits.js';

/**
 * Re-drives work that stalled between a committed write and the next step: referrals still RECEIVED
 * (their execution never started) and visits whose VisitCompleted was never re-reviewed. Both
 * re-drives are safe to repeat: executions are named by referral id, and re-reviews claim the visit.
 */
export async function reconcile(
  deps: { repo: Repository; workflow: WorkflowStarter; events: EventPublisher; clock: Clock },
  options: { olderThanSeconds?: number; releaseClaims?: boolean } = {},
) {
  const before = new Date(
    deps.clock.now().getTime() - (options.olderThanSeconds ?? 120) * 1000,
  ).toISOString();
  const referrals = await deps.repo.listUnfinished('referral', before);
  for (const r of referrals) await deps.workflow.startAuthorization(String(r.referralId));
  const visits = (await deps.repo.listUnfinished('visit', before)) as unknown as VisitRecord[];
  for (const v of visits) {
    // After a crash the claiming execution is gone with it; the caller says when that is so.
    if (options.releaseClaims) await deps.repo.releaseReReviewClaim(v.referralId, v.visitId);
    await publishVisit(deps.events, v.referralId, v.visit);
  }
  if (referrals.length || visits.length) {
    logger.info('reconciled', { referrals: referrals.length, visits: visits.length });
  }
  return { referrals: referrals.length, visits: visits.length };
}

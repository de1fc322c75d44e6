import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Repository } from '../../shared/data/repository.js';
import { systemClock } from '../../shared/model.js';
import { secondsUntil } from '../../shared/usecases/common.js';
import { reconcile } from '../../shared/usecases/reconcile.js';
import { VisitCompletedDetailSchema } from '../../shared/usecases/visits.js';
import type { LocalStepFunctions } from './stepfunctions.js';
import type { LocalModel } from './template.js';

/**
 * After a crash (kill -9) the in-memory executions are gone; DynamoDB still holds every accepted
 * referral, visit and review. Re-drive each one so it reaches its outcome exactly once:
 * - referrals still RECEIVED and visits never re-reviewed: the reconciliation (as in AWS);
 * - reviews waiting for a person: a new execution re-arms the same review with a new token;
 * - reviews decided but not yet applied: the stored decision is delivered to the new execution.
 */
export async function recoverInFlightWork(deps: {
  dynamo: DynamoDBClient;
  tableName: string;
  sfn: LocalStepFunctions;
  model: LocalModel;
  log: (line: string) => void;
}) {
  const repo = new Repository(deps.dynamo, deps.tableName);
  const { AUTH_WORKFLOW_ARN: authArn, APPEAL_WORKFLOW_ARN: appealArn } = process.env;
  const continuationArn = deps.model.eventRules
    .flatMap((r) => r.targets)
    .find((t) => t.arn.includes(':stateMachine:'))?.arn;
  if (!authArn || !appealArn || !continuationArn)
    throw new Error('The synthesized app lacks a workflow the local stack needs.');

  const start = (stateMachineArn: string, input: unknown, name?: string) => {
    try {
      deps.sfn.startExecution({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) });
    } catch (err) {
      // Already running under that name: nothing to re-drive.
      if (!(err instanceof Error && err.name === 'ExecutionAlreadyExists')) throw err;
    }
  };
  // Straight to the continuation workflow, as the bus's rule would deliver it.
  const event = (id: string, source: string, detailType: string, detail: unknown) =>
    ({ version: '0', id, source, 'detail-type': detailType, detail }) as const;

  const counts = await reconcile(
    {
      repo,
      clock: systemClock,
      workflow: { startAuthorization: async (referralId) => start(authArn, { referralId }, referralId) },
      events: {
        // A visit the dead execution had claimed is delivered again as that execution's event (its
        // id), as a redrive would.
        publish: async (source, detailType, detail) => {
          const { referralId, visit } = VisitCompletedDetailSchema.parse(detail);
          const claim = (await repo.getVisit(referralId, visit.visitId))?.reReviewClaim;
          start(continuationArn, event(claim ?? `recovery-${Date.now()}`, source, detailType, detail));
        },
      },
    },
    { olderThanSeconds: 0 },
  );

  let reviews = 0;
  for (const review of await repo.listUnappliedReviews()) {
    if (review.kind === 'INITIAL') {
      // The pass that opened it (SPEC 10: a later pass follows an information request; JSON drops undefined).
      const informationNotReceived = review.flags?.includes('INFORMATION_NOT_RECEIVED') || undefined;
      const pass = review.round ? { round: review.round, informationNotReceived } : {};
      start(authArn, { referralId: review.referralId, ...pass }, review.referralId);
    } else if (review.kind === 'APPEAL') {
      if (!review.appealId) continue;
      const reviewTimeoutSeconds = secondsUntil(review.dueAt, systemClock);
      start(
        appealArn,
        { referralId: review.referralId, appealId: review.appealId, reviewTimeoutSeconds },
        review.appealId,
      );
    } else {
      const visit = review.visitId ? await repo.getVisit(review.referralId, review.visitId) : undefined;
      if (!visit) continue;
      // The claiming execution's event again: it finds its review open and waits on it (re-armed).
      const detail = { schemaVersion: '1', referralId: visit.referralId, visit: visit.visit };
      const id = visit.reReviewClaim ?? `recovery-${review.reviewId}`;
      start(continuationArn, event(id, 'prior-auth.visits', 'VisitCompleted', detail));
    }
    reviews += 1;
    if (review.status !== 'DECIDED' || !review.decision) continue;
    // Wait for the new execution to re-arm the review, then hand it the decision already made.
    for (let i = 0; i < 100; i++) {
      const token = (await repo.getReview(review.reviewId))?.taskToken;
      if (token && token !== review.taskToken) {
        deps.sfn.sendTaskSuccess(token, JSON.stringify({ reviewId: review.reviewId, ...review.decision }));
        break;
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  if (counts.referrals || counts.visits || reviews)
    deps.log(
      `recovered in-flight work: ${counts.referrals} referrals, ${counts.visits} visits, ${reviews} reviews`,
    );
}

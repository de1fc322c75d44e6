import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Repository } from '../../shared/data/repository.js';
import { systemClock } from '../../shared/model.js';
import { reconcile } from '../../shared/usecases/reconcile.js';
import { VisitCompletedDetailSchema } from '../../shared/usecases/visits.js';
import type { LocalStepFunctions } from './stepfunctions.js';
import type { LocalModel } from './template.js';

interface RecoveryDeps {
  dynamo: DynamoDBClient;
  tableName: string;
  sfn: LocalStepFunctions;
  model: LocalModel;
  log: (line: string) => void;
}

/**
 * After a crash (kill -9) the in-memory executions are gone; DynamoDB still holds every accepted
 * referral, visit and review. Re-drive each one so it reaches its outcome exactly once:
 * - referrals still RECEIVED and visits never re-reviewed: the reconciliation (as in AWS);
 * - reviews waiting for a person: a new execution re-arms the same review with a new token;
 * - reviews decided but not yet applied: the stored decision is delivered to the new execution.
 */
export async function recoverInFlightWork(deps: RecoveryDeps) {
  const repo = new Repository(deps.dynamo, deps.tableName);
  const authArn = process.env.AUTH_WORKFLOW_ARN;
  const continuation = deps.model.eventRules
    .flatMap((r) => r.targets)
    .find((t) => t.arn.includes(':stateMachine:'));
  if (!authArn || !continuation)
    throw new Error('The synthesized app lacks a workflow the local stack needs.');

  const start = (stateMachineArn: string, input: unknown, name?: string) => {
    try {
      deps.sfn.startExecution({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) });
    } catch (err) {
      // Already running under that name: nothing to re-drive.
      if (!(err instanceof Error && err.name === 'ExecutionAlreadyExists')) throw err;
    }
  };

  const counts = await reconcile(
    {
      repo,
      clock: systemClock,
      workflow: { startAuthorization: async (referralId) => void start(authArn, { referralId }, referralId) },
      events: {
        // Straight to the continuation workflow, as the bus's rule would deliver it; a visit the dead
        // execution had claimed is delivered again as that execution's event (its id), as a redrive would.
        publish: async (source, detailType, detail) => {
          const { referralId, visit } = VisitCompletedDetailSchema.parse(detail);
          const claim = (await repo.getVisit(referralId, visit.visitId))?.reReviewClaim;
          start(continuation.arn, {
            version: '0',
            id: claim ?? `recovery-${Date.now()}`,
            source,
            'detail-type': detailType,
            detail,
          });
        },
      },
    },
    { olderThanSeconds: 0 },
  );

  let reviews = 0;
  for (const review of await repo.listUnappliedReviews()) {
    const before = review.taskToken;
    if (review.kind === 'INITIAL') {
      // The pass that opened it (SPEC 10: a later pass follows an information request).
      const pass = review.round
        ? {
            round: review.round,
            ...(review.flags?.includes('INFORMATION_NOT_RECEIVED') ? { informationNotReceived: true } : {}),
          }
        : {};
      start(authArn, { referralId: review.referralId, ...pass }, review.referralId);
    } else if (review.kind === 'APPEAL') {
      const appealArn = process.env.APPEAL_WORKFLOW_ARN;
      if (!appealArn || !review.appealId) continue;
      const seconds = Math.max(1, Math.ceil((Date.parse(review.dueAt) - Date.now()) / 1000));
      start(
        appealArn,
        { referralId: review.referralId, appealId: review.appealId, reviewTimeoutSeconds: seconds },
        review.appealId,
      );
    } else {
      const visit = review.visitId ? await repo.getVisit(review.referralId, review.visitId) : undefined;
      if (!visit) continue;
      // The claiming execution's event again: it finds its review open and waits on it (re-armed).
      start(continuation.arn, {
        version: '0',
        id: visit.reReviewClaim ?? `recovery-${review.reviewId}`,
        source: 'prior-auth.visits',
        'detail-type': 'VisitCompleted',
        detail: { schemaVersion: '1', referralId: visit.referralId, visit: visit.visit },
      });
    }
    reviews += 1;
    if (review.status === 'DECIDED' && review.decision) {
      // Wait for the new execution to re-arm the review, then hand it the decision already made.
      const token = await waitForNewToken(repo, review.reviewId, before);
      if (token)
        deps.sfn.sendTaskSuccess(token, JSON.stringify({ reviewId: review.reviewId, ...review.decision }));
    }
  }
  if (counts.referrals || counts.visits || reviews) {
    deps.log(
      `recovered in-flight work: ${counts.referrals} referrals, ${counts.visits} visits, ${reviews} reviews`,
    );
  }
}

async function waitForNewToken(repo: Repository, reviewId: string, old: string): Promise<string | undefined> {
  for (let i = 0; i < 100; i++) {
    const r = await repo.getReview(reviewId);
    if (r && r.taskToken !== old) return r.taskToken;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return undefined;
}

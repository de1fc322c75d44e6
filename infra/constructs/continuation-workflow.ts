import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { lambdaStep, reviewLoop, workflowStateMachine } from './workflow-steps.js';

export interface ContinuationReviewWorkflowProps {
  readonly reReview: lambda.IFunction;
  readonly openReview: lambda.IFunction;
  readonly escalateReview: lambda.IFunction;
  readonly recordContinuation: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  /** Where events that can never be processed (invalid, or for an unknown referral) are parked. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly logKey: kms.IKey;
}

/**
 * One execution per completed visit, started by the `VisitCompleted` rule with the whole
 * EventBridge event as input (SPEC 6.3):
 *
 *   ReReview → Route? ─duplicate→ AlreadyReviewed
 *                │─needsReview→ OpenContinuationReview (⇄ escalation, as in AuthorizationWorkflow) ─┐
 *                └otherwise──────────────────────────────────────────────→ RecordContinuation (end) ←┘
 *
 * One Choice with both rules (in that order) and RecordContinuation ending the execution: a visit
 * re-reviewed automatically costs three billed transitions, not five.
 *
 * A redelivered event is recognised by wf-rereview (`duplicate`), so each visit is reviewed
 * exactly once. An event that fails validation or names an unknown referral is parked on the
 * dead-letter queue with the reason; any other error is recorded and fails the execution.
 */
export class ContinuationReviewWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The functions its tasks invoke. */
  public readonly invokedFunctions: readonly lambda.IFunction[];

  constructor(scope: Construct, id: string, props: ContinuationReviewWorkflowProps) {
    super(scope, id);
    this.invokedFunctions = [
      props.reReview,
      props.openReview,
      props.escalateReview,
      props.recordContinuation,
      props.recordFailure,
    ];

    const deadLetter = new tasks.SqsSendMessage(this, 'DeadLetter', {
      queue: props.deadLetterQueue,
      messageBody: sfn.TaskInput.fromObject({
        reason: sfn.JsonPath.stringAt('$.error.Cause'),
        errorName: sfn.JsonPath.stringAt('$.error.Error'),
        event: sfn.JsonPath.objectAt('$$.Execution.Input'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    })
      .addRetry({
        errors: ['States.TaskFailed'],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 3,
      })
      .next(new sfn.Fail(this, 'InvalidEvent', { error: 'InvalidVisitEvent' }));

    const recordFailure = lambdaStep(this, 'RecordContinuationFailure', props.recordFailure, {
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Fail(this, 'Failed', { error: 'ContinuationReviewFailed' }));
    const onFailure = { errors: ['States.ALL'], resultPath: '$.failure' };

    const recordContinuation = lambdaStep(this, 'RecordContinuation', props.recordContinuation, {
      resultPath: '$.recorded',
    }).addCatch(recordFailure, onFailure);

    const openReview = reviewLoop(this, {
      kind: 'CONTINUATION',
      names: {
        open: 'OpenContinuationReview',
        escalate: 'EscalateContinuationReview',
        awaitEscalated: 'AwaitEscalatedContinuationReview',
      },
      openReview: props.openReview,
      escalateReview: props.escalateReview,
      timeoutPath: '$.reReview.reviewTimeoutSeconds',
      next: recordContinuation,
      onFailure: recordFailure,
    });

    const reReview = lambdaStep(this, 'ReReview', props.reReview, {
      resultPath: '$.reReview',
    })
      .addCatch(deadLetter, {
        errors: ['ValidationError', 'NotFoundError', 'ConflictError'],
        resultPath: '$.error',
      })
      .addCatch(recordFailure, onFailure);

    // Choice rules are tried in order: a duplicate delivery ends before anything else is looked at.
    const definition = reReview.next(
      new sfn.Choice(this, 'Route?')
        .when(
          sfn.Condition.booleanEquals('$.reReview.duplicate', true),
          new sfn.Succeed(this, 'AlreadyReviewed'),
        )
        .when(sfn.Condition.booleanEquals('$.reReview.needsReview', true), openReview)
        .otherwise(recordContinuation),
    );

    this.stateMachine = workflowStateMachine(this, {
      definition,
      logKey: props.logKey,
      comment: 'Re-review of an authorization after one completed visit.',
    });
  }
}

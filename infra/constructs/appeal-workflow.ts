import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { lambdaStep, reviewLoop, workflowStateMachine } from './workflow-steps.js';

export interface AppealWorkflowProps {
  readonly openReview: lambda.IFunction;
  readonly escalateReview: lambda.IFunction;
  readonly recordAppeal: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  readonly logKey: kms.IKey;
}

/**
 * One execution per appeal (SPEC 11), started by `POST /referrals/{id}/appeals` with
 * `{ referralId, appealId, reviewTimeoutSeconds }`:
 *
 *   OpenAppealReview (⇄ EscalateAppealReview ⇄ AwaitEscalatedAppealReview) → RecordAppeal → AppealDecided
 *
 * The same review loop as the other workflows, so an appeal's clock (72 h expedited, 30 days
 * standard), its escalation and its audit trail behave as every other review's.
 */
export class AppealWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly invokedFunctions: readonly lambda.IFunction[];

  constructor(scope: Construct, id: string, props: AppealWorkflowProps) {
    super(scope, id);
    this.invokedFunctions = [props.openReview, props.escalateReview, props.recordAppeal, props.recordFailure];

    const recordFailure = lambdaStep(this, 'RecordAppealFailure', props.recordFailure, {
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Fail(this, 'Failed', { error: 'AppealFailed' }));
    const onFailure = { errors: ['States.ALL'], resultPath: '$.failure' };

    const recordAppeal = lambdaStep(this, 'RecordAppeal', props.recordAppeal, { resultPath: '$.recorded' })
      .addCatch(recordFailure, onFailure)
      .next(new sfn.Succeed(this, 'AppealDecided'));

    const definition = reviewLoop(this, {
      kind: 'APPEAL',
      names: {
        open: 'OpenAppealReview',
        escalate: 'EscalateAppealReview',
        awaitEscalated: 'AwaitEscalatedAppealReview',
      },
      openReview: props.openReview,
      escalateReview: props.escalateReview,
      timeoutPath: '$.reviewTimeoutSeconds',
      next: recordAppeal,
      onFailure: recordFailure,
    });

    this.stateMachine = workflowStateMachine(this, {
      definition,
      logKey: props.logKey,
      comment: 'Appeal of one decision: a review by a different clinician, then record the outcome.',
    });
  }
}

import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { lambdaStep, reviewLoop, workflowStateMachine } from './workflow-steps.js';

export interface AuthorizationWorkflowProps {
  readonly evaluate: lambda.IFunction;
  readonly openReview: lambda.IFunction;
  readonly escalateReview: lambda.IFunction;
  readonly recordDetermination: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  readonly logKey: kms.IKey;
}

/**
 * One execution per referral, started with `{ "referralId": "..." }` (SPEC 2, 5):
 *
 *   Evaluate → NeedsReview? ─no──────────────────────────────→ RecordDetermination (end)
 *                           └yes→ OpenReview ──decision──────↗
 *                                     └timeout→ EscalateReview ⇄ AwaitEscalatedReview ──decision──↗
 *
 * A review past its deadline is escalated and waited on again, a day at a time: the software
 * approves, or waits for a person, and never denies on a timeout. Any unexpected error is
 * recorded on the referral (RecordFailure) and fails the execution, which raises an alarm.
 */
export class AuthorizationWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The functions its tasks invoke. */
  public readonly invokedFunctions: readonly lambda.IFunction[];

  constructor(scope: Construct, id: string, props: AuthorizationWorkflowProps) {
    super(scope, id);
    this.invokedFunctions = [
      props.evaluate,
      props.openReview,
      props.escalateReview,
      props.recordDetermination,
      props.recordFailure,
    ];

    const recordFailure = lambdaStep(this, 'RecordFailure', props.recordFailure, {
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Fail(this, 'Failed', { error: 'DeterminationFailed' }));
    const onFailure = { errors: ['States.ALL'], resultPath: '$.failure' };

    const recordDetermination = lambdaStep(this, 'RecordDetermination', props.recordDetermination, {
      resultPath: '$.recorded',
    }).addCatch(recordFailure, onFailure);
    // RecordDetermination ends the execution (End: true): a Succeed state after it would be one more
    // billed transition per referral (a quarter of an automatic determination's four).

    const openReview = reviewLoop(this, {
      kind: 'INITIAL',
      names: { open: 'OpenReview', escalate: 'EscalateReview', awaitEscalated: 'AwaitEscalatedReview' },
      openReview: props.openReview,
      escalateReview: props.escalateReview,
      timeoutPath: '$.evaluation.reviewTimeoutSeconds',
      next: recordDetermination,
      onFailure: recordFailure,
    });

    const evaluate = lambdaStep(this, 'Evaluate', props.evaluate, {
      resultPath: '$.evaluation',
    }).addCatch(recordFailure, onFailure);

    const definition = evaluate.next(
      new sfn.Choice(this, 'NeedsReview?')
        .when(sfn.Condition.booleanEquals('$.evaluation.needsReview', true), openReview)
        .otherwise(recordDetermination),
    );

    this.stateMachine = workflowStateMachine(this, {
      definition,
      logKey: props.logKey,
      comment: 'Prior authorization of one referral: evaluate, clinical review when needed, record.',
    });
  }
}

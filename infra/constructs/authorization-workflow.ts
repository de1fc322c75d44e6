import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  callbackStep,
  INFORMATION_TIMEOUT,
  lambdaStep,
  reviewLoop,
  workflowStateMachine,
} from './workflow-steps.js';

export interface AuthorizationWorkflowProps {
  readonly evaluate: lambda.IFunction;
  readonly openReview: lambda.IFunction;
  readonly escalateReview: lambda.IFunction;
  readonly recordDetermination: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  readonly requestInformation: lambda.IFunction;
  readonly informationLapsed: lambda.IFunction;
  readonly logKey: kms.IKey;
}

/**
 * One execution per referral, started with `{ "referralId": "..." }` (SPEC 2, 5, 10):
 *
 *   Evaluate → Route? ─RECORD──────────────────────────────────────→ RecordDetermination (end)
 *     ↑          ├REVIEW→ OpenReview (⇄ EscalateReview ⇄ AwaitEscalatedReview) → InformationRequested? ─no↗
 *     │          │                                                                  └yes┐
 *     │          └REQUEST_INFORMATION (no clinical section) ──────────→ RequestInformation
 *     ├──────────────────────── answer: { referralId, round + 1 } ────────────────┘  │ 14 days
 *     └──────────── InformationNotReceived: { referralId, round + 1, informationNotReceived } ┘
 *
 * A review past its deadline is escalated and waited on again, a day at a time; an information
 * request left unanswered for 14 days sends the case back to a reviewer flagged
 * INFORMATION_NOT_RECEIVED. The software approves, or waits for a person, and never denies on a
 * timeout. An answer replaces the state with the next pass's (no ResultPath), so each pass
 * evaluates the case afresh through the same policy. Any unexpected error is recorded on the
 * referral (RecordFailure) and fails the execution, which raises an alarm.
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
      props.requestInformation,
      props.informationLapsed,
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

    const evaluate = lambdaStep(this, 'Evaluate', props.evaluate, {
      resultPath: '$.evaluation',
    }).addCatch(recordFailure, onFailure);

    // SPEC 10: the answer (sent through the token) is the next pass's whole state: no ResultPath,
    // so the result replaces the state (ASL's default).
    const informationLapsed = lambdaStep(this, 'InformationNotReceived', props.informationLapsed, {})
      .addCatch(recordFailure, onFailure)
      .next(evaluate);
    const requestInformation = callbackStep(this, 'RequestInformation', props.requestInformation, {
      timeout: sfn.Timeout.duration(INFORMATION_TIMEOUT),
    })
      .addCatch(informationLapsed, { errors: ['States.Timeout'], resultPath: '$.timeout' })
      .addCatch(recordFailure, onFailure)
      .next(evaluate);

    const openReview = reviewLoop(this, {
      kind: 'INITIAL',
      names: { open: 'OpenReview', escalate: 'EscalateReview', awaitEscalated: 'AwaitEscalatedReview' },
      openReview: props.openReview,
      escalateReview: props.escalateReview,
      timeoutPath: '$.evaluation.reviewTimeoutSeconds',
      next: new sfn.Choice(this, 'InformationRequested?')
        .when(sfn.Condition.stringEquals('$.decision.outcome', 'REQUEST_INFORMATION'), requestInformation)
        .otherwise(recordDetermination),
      onFailure: recordFailure,
    });

    const definition = evaluate.next(
      new sfn.Choice(this, 'Route?')
        .when(sfn.Condition.stringEquals('$.evaluation.next', 'REVIEW'), openReview)
        .when(sfn.Condition.stringEquals('$.evaluation.next', 'REQUEST_INFORMATION'), requestInformation)
        .otherwise(recordDetermination),
    );

    this.stateMachine = workflowStateMachine(this, {
      definition,
      logKey: props.logKey,
      comment:
        'Prior authorization of one referral: evaluate, ask for what is missing, clinical review when needed, record.',
    });
  }
}

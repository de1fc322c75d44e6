import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * Errors worth retrying: the handlers' own `TransientError` (a throttled or conflicting write)
 * and Lambda's service-side failures. Anything else is a bug or a bad input and goes to a Catch.
 */
export const RETRYABLE_ERRORS = [
  'TransientError',
  // An optimistic-lock conflict: another writer got there first; the retry reads afresh.
  'ConditionFailedError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const RETRY: sfn.RetryProps = {
  errors: RETRYABLE_ERRORS,
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 3,
};

/** How long an escalated review waits before it is escalated again: the software never decides. */
export const ESCALATED_REVIEW_TIMEOUT = Duration.days(1);

export interface LambdaStepProps {
  /** Where the result goes; left out, the result becomes the whole state (ASL's default, `$`). */
  readonly resultPath?: string;
  /**
   * @default the whole state. (Not `TaskInput.fromJsonPathAt('$')`: with `payloadResponseOnly`
   * that renders `"Parameters": "$"`, a literal string. Without Parameters the state is passed.)
   */
  readonly payload?: sfn.TaskInput;
}

/**
 * A Lambda task whose Resource is the function ARN (`payloadResponseOnly`): the handler gets the
 * state (or `payload`) as its event and its return value lands at `resultPath`. Exactly one
 * retry block, the one above.
 */
export function lambdaStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: LambdaStepProps,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    payload: props.payload,
    resultPath: props.resultPath,
    retryOnServiceExceptions: false,
  });
  task.addRetry(RETRY);
  return task;
}

export interface ReviewStepProps {
  readonly kind: 'INITIAL' | 'CONTINUATION' | 'APPEAL';
  readonly escalated: boolean;
  /** Until the review is escalated: the deadline the policy computed; afterwards a day at a time. */
  readonly timeout: sfn.Timeout;
}

/**
 * Opens a clinical review and waits (`.waitForTaskToken`) until a reviewer decides through
 * `POST /reviews/{reviewId}/decision`. The handler gets `{ state, taskToken, kind, escalated }`;
 * the reviewer's decision (the SendTaskSuccess output) lands at `$.decision`.
 */
export function reviewStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: ReviewStepProps,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      state: sfn.JsonPath.entirePayload,
      taskToken: sfn.JsonPath.taskToken,
      kind: props.kind,
      escalated: props.escalated,
    }),
    taskTimeout: props.timeout,
    resultPath: '$.decision',
    retryOnServiceExceptions: false,
  });
  task.addRetry(RETRY);
  return task;
}

/** SPEC 10: how long the desk waits for a clinic's answer before the review returns to the queue. */
export const INFORMATION_TIMEOUT = Duration.days(14);

export interface CallbackStepProps {
  readonly timeout: sfn.Timeout;
  /** Left out, the callback's output becomes the whole state (ASL's default, `$`). */
  readonly resultPath?: string;
}

/**
 * A `.waitForTaskToken` Lambda task that is not a review: the handler gets `{ state, taskToken }`,
 * keeps the token, and the execution resumes when someone sends it back.
 */
export function callbackStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: CallbackStepProps,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      state: sfn.JsonPath.entirePayload,
      taskToken: sfn.JsonPath.taskToken,
    }),
    taskTimeout: props.timeout,
    resultPath: props.resultPath,
    retryOnServiceExceptions: false,
  });
  task.addRetry(RETRY);
  return task;
}

/** Flags an overdue review and announces it (`ReviewOverdue`); its result is not kept. */
export function escalateStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  kind: ReviewStepProps['kind'],
): tasks.LambdaInvoke {
  return lambdaStep(scope, id, fn, {
    payload: sfn.TaskInput.fromObject({ state: sfn.JsonPath.entirePayload, kind }),
    resultPath: sfn.JsonPath.DISCARD,
  });
}

export interface ReviewLoopProps {
  readonly kind: ReviewStepProps['kind'];
  /** State names: the first wait, the escalation, and the waits after it. */
  readonly names: { open: string; escalate: string; awaitEscalated: string };
  readonly openReview: lambda.IFunction;
  readonly escalateReview: lambda.IFunction;
  /** Seconds until the decision is due, from the state. */
  readonly timeoutPath: string;
  /** Where the reviewer's decision goes next. */
  readonly next: sfn.IChainable;
  readonly onFailure: sfn.IChainable;
}

/**
 * The clinical-review wait shared by both workflows: wait for a reviewer until the due time, then
 * escalate (flag + ReviewOverdue) and wait again, a day at a time. Nothing here decides on a timeout.
 */
export function reviewLoop(scope: Construct, props: ReviewLoopProps): sfn.TaskStateBase {
  const onFailure = { errors: ['States.ALL'], resultPath: '$.failure' };
  const onTimeout = { errors: ['States.Timeout'], resultPath: '$.timeout' };
  const escalate = escalateStep(scope, props.names.escalate, props.escalateReview, props.kind);
  const awaitEscalated = reviewStep(scope, props.names.awaitEscalated, props.openReview, {
    kind: props.kind,
    escalated: true,
    timeout: sfn.Timeout.duration(ESCALATED_REVIEW_TIMEOUT),
  })
    .addCatch(escalate, onTimeout)
    .addCatch(props.onFailure, onFailure);
  escalate.addCatch(props.onFailure, onFailure).next(awaitEscalated);
  awaitEscalated.next(props.next);

  const open = reviewStep(scope, props.names.open, props.openReview, {
    kind: props.kind,
    escalated: false,
    timeout: sfn.Timeout.at(props.timeoutPath),
  })
    .addCatch(escalate, onTimeout)
    .addCatch(props.onFailure, onFailure);
  open.next(props.next);
  return open;
}

export interface WorkflowStateMachineProps {
  readonly definition: sfn.IChainable;
  readonly logKey: kms.IKey;
  readonly comment: string;
}

/**
 * A Standard state machine with X-Ray tracing and every event logged to a KMS-encrypted log
 * group, without execution data: states carry PHI, and logs must not.
 */
export function workflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): sfn.StateMachine {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: props.logKey,
  });
  return new sfn.StateMachine(scope, 'Resource', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    comment: props.comment,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
  });
}

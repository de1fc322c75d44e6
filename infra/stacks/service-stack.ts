import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PriorAuthAlarms } from '../constructs/alarms.js';
import { type ApiHandlerName, PriorAuthApi } from '../constructs/api.js';
import { AppealWorkflow } from '../constructs/appeal-workflow.js';
import { AuthorizationWorkflow } from '../constructs/authorization-workflow.js';
import { ContinuationReviewWorkflow } from '../constructs/continuation-workflow.js';
import {
  FUNCTION_NAMES,
  type FunctionName,
  HandlerFunction,
  WORKFLOW_TASK_TIMEOUT,
} from '../constructs/handler-function.js';
import { ALLOW_LOOPBACK_CONTEXT, Notifications } from '../constructs/notifications.js';
import { GLOBAL_INDEXES, TABLE_NAME } from './data-stack.js';

/** What the service stack uses from the data stack. */
export interface ServiceStackProps extends StackProps {
  readonly key: kms.IKey;
  readonly eventBus: events.IEventBus;
  readonly visitEventsDeadLetterQueue: sqs.IQueue;
  readonly userPool: cognito.IUserPool;
  /** The table's stream (the notification outbox). */
  readonly tableStreamArn: string;
}

/** `VisitCompleted` events: put by api-visits or straight onto the bus by a clinic's system. */
export const VISIT_COMPLETED_PATTERN = { source: ['prior-auth.visits'], detailType: ['VisitCompleted'] };

/** Each function's access to the table (grants include the table's KMS key). */
export const TABLE_ACCESS: Record<FunctionName, 'none' | 'read' | 'readWrite'> = {
  'api-health': 'none',
  'api-console': 'none',
  'api-admin': 'readWrite',
  'api-codes': 'none',
  'api-eligibility': 'read',
  'api-referrals': 'readWrite',
  'api-visits': 'readWrite',
  'api-reviews': 'readWrite',
  'api-fhir': 'readWrite',
  // The CRD service reads a member's coverage (the eligibility inquiry) and writes nothing.
  'api-cds': 'read',
  'api-notifications': 'readWrite',
  'wf-evaluate': 'readWrite',
  'wf-open-review': 'readWrite',
  'wf-escalate-review': 'readWrite',
  'wf-record-determination': 'readWrite',
  'wf-rereview': 'readWrite',
  'wf-record-continuation': 'readWrite',
  'wf-record-failure': 'readWrite',
  'wf-request-information': 'readWrite',
  'wf-information-lapsed': 'readWrite',
  'wf-record-appeal': 'readWrite',
  'api-reports': 'read',
  reconcile: 'readWrite',
  // Reads the stream only (granted by its event source mapping), never the table.
  'notify-publish': 'none',
  'notify-deliver': 'readWrite',
};

/**
 * SPEC 8: `$submit` answers synchronously, waiting this long for the determination (the PAS IG
 * allows 15 s; API Gateway's integration limit is 29 s); the function gets a few seconds more.
 */
export const PAS_SUBMIT_WAIT = Duration.seconds(10);
const PAS_SUBMIT_TIMEOUT = Duration.seconds(15);

/** ApiReferrals from api-referrals. */
function constructId(name: FunctionName): string {
  return name
    .split('-')
    .map((part) => `${part[0]?.toUpperCase()}${part.slice(1)}`)
    .join('');
}

/**
 * The stateless half: functions, workflows, API, event routing and alarms. It can be destroyed
 * and redeployed without losing data.
 *
 * Events on the `prior-auth` bus: `VisitCompleted` (source `prior-auth.visits`) starts the
 * ContinuationReviewWorkflow; `ReviewOverdue` (source `prior-auth.reviews`, put by
 * wf-escalate-review) has no rule here: it is there for whoever integrates (paging, reporting).
 */
export class ServiceStack extends Stack {
  public readonly functions: Record<FunctionName, HandlerFunction>;
  public readonly authorizationWorkflow: AuthorizationWorkflow;
  public readonly continuationWorkflow: ContinuationReviewWorkflow;
  public readonly appealWorkflow: AppealWorkflow;
  public readonly api: PriorAuthApi;
  public readonly visitCompletedRule: events.Rule;
  public readonly reconcileSchedule: events.Rule;
  public readonly alarms: PriorAuthAlarms;
  public readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, {
      description: 'Prior authorization for massage therapy: API, functions, workflows, alarms',
      ...props,
    });
    const { key, eventBus } = props;

    // By its fixed name (see TABLE_NAME), with its key, so that grants include the key.
    const table = dynamodb.Table.fromTableAttributes(this, 'Table', {
      tableName: TABLE_NAME,
      encryptionKey: key,
      globalIndexes: [...GLOBAL_INDEXES],
      tableStreamArn: props.tableStreamArn,
    });

    // Imported rather than referenced, so that the rule's target does not write a statement into
    // the data stack's queue policy (the data stack grants rules on the bus itself).
    const deadLetterQueue = sqs.Queue.fromQueueAttributes(this, 'VisitEventsDeadLetterQueue', {
      queueArn: props.visitEventsDeadLetterQueue.queueArn,
      queueUrl: props.visitEventsDeadLetterQueue.queueUrl,
      keyArn: key.keyArn,
    });

    this.functions = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        new HandlerFunction(this, constructId(name), {
          name,
          table,
          logKey: key,
          timeout:
            name.startsWith('wf-') || name.startsWith('notify-')
              ? WORKFLOW_TASK_TIMEOUT
              : name === 'api-fhir'
                ? PAS_SUBMIT_TIMEOUT
                : undefined,
          servesConsole: name === 'api-console',
        }),
      ]),
    ) as Record<FunctionName, HandlerFunction>;
    const fn = this.functions;

    for (const name of FUNCTION_NAMES) {
      const access = TABLE_ACCESS[name];
      if (access === 'read') table.grantReadData(fn[name]);
      if (access === 'readWrite') table.grantReadWriteData(fn[name]);
    }

    // Events on the bus.
    for (const name of ['api-visits', 'wf-escalate-review', 'wf-request-information', 'reconcile'] as const) {
      eventBus.grantPutEventsTo(fn[name]);
      fn[name].addEnvironment('EVENT_BUS_NAME', eventBus.eventBusName);
    }

    this.authorizationWorkflow = new AuthorizationWorkflow(this, 'AuthorizationWorkflow', {
      evaluate: fn['wf-evaluate'].function,
      openReview: fn['wf-open-review'].function,
      escalateReview: fn['wf-escalate-review'].function,
      recordDetermination: fn['wf-record-determination'].function,
      recordFailure: fn['wf-record-failure'].function,
      requestInformation: fn['wf-request-information'].function,
      informationLapsed: fn['wf-information-lapsed'].function,
      logKey: key,
    });
    this.continuationWorkflow = new ContinuationReviewWorkflow(this, 'ContinuationReviewWorkflow', {
      rereview: fn['wf-rereview'].function,
      openReview: fn['wf-open-review'].function,
      escalateReview: fn['wf-escalate-review'].function,
      recordContinuation: fn['wf-record-continuation'].function,
      recordFailure: fn['wf-record-failure'].function,
      deadLetterQueue,
      logKey: key,
    });

    this.appealWorkflow = new AppealWorkflow(this, 'AppealWorkflow', {
      openReview: fn['wf-open-review'].function,
      escalateReview: fn['wf-escalate-review'].function,
      recordAppeal: fn['wf-record-appeal'].function,
      recordFailure: fn['wf-record-failure'].function,
      logKey: key,
    });
    // SPEC 11: filing an appeal starts its execution.
    this.appealWorkflow.stateMachine.grantStartExecution(fn['api-referrals']);
    fn['api-referrals'].addEnvironment(
      'APPEAL_WORKFLOW_ARN',
      this.appealWorkflow.stateMachine.stateMachineArn,
    );

    // Only intake starts a determination: api-referrals and api-fhir ($submit) on submission, and
    // reconcile, which is part of intake: it re-drives referrals left in RECEIVED when a start did not happen.
    for (const name of ['api-referrals', 'api-fhir', 'reconcile'] as const) {
      this.authorizationWorkflow.stateMachine.grantStartExecution(fn[name]);
      fn[name].addEnvironment('AUTH_WORKFLOW_ARN', this.authorizationWorkflow.stateMachine.stateMachineArn);
    }

    fn['api-fhir'].addEnvironment('PAS_SUBMIT_WAIT_MS', String(PAS_SUBMIT_WAIT.toMilliseconds()));

    // Only a reviewer's decision, and a clinic's answer to an information request (SPEC 10: JSON, or a
    // PAS Claim update), resume a waiting workflow. SendTask* act on a task token, not on a resource:
    // IAM offers no narrower resource than `*` for them.
    for (const name of ['api-reviews', 'api-referrals', 'api-fhir'] as const) {
      new iam.Policy(fn[name], 'TaskCallbackPolicy', {
        roles: [fn[name].role],
        statements: [
          new iam.PolicyStatement({
            actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
            resources: ['*'],
          }),
        ],
      });
    }

    this.visitCompletedRule = new events.Rule(this, 'VisitCompletedRule', {
      description: 'Each completed visit starts a ContinuationReviewWorkflow execution',
      eventBus,
      eventPattern: VISIT_COMPLETED_PATTERN,
      targets: [
        // No input override: the execution's input is the whole event.
        new targets.SfnStateMachine(this.continuationWorkflow.stateMachine, {
          deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    this.reconcileSchedule = new events.Rule(this, 'ReconcileSchedule', {
      description: 'Re-drives referrals stuck in RECEIVED into the AuthorizationWorkflow',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(fn.reconcile.function, { retryAttempts: 2 })],
    });

    this.notifications = new Notifications(this, 'Notifications', {
      table,
      eventBus,
      key,
      publisher: fn['notify-publish'],
      deliverer: fn['notify-deliver'],
      api: fn['api-notifications'],
      allowLoopback: this.node.tryGetContext(ALLOW_LOOPBACK_CONTEXT) === true,
    });

    const apiHandlers = Object.fromEntries(
      FUNCTION_NAMES.filter((name): name is ApiHandlerName => name.startsWith('api-')).map((name) => [
        name,
        fn[name].function,
      ]),
    ) as Record<ApiHandlerName, HandlerFunction['function']>;
    this.api = new PriorAuthApi(this, 'PriorAuthApi', {
      handlers: apiHandlers,
      userPool: props.userPool,
      logKey: key,
    });

    this.alarms = new PriorAuthAlarms(this, 'Alarms', {
      workflows: {
        AuthorizationWorkflow: this.authorizationWorkflow.stateMachine,
        ContinuationReviewWorkflow: this.continuationWorkflow.stateMachine,
        AppealWorkflow: this.appealWorkflow.stateMachine,
      },
      deadLetterQueue,
      api: this.api.restApi,
      topicKey: key,
    });
    this.notifications.deadLetterAlarm.addAlarmAction(new actions.SnsAction(this.alarms.topic));

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'AuthorizationWorkflowArn', {
      value: this.authorizationWorkflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'ContinuationReviewWorkflowArn', {
      value: this.continuationWorkflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AppealWorkflowArn', { value: this.appealWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}

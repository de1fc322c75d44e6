import { type App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FUNCTION_NAMES } from './constructs/handler-function.js';
import type { DataStack } from './stacks/data-stack.js';
import { TABLE_NAME } from './stacks/data-stack.js';
import { type ServiceStack, TABLE_ACCESS } from './stacks/service-stack.js';

export interface NagTargets {
  readonly data: DataStack;
  readonly service: ServiceStack;
}

/**
 * Runs the AwsSolutions and HIPAA.Security packs over the whole app during synthesis. Any
 * finding not acknowledged below, with its reason, fails `cdk synth` (and the tests).
 *
 * cdk-nag 3 matches an acknowledgement by exact finding id on the resource or an ancestor, so
 * each wildcard finding is acknowledged where it occurs, never for a whole stack (the one
 * exception, IAMNoInlinePolicy, is about every role by construction).
 */
export function applyNagPacks(app: App, targets: NagTargets): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
  acknowledgeDataStack(targets.data);
  acknowledgeServiceStack(targets.service);
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

const INLINE_POLICIES =
  'Each inline policy is the least-privilege policy CDK generates for exactly one role and lives and dies ' +
  'with it; customer-managed policies would add shared, separately versioned objects without narrowing ' +
  'any permission.';

function acknowledgeDataStack(data: DataStack): void {
  acknowledge(data, 'HIPAA.Security-IAMNoInlinePolicy', INLINE_POLICIES);
  acknowledge(
    data.visitEventsDeadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue: of the VisitCompleted rule target (an EventBridge DLQ, ' +
      'which nag cannot see as SQS redrive) and of the ContinuationReviewWorkflow for invalid events.',
  );
  acknowledge(
    data.node.findChild('BackupPlan'),
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    'AWS Backup assumes this role only to back up the table; the AWS-maintained policy tracks the ' +
      'actions Backup needs per service, which a hand-written copy would silently fall behind.',
  );
}

const PUBLIC_ROUTES =
  'Public by design (SPEC 4, 13): health check, OpenAPI document, the static console page and the CDS ' +
  'Hooks discovery document, none of which returns stored data; every other route has the Cognito authorizer.';

function acknowledgeServiceStack(service: ServiceStack): void {
  acknowledge(service, 'HIPAA.Security-IAMNoInlinePolicy', INLINE_POLICIES);

  for (const name of FUNCTION_NAMES) {
    const handler = service.functions[name];
    acknowledge(
      handler.function,
      'AwsSolutions-L1',
      'Runtime pinned to nodejs22.x on purpose: the code is built and tested for Node 22 (esbuild ' +
        'target node22); moving to a newer runtime is a deliberate, tested upgrade.',
    );
    acknowledge(
      handler.function,
      'HIPAA.Security-LambdaInsideVPC',
      'No VPC: the functions reach only AWS services (DynamoDB, Step Functions, EventBridge) over TLS with ' +
        'IAM authorization; there is no private resource to reach, and a VPC would add NAT cost and cold ' +
        'starts without narrowing access.',
    );
    acknowledge(
      handler.function,
      'HIPAA.Security-LambdaDLQ',
      name.startsWith('notify-')
        ? 'Invoked by an event source mapping, never asynchronously: a function DLQ would never receive ' +
            'anything. Failures go to the notification dead-letter queue through the mapping (stream ' +
            'onFailure) or the queue redrive policy instead.'
        : 'Invoked synchronously (API Gateway, Step Functions with retries and Catch), or, for reconcile, ' +
            'by a 5-minute schedule whose next run redoes a failed one; a function DLQ would never hold ' +
            'anything that is not already retried or recorded.',
    );
    acknowledge(
      handler.function,
      'HIPAA.Security-LambdaConcurrency',
      'No reserved concurrency: the API stage throttles at 100 rps (burst 200) and workflows are paced ' +
        'by Step Functions; reserving would carve up the account pool without protecting anything.',
    );
    acknowledge(
      handler.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support ' +
        'resource-level permissions' +
        (name === 'notify-publish'
          ? '; nor does dynamodb:ListStreams, which the stream event source mapping needs (the stream ' +
            'itself is granted by its ARN).'
          : '.'),
    );
    if (TABLE_ACCESS[name] !== 'none') {
      acknowledge(
        handler.role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${TABLE_NAME}/index/*]`,
        "The table's own global secondary indexes (GSI1, GSI2), which the handlers query; no other table.",
      );
    }
    if (TABLE_ACCESS[name] === 'readWrite') {
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        acknowledge(
          handler.role,
          `AwsSolutions-IAM5[Action::${action}]`,
          'Writing to the table encrypted with the customer-managed data key needs these KMS actions, ' +
            'granted on that one key only (the grant CDK generates for table write access).',
        );
      }
    }
  }

  for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
    acknowledge(
      service.functions['notify-publish'].role,
      `AwsSolutions-IAM5[Action::${action}]`,
      'The stream mapping records batches it cannot publish on the KMS-encrypted notification dead-letter ' +
        'queue, which needs these KMS actions on the data key only (the grant CDK generates for SendMessage).',
    );
  }

  for (const name of ['api-reviews', 'api-referrals', 'api-fhir'] as const) {
    acknowledge(
      service.functions[name].node.findChild('TaskCallbackPolicy'),
      'AwsSolutions-IAM5[Resource::*]',
      'states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat act on a task token and do not support ' +
        'resource-level permissions. Only the decision handler (api-reviews) and the answer to an ' +
        'information request (api-referrals, SPEC 10; api-fhir, its PAS Claim update) hold them.',
    );
  }

  for (const workflow of [
    service.authorizationWorkflow,
    service.continuationWorkflow,
    service.appealWorkflow,
  ]) {
    const role = workflow.stateMachine.role;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions log delivery (logs:CreateLogDelivery and related) and X-Ray tracing do not support ' +
        'resource-level permissions.',
    );
    for (const fn of workflow.invokedFunctions) {
      const logicalId = Stack.of(fn).resolve((fn.node.defaultChild as CfnElement).logicalId);
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        'Versions and aliases of a function this workflow invokes (the grant LambdaInvoke generates); ' +
          'no other function.',
      );
    }
  }

  acknowledge(
    service.continuationWorkflow.stateMachine.role,
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'The DeadLetter step sends to the KMS-encrypted dead-letter queue, which needs kms:GenerateDataKey* ' +
      'on the data key (the only key granted).',
  );

  const api = service.api;
  for (const method of api.publicMethods) {
    acknowledge(method, 'AwsSolutions-APIG4', PUBLIC_ROUTES);
    acknowledge(method, 'AwsSolutions-COG4', PUBLIC_ROUTES);
  }
  const stage = api.restApi.deploymentStage;
  acknowledge(
    stage,
    'AwsSolutions-APIG3',
    'No WAF web ACL in this app: every data route requires a Cognito token, the stage throttles, and ' +
      'bodies are validated; a web ACL (with its own logging) is attached per account when deployed.',
  );
  acknowledge(
    stage,
    'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
    'Caching is off on purpose: responses carry PHI and depend on the caller, so none may be served ' +
      'from a cache.',
  );
  acknowledge(
    stage,
    'HIPAA.Security-APIGWSSLEnabled',
    'A client certificate authenticates API Gateway to an HTTP backend; the backends here are Lambda ' +
      'functions invoked through IAM, so there is nothing for a certificate to authenticate to.',
  );
  acknowledge(
    api.restApi.node.findChild('CloudWatchRole'),
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    'The account-level role API Gateway needs to write access and execution logs; this AWS-managed ' +
      'policy is the one AWS documents for it.',
  );
}

/**
 * What the local stack emulates: exactly what the synthesized templates use, and no more.
 * test/local/supported.test.ts walks both templates and fails on anything outside these lists.
 *
 * Adding an AWS resource (a route, a queue, a task...)? Grow the list here AND the emulator in the
 * same change: the test tells you which entry is missing, the e2e tests tell you the emulator works.
 */
export const SUPPORTED = {
  /** Resolved by template.ts. */
  intrinsics: ['Ref', 'Fn::GetAtt', 'Fn::Join', 'Fn::Sub', 'Fn::Select', 'Fn::Split', 'Fn::ImportValue'],
  /** Emulated: tables, functions, state machines, API methods, the bus and its rules, queues. */
  emulatedResourceTypes: [
    'AWS::DynamoDB::Table',
    'AWS::Lambda::Function',
    'AWS::StepFunctions::StateMachine',
    'AWS::ApiGateway::Resource',
    'AWS::ApiGateway::Method',
    'AWS::Events::EventBus',
    'AWS::Events::Rule',
    'AWS::SQS::Queue',
  ],
  /** Present in the template, no local behaviour (permissions, keys, logs, alarms, backups, auth config). */
  ignoredResourceTypes: [
    'AWS::KMS::Key',
    'AWS::IAM::Role',
    'AWS::IAM::Policy',
    'AWS::Lambda::Permission',
    'AWS::Logs::LogGroup',
    'AWS::CloudWatch::Alarm',
    'AWS::SNS::Topic',
    'AWS::SNS::TopicPolicy',
    'AWS::SQS::QueuePolicy',
    'AWS::Backup::BackupVault',
    'AWS::Backup::BackupPlan',
    'AWS::Backup::BackupSelection',
    'AWS::Cognito::UserPool',
    'AWS::Cognito::UserPoolGroup',
    'AWS::Cognito::UserPoolClient',
    'AWS::ApiGateway::RestApi',
    'AWS::ApiGateway::Account',
    'AWS::ApiGateway::Deployment',
    'AWS::ApiGateway::Stage',
    'AWS::ApiGateway::GatewayResponse',
    'AWS::ApiGateway::RequestValidator',
    'AWS::ApiGateway::Model',
    'AWS::ApiGateway::Authorizer',
  ],
  /** ASL state types aws-local-stepfunctions runs for us. */
  stateTypes: ['Task', 'Choice', 'Fail', 'Succeed'],
  /** Task resources stepfunctions.ts performs (plus plain Lambda function ARNs). */
  taskResources: [
    'lambda-function-arn',
    'arn:aws:states:::lambda:invoke.waitForTaskToken',
    'arn:aws:states:::sqs:sendMessage',
  ],
  /** EventBridge pattern operators eventbridge.ts matches: exact values in a list. */
  eventPatternOperators: ['exact'],
  /** SDK operations the handlers call and the local endpoints answer. */
  sdkOperations: [
    'AWSStepFunctions.StartExecution',
    'AWSStepFunctions.SendTaskSuccess',
    'AWSEvents.PutEvents',
  ],
} as const;

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are CloudFormation Fn::Sub templates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cr from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLocalModel,
  type LocalModel,
  lambdaArn,
  stateMachineArn,
  TemplateResolver,
} from '../../infra/local/template.js';

/** A small two-stack app shaped like the real one: data in one stack, compute and API in the other. */
function synthesize(outdir: string) {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });

  const data = new Stack(app, 'DataStack');
  const table = new dynamodb.Table(data, 'Records', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
  });
  table.addGlobalSecondaryIndex({
    indexName: 'byStatus',
    partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: ['status'],
  });
  const bus = new events.EventBus(data, 'VisitsBus', { eventBusName: 'prior-auth-visits' });

  const app2 = new Stack(app, 'AppStack');
  const fn = (id: string, entry: string, environment: Record<string, string>) => {
    const f = new lambda.Function(app2, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
      timeout: Duration.seconds(10),
      environment,
    });
    const cfn = f.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata('prior-auth:entry', entry);
    cfn.addMetadata('prior-auth:handler', 'handler');
    table.grantReadWriteData(f);
    return f;
  };
  const validate = fn('ValidateFn', 'functions/validate/index.ts', { TABLE_NAME: table.tableName });
  const decide = fn('DecideFn', 'functions/decide/index.ts', { TABLE_NAME: table.tableName });
  // A custom resource brings CDK's own provider function, which has no entry metadata.
  new cr.AwsCustomResource(app2, 'Lookup', {
    onCreate: {
      service: 'SSM',
      action: 'getParameter',
      parameters: { Name: 'x' },
      physicalResourceId: cr.PhysicalResourceId.of('x'),
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
  });

  const machine = new sfn.StateMachine(app2, 'AuthorizationWorkflow', {
    stateMachineName: 'AuthorizationWorkflow',
    definitionBody: sfn.DefinitionBody.fromChainable(
      new tasks.LambdaInvoke(app2, 'Validate', { lambdaFunction: validate, outputPath: '$.Payload' }).next(
        new tasks.LambdaInvoke(app2, 'Decide', { lambdaFunction: decide, outputPath: '$.Payload' }),
      ),
    ),
  });
  const api = fn('ApiFn', 'functions/api/index.ts', {
    TABLE_NAME: table.tableName,
    WORKFLOW_ARN: machine.stateMachineArn,
    BUS_NAME: bus.eventBusName,
  });

  const pool = new cognito.UserPool(app2, 'Users');
  const authorizer = new apigw.CognitoUserPoolsAuthorizer(app2, 'Authorizer', { cognitoUserPools: [pool] });
  const rest = new apigw.RestApi(app2, 'Api', {
    defaultCorsPreflightOptions: { allowOrigins: apigw.Cors.ALL_ORIGINS },
  });
  const integration = new apigw.LambdaIntegration(api);
  rest.root.addResource('health').addMethod('GET', integration);
  const referral = rest.root.addResource('referrals').addResource('{id}');
  referral.addMethod('GET', integration, {
    authorizer,
    authorizationType: apigw.AuthorizationType.COGNITO,
  });
  referral.addResource('visits').addMethod('POST', integration);

  const dlq = new sqs.Queue(app2, 'VisitsDlq');
  new events.Rule(app2, 'VisitCompletedRule', {
    eventBus: bus,
    eventPattern: { source: ['prior-auth.visits'], detailType: ['VisitCompleted'] },
    targets: [new targets.SfnStateMachine(machine, { deadLetterQueue: dlq })],
  });
  new events.Rule(app2, 'Nightly', {
    schedule: events.Schedule.rate(Duration.days(1)),
    targets: [new targets.LambdaFunction(decide)],
  });

  return app.synth().stacks;
}

describe('template model from a synthesized two-stack CDK app', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-model-'));
  let model: LocalModel;
  let stackCount = 0;

  beforeAll(() => {
    const stacks = synthesize(outdir);
    stackCount = stacks.length;
    model = buildLocalModel(stacks);
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('reads both stacks', () => {
    expect(stackCount).toBe(2);
    expect(model.stackNames.sort()).toEqual(['AppStack', 'DataStack']);
  });

  it('lists functions with their entry metadata and cross-stack environment resolved', () => {
    const ours = [...model.functions.values()].filter((f) => f.entry !== undefined);
    expect(ours.map((f) => f.logicalId).sort()).toEqual(
      [...model.functions.keys()].filter((k) => /^(Validate|Decide|Api)Fn/.test(k)).sort(),
    );
    const api = ours.find((f) => f.entry === 'functions/api/index.ts');
    expect(api).toBeDefined();
    const tableName = model.tables[0]?.tableName;
    expect(api?.handler).toBe('handler');
    expect(api?.timeoutSeconds).toBe(10);
    expect(api?.environment).toEqual({
      TABLE_NAME: tableName,
      WORKFLOW_ARN: stateMachineArn('AuthorizationWorkflow'),
      BUS_NAME: 'prior-auth-visits',
    });
  });

  it('keeps CDK helper functions listed without an entry', () => {
    const helpers = [...model.functions.values()].filter(
      (f) => !/^(Validate|Decide|Api)Fn/.test(f.logicalId),
    );
    expect(helpers.map((f) => f.logicalId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AWS679f53fac002430cb0da5b7982bd2287/)]),
    );
    for (const f of helpers) expect(f.entry).toBeUndefined();
  });

  it('converts the table into a CreateTable input with the GSI, on-demand billing and TTL', () => {
    expect(model.tables).toHaveLength(1);
    const t = model.tables[0]!;
    expect(t.tableName).toBe(t.logicalId);
    expect(t.ttlAttribute).toBe('expiresAt');
    expect(t.definition).toMatchObject({
      TableName: t.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
        },
      ],
    });
    expect(t.definition.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual([
      'gsi1pk',
      'gsi1sk',
      'pk',
      'sk',
    ]);
  });

  it('resolves the state machine definition to JSON whose tasks name the local function ARNs', () => {
    expect(model.stateMachines).toHaveLength(1);
    const sm = model.stateMachines[0]!;
    expect(sm.name).toBe('AuthorizationWorkflow');
    expect(sm.arn).toBe(stateMachineArn('AuthorizationWorkflow'));
    expect(sm.definition.StartAt).toBe('Validate');
    const states = sm.definition.States as Record<
      string,
      { Resource: string; Parameters: { FunctionName: string } }
    >;
    const validateId = [...model.functions.keys()].find((k) => k.startsWith('ValidateFn'))!;
    expect(states.Validate?.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(states.Validate?.Parameters.FunctionName).toBe(lambdaArn(validateId));
  });

  it('derives API routes from the resource tree, skipping CORS preflight mocks', () => {
    const apiId = [...model.functions.keys()].find((k) => k.startsWith('ApiFn'))!;
    expect(model.apiRoutes.map((r) => `${r.method} ${r.path} ${r.authorizationType}`)).toEqual([
      'GET /health NONE',
      'GET /referrals/{id} COGNITO_USER_POOLS',
      'POST /referrals/{id}/visits NONE',
    ]);
    expect(new Set(model.apiRoutes.map((r) => r.functionLogicalId))).toEqual(new Set([apiId]));
  });

  it('models the event bus, the rule with its SFN target and DLQ, the queue and the schedule', () => {
    expect(model.eventBuses).toEqual([
      expect.objectContaining({
        name: 'prior-auth-visits',
        arn: expect.stringContaining(':event-bus/prior-auth-visits'),
      }),
    ]);
    expect(model.eventRules).toHaveLength(1);
    const rule = model.eventRules[0]!;
    expect(rule.eventBusName).toBe('prior-auth-visits');
    expect(rule.state).toBe('ENABLED');
    expect(rule.eventPattern).toEqual({ source: ['prior-auth.visits'], 'detail-type': ['VisitCompleted'] });
    const queue = model.queues[0]!;
    expect(queue.name).toBe(queue.logicalId);
    expect(rule.targets).toEqual([
      expect.objectContaining({
        arnKind: 'stateMachine',
        arn: stateMachineArn('AuthorizationWorkflow'),
        targetLogicalId: model.stateMachines[0]!.logicalId,
        deadLetterQueueLogicalId: queue.logicalId,
      }),
    ]);
    expect(model.schedules).toEqual([
      expect.objectContaining({
        scheduleExpression: 'rate(1 day)',
        targets: [
          expect.objectContaining({ arnKind: 'lambda', targetLogicalId: expect.stringMatching(/^DecideFn/) }),
        ],
      }),
    ]);
  });
});

describe('intrinsic resolution', () => {
  const producer = {
    Resources: {
      Key: { Type: 'AWS::KMS::Key' },
      Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
      T: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'records' } },
    },
    Outputs: {
      QArn: {
        Value: { 'Fn::GetAtt': ['Q', 'Arn'] },
        Export: { Name: 'Producer-QArn' },
      },
    },
  };
  const consumer = {
    Resources: { Fn: { Type: 'AWS::Lambda::Function' }, Thing: { Type: 'AWS::Custom::Thing' } },
  };
  const r = new TemplateResolver([
    { stackName: 'Producer', template: producer },
    { stackName: 'Consumer', template: consumer },
  ]);

  it.each([
    [{ Ref: 'Q' }, 'http://127.0.0.1/000000000000/jobs', 0],
    [{ 'Fn::GetAtt': 'Q.QueueName' }, 'jobs', 0],
    [{ 'Fn::GetAtt': ['T', 'Arn'] }, 'arn:aws:dynamodb:us-east-1:000000000000:table/records', 0],
    [{ 'Fn::GetAtt': ['Key', 'Arn'] }, 'arn:aws:kms:us-east-1:000000000000:key/Key', 0],
    [{ Ref: 'Key' }, 'Key', 0],
    [{ 'Fn::ImportValue': 'Producer-QArn' }, 'arn:aws:sqs:us-east-1:000000000000:jobs', 1],
    [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, lambdaArn('Fn'), 1],
    [{ 'Fn::GetAtt': ['Thing', 'Endpoint.Address'] }, 'Thing.Endpoint.Address', 1],
    [
      { 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Fn}/${!Literal}' },
      'arn:aws:x:us-east-1:000000000000:Fn/${Literal}',
      1,
    ],
    [
      { 'Fn::Sub': ['${A}-${Fn.Arn}', { A: { Ref: 'AWS::URLSuffix' } }] },
      `amazonaws.com-${lambdaArn('Fn')}`,
      1,
    ],
    [{ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }, 'b', 1],
    [{ 'Fn::Join': ['-', ['x', { Ref: 'AWS::Region' }]] }, 'x-us-east-1', 1],
  ])('resolves %j', (value, expected, stack) => {
    expect(r.resolve(value, stack)).toEqual(expected);
  });

  it('names a missing export or an unsupported intrinsic', () => {
    expect(() => r.resolve({ 'Fn::ImportValue': 'Nope' }, 1)).toThrow(/Nope: no stack exports/);
    expect(() => r.resolve({ 'Fn::Transform': {} })).toThrow(/Fn::Transform is not supported/);
    expect(() => r.resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(/Fn::If is not supported/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import {
  buildLocalModel,
  type LocalModel,
  lambdaArn,
  queueUrl,
  stateMachineArn,
} from '../../infra/local/template.js';

// The real two-stack app (data, service), synthesized as `npm start` does, into a folder this test removes.
let outdir: string;
let model: LocalModel;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'template-'));
  const { app } = buildApp({ bundling: false, nag: false, outdir });
  model = buildLocalModel(app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template })));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const byPrefix = <T extends { logicalId: string }>(items: Iterable<T>, prefix: string): T => {
  const found = [...items].find((i) => i.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix}`);
  return found;
};

describe('the local model of the synthesized app', () => {
  it('lists every function with its entry and its environment resolved across the stacks', () => {
    const referrals = byPrefix(model.functions.values(), 'ApiReferrals');
    expect(referrals).toMatchObject({ entry: 'functions/api-referrals/index.ts', handler: 'handler' });
    for (const fn of model.functions.values()) expect(fn.entry).toMatch(/^functions\/.+\.ts$/);
    const env = Object.assign({}, ...[...model.functions.values()].map((f) => f.environment));
    expect(env).toMatchObject({
      TABLE_NAME: 'prior-auth',
      // Fn::ImportValue of the data stack's bus, and Refs of this stack's state machine and queue.
      EVENT_BUS_NAME: 'prior-auth',
      AUTH_WORKFLOW_ARN: byPrefix(model.stateMachines, 'AuthorizationWorkflow').arn,
      NOTIFICATION_QUEUE_URL: queueUrl(byPrefix(model.queues, 'NotificationsQueue').name),
      SECRET_KEY_ID: expect.stringMatching(/^arn:aws:kms:us-east-1:000000000000:key\/DataKey/),
    });
  });

  it('turns the table into a CreateTable input: keys, indexes, on demand, stream and TTL', () => {
    expect(model.tables).toHaveLength(1);
    const [table] = model.tables;
    expect(table).toMatchObject({ tableName: 'prior-auth', ttlAttribute: 'expiresAt' });
    expect(table?.definition).toMatchObject({
      TableName: 'prior-auth',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(table?.definition.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['GSI1', 'GSI2']);
  });

  it('parses each state machine definition, its tasks naming functions of the model', () => {
    expect(model.stateMachines.map((s) => s.logicalId.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'AuthorizationWorkflow',
      'ContinuationReviewWorkflow',
      'AppealWorkflow',
    ]);
    for (const sm of model.stateMachines) {
      expect(sm.arn).toBe(stateMachineArn(sm.name));
      const states = Object.values(sm.definition.States as Record<string, Record<string, unknown>>);
      const functionArns = states.flatMap((s) => [
        s.Resource,
        (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName,
      ]);
      for (const arn of functionArns.filter(
        (a): a is string => typeof a === 'string' && a.startsWith('arn:aws:lambda:'),
      ))
        expect(model.functions.has(arn.split(':function:')[1] ?? '')).toBe(true);
    }
    expect(JSON.stringify(byPrefix(model.stateMachines, 'AuthorizationWorkflow').definition)).toContain(
      lambdaArn(byPrefix(model.functions.values(), 'WfEvaluate').logicalId),
    );
  });

  it('derives API routes from the resource tree, with authorization and function', () => {
    const route = (method: string, path: string) =>
      model.apiRoutes.find((r) => r.method === method && r.path === path);
    expect(route('POST', '/referrals')).toEqual({
      method: 'POST',
      path: '/referrals',
      authorizationType: 'COGNITO_USER_POOLS',
      functionLogicalId: byPrefix(model.functions.values(), 'ApiReferrals').logicalId,
    });
    expect(route('POST', '/reviews/{reviewId}/decision')?.functionLogicalId).toMatch(/^ApiReviews/);
    expect(route('GET', '/health')?.authorizationType).toBe('NONE');
    for (const r of model.apiRoutes) expect(model.functions.has(r.functionLogicalId)).toBe(true);
  });

  it('models the pattern rules with their targets and dead-letter queues, not the schedule', () => {
    expect(model.eventRules.map((r) => [r.eventBusName, r.eventPattern, r.targets])).toEqual([
      [
        'prior-auth',
        { source: ['prior-auth.visits'], 'detail-type': ['VisitCompleted'] },
        [
          {
            id: 'Target0',
            arn: byPrefix(model.stateMachines, 'ContinuationReviewWorkflow').arn,
            deadLetterArn: byPrefix(model.queues, 'VisitEventsDeadLetterQueue').arn,
          },
        ],
      ],
      [
        'prior-auth',
        { source: ['prior-auth.notifications'], 'detail-type': ['NotificationRaised'] },
        [
          {
            id: 'Target0',
            arn: byPrefix(model.queues, 'NotificationsQueue').arn,
            deadLetterArn: byPrefix(model.queues, 'NotificationsDeadLetterQueue').arn,
          },
        ],
      ],
    ]);
  });

  it('reads each queue with its visibility timeout, retention and redrive', () => {
    const dlq = byPrefix(model.queues, 'NotificationsDeadLetterQueue');
    expect(byPrefix(model.queues, 'NotificationsQueue')).toMatchObject({
      visibilityTimeoutSeconds: 180,
      retentionSeconds: 345600,
      redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 20 },
    });
    expect(dlq).toMatchObject({ visibilityTimeoutSeconds: 30, retentionSeconds: 1209600 });
    expect(dlq.redrive).toBeUndefined();
  });

  it('reads the stream and queue mappings with the settings the local stack honours', () => {
    expect(model.eventSourceMappings).toEqual([
      expect.objectContaining({
        kind: 'dynamodb-stream',
        functionLogicalId: byPrefix(model.functions.values(), 'NotifyPublish').logicalId,
        tableName: 'prior-auth',
        startingPosition: 'LATEST',
        batchSize: 50,
        maximumRetryAttempts: 100,
        filters: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { SK: { S: ['REFERRAL'] } } } }],
        onFailureQueueArn: byPrefix(model.queues, 'NotificationsDeadLetterQueue').arn,
        bisect: true,
      }),
      expect.objectContaining({
        kind: 'sqs',
        functionLogicalId: byPrefix(model.functions.values(), 'NotifyDeliver').logicalId,
        queueArn: byPrefix(model.queues, 'NotificationsQueue').arn,
        batchSize: 10,
        reportBatchItemFailures: true,
      }),
    ]);
  });
});

describe('the local model refuses what it would not run', () => {
  const model = (Resources: Record<string, unknown>, Outputs: Record<string, unknown> = {}) =>
    buildLocalModel([{ stackName: 'S', template: { Resources, Outputs } }]);
  const fn = { Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { 'prior-auth:entry': 'f.ts' } };

  it('names an unsupported intrinsic and a missing export', () => {
    expect(() =>
      model({
        Fn: { ...fn, Properties: { Environment: { Variables: { X: { 'Fn::If': ['c', 'a', 'b'] } } } } },
      }),
    ).toThrow(/The intrinsic Fn::If is not supported locally/);
    expect(() =>
      model({
        Fn: { ...fn, Properties: { Environment: { Variables: { X: { 'Fn::ImportValue': 'Nope' } } } } },
      }),
    ).toThrow(/Fn::ImportValue Nope: no stack exports that name/);
  });

  it('throws on an event source it does not run', () => {
    expect(() =>
      model({
        Fn: fn,
        FromKinesis: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: 'arn:aws:kinesis:us-east-1:0:stream/s' },
        },
      }),
    ).toThrow(/FromKinesis: the event source arn:aws:kinesis.* is not run locally/);
  });
});

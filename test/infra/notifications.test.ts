import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, retryWindowSeconds } from '../../shared/notify/backoff.js';
import { ofType, refId, type Synthesized, synthesize } from './support.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const logicalId = (prefix: string, type: string) => {
  const found = ofType(s.serviceResources, type).filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return found[0]?.[0] as string;
};
const functionId = (name: string) =>
  ofType(s.serviceResources, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Metadata?.['prior-auth:entry'] === `functions/${name}/index.ts`,
  )?.[0] as string;

describe('notification outbox and delivery', () => {
  it('streams both images of every table change (the outbox)', () => {
    s.data.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('publishes referral-item changes only, with retries, bisection and a dead-letter destination', () => {
    s.service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('notify-publish') },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('StreamArn') },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 100,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { Keys: { SK: { S: ['REFERRAL'] } } },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [logicalId('NotificationsDeadLetterQueue', 'AWS::SQS::Queue'), 'Arn'],
          },
        },
      },
    });
  });

  it('routes NotificationRaised from the bus to the encrypted notification queue, with a DLQ for the rule', () => {
    const queue = logicalId('NotificationsQueue', 'AWS::SQS::Queue');
    const dlq = logicalId('NotificationsDeadLetterQueue', 'AWS::SQS::Queue');
    s.service.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['prior-auth.notifications'], 'detail-type': ['NotificationRaised'] },
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('EventBus') },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [queue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ],
    });
    // Only this rule may send, and only over TLS.
    s.service.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::GetAtt': [logicalId('NotificationsRule', 'AWS::Events::Rule'), 'Arn'],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('retries each delivery for at least 24 hours, then redrives it to the dead-letter queue', () => {
    const dlq = logicalId('NotificationsDeadLetterQueue', 'AWS::SQS::Queue');
    s.service.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('DataKey') },
      MessageRetentionPeriod: 4 * 24 * 3600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: MAX_ATTEMPTS },
    });
    expect(retryWindowSeconds(MAX_ATTEMPTS)).toBeGreaterThanOrEqual(24 * 3600);
    // The messages outlive the retry window.
    expect(4 * 24 * 3600).toBeGreaterThan(retryWindowSeconds(MAX_ATTEMPTS));
    s.service.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('DataKey') },
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('delivers from the queue with partial batch failures, and may delay its own messages', () => {
    const queue = logicalId('NotificationsQueue', 'AWS::SQS::Queue');
    s.service.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('notify-deliver') },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const deliverRole = ofType(s.serviceResources, 'AWS::Lambda::Function').find(
      ([id]) => id === functionId('notify-deliver'),
    )?.[1].Properties?.Role;
    const policies = ofType(s.serviceResources, 'AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties?.Roles as unknown[]).some((r) => refId(r) === refId(deliverRole)),
    );
    const actions = JSON.stringify(policies.map(([, p]) => p.Properties?.PolicyDocument));
    expect(actions).toContain('sqs:ChangeMessageVisibility');
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).toContain('kms:Decrypt');
  });

  it('alarms when anything reaches the notification dead-letter queue', () => {
    const dlq = logicalId('NotificationsDeadLetterQueue', 'AWS::SQS::Queue');
    s.service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    });
  });

  it('refuses loopback endpoints on AWS (the local stack turns them on by context)', () => {
    for (const name of ['api-notifications', 'notify-deliver']) {
      const fn = s.serviceResources[functionId(name)];
      const variables = (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.ALLOW_LOOPBACK_ENDPOINTS, name).toBe('false');
      expect(JSON.stringify(variables.SECRET_KEY_ID), name).toMatch(/ImportValue.*DataKey/);
    }
  });
});

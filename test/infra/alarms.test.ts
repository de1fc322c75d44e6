import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnResource, ofType, refId, type Synthesized, stateMachineId, synthesize } from './support.js';

let s: Synthesized;
let alarms: CfnResource[];
beforeAll(() => {
  s = synthesize();
  alarms = ofType(s.serviceResources, 'AWS::CloudWatch::Alarm').map(([, a]) => a);
});

interface AlarmProps {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Threshold: number;
  ComparisonOperator: string;
  Period: number;
  AlarmActions: unknown[];
}

function find(namespace: string, metric: string, dimension?: unknown): AlarmProps[] {
  return alarms
    .map((a) => a.Properties as unknown as AlarmProps)
    .filter(
      (p) =>
        p.Namespace === namespace &&
        p.MetricName === metric &&
        (dimension === undefined || JSON.stringify(p.Dimensions).includes(JSON.stringify(dimension))),
    );
}

describe('alarms', () => {
  it('publish to one KMS-encrypted, TLS-only SNS topic', () => {
    const topics = ofType(s.serviceResources, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0] ?? [];
    expect(JSON.stringify(topic?.Properties?.KmsMasterKeyId)).toMatch(/ImportValue.*DataKey/);
    s.service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Principal: '*',
            Resource: { Ref: topicId },
          },
        ],
      },
    });
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  it.each([
    'AuthorizationWorkflow',
    'ContinuationReviewWorkflow',
  ])('fire on a failed or timed-out %s execution', (name) => {
    const arn = { Ref: stateMachineId(s.serviceResources, name) };
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      const [alarm, ...rest] = find('AWS/States', metric, arn);
      expect(rest, metric).toEqual([]);
      expect(alarm, metric).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 300,
      });
    }
  });

  it('fire when an event waits on a dead-letter queue (visit events, notifications)', () => {
    const alarms = find('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(refId(alarm?.AlarmActions[0])).toBeDefined();
    }
    const dimensions = alarms.map((a) => JSON.stringify(a?.Dimensions)).sort();
    expect(dimensions[0]).toMatch(/NotificationsDeadLetterQueue/);
    expect(dimensions[1]).toMatch(/VisitEventsDeadLetterQueue/);
  });

  it('fire on an API 5xx', () => {
    const [alarm, ...rest] = find('AWS/ApiGateway', '5XXError', { Name: 'ApiName', Value: 'prior-auth-api' });
    expect(rest).toEqual([]);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Period: 300,
    });
    expect(refId(alarm?.AlarmActions[0])).toBeDefined();
  });
});

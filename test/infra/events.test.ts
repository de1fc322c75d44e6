import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnResource, ofType, prop, type Synthesized, stateMachineId, synthesize } from './support.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

function rule(prefix: string): CfnResource {
  const rules = ofType(s.serviceResources, 'AWS::Events::Rule').filter(([id]) => id.startsWith(prefix));
  expect(rules).toHaveLength(1);
  return rules[0]?.[1] as CfnResource;
}

interface Target {
  Arn: unknown;
  RoleArn?: unknown;
  Input?: unknown;
  InputPath?: unknown;
  InputTransformer?: unknown;
  DeadLetterConfig?: { Arn: unknown };
  RetryPolicy?: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
}

describe('VisitCompleted rule', () => {
  it('matches VisitCompleted from prior-auth.visits on the prior-auth bus', () => {
    const props = rule('VisitCompletedRule').Properties;
    expect(props?.EventPattern).toEqual({ source: ['prior-auth.visits'], 'detail-type': ['VisitCompleted'] });
    expect(JSON.stringify(props?.EventBusName)).toMatch(/ImportValue.*EventBus/);
    expect(props?.State).toBe('ENABLED');
  });

  it('starts the ContinuationReviewWorkflow with the whole event, retrying, with the dead-letter queue', () => {
    const targets = rule('VisitCompletedRule').Properties?.Targets as Target[];
    expect(targets).toHaveLength(1);
    const [target] = targets;
    expect(target?.Arn).toEqual({ Ref: stateMachineId(s.serviceResources, 'ContinuationReviewWorkflow') });
    expect(target?.Input ?? target?.InputPath ?? target?.InputTransformer).toBeUndefined();
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 });
    expect(JSON.stringify(target?.DeadLetterConfig?.Arn)).toMatch(
      /ImportValue.*VisitEventsDeadLetterQueue.*Arn/,
    );
  });

  it('does not write into the data stack (the dead-letter queue policy there covers the rule)', () => {
    // The only queue policies are the service stack's own notification queues'.
    const policies = ofType(s.serviceResources, 'AWS::SQS::QueuePolicy');
    expect(policies.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'NotificationsDeadLetterQueuePolicy',
      'NotificationsQueuePolicy',
    ]);
    expect(JSON.stringify(policies)).not.toMatch(/ImportValue/);
  });
});

describe('reconciliation schedule', () => {
  it('runs reconcile every 5 minutes on the default bus', () => {
    const reconcileRule = rule('ReconcileSchedule');
    const props = reconcileRule.Properties;
    expect(props?.ScheduleExpression).toBe('rate(5 minutes)');
    expect(props?.EventBusName).toBeUndefined();
    const [target] = prop<Target[]>(reconcileRule, 'Targets');
    const reconcile = ofType(s.serviceResources, 'AWS::Lambda::Function').find(
      ([, fn]) => fn.Metadata?.['prior-auth:entry'] === 'functions/reconcile/index.ts',
    );
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [reconcile?.[0], 'Arn'] });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/constructs/handler-function.js';
import {
  asArray,
  type CfnResource,
  ofType,
  refId,
  type Synthesized,
  stateMachineId,
  statementsByRole,
  synthesize,
} from './support.js';

let s: Synthesized;
let statements: ReturnType<typeof statementsByRole>;
beforeAll(() => {
  s = synthesize();
  statements = statementsByRole(s.serviceResources);
});

/** Role logical id → a readable name: the function's folder, or the role's own logical id. */
function roleNames(resources: Record<string, CfnResource>): (roleId: string) => string {
  const names = new Map<string, string>();
  for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) {
    const entry = fn.Metadata?.['prior-auth:entry'];
    const roleId = refId(fn.Properties?.Role);
    if (typeof entry === 'string' && roleId) names.set(roleId, entry.split('/')[1] ?? entry);
  }
  return (roleId) => names.get(roleId) ?? roleId;
}

/** Who holds `action`, as `name → resources` (resources rendered as JSON). */
function holdersOf(action: string): Map<string, string[]> {
  const name = roleNames(s.serviceResources);
  const out = new Map<string, string[]>();
  for (const { roles, statement } of statements) {
    if (statement.Effect !== 'Allow' || !asArray(statement.Action).includes(action)) continue;
    for (const role of roles) {
      const resources = asArray(statement.Resource as unknown).map((r) => JSON.stringify(r));
      out.set(name(role), [...(out.get(name(role)) ?? []), ...resources]);
    }
  }
  return out;
}

const arnOf = (logicalId: string) => JSON.stringify({ Ref: logicalId });

describe('least privilege', () => {
  it('lets only intake (api-referrals, api-fhir and reconcile) start the AuthorizationWorkflow, and only api-referrals an appeal', () => {
    const auth = stateMachineId(s.serviceResources, 'AuthorizationWorkflow');
    const continuation = stateMachineId(s.serviceResources, 'ContinuationReviewWorkflow');
    const appeal = stateMachineId(s.serviceResources, 'AppealWorkflow');
    const holders = holdersOf('states:StartExecution');

    const authStarters = [...holders]
      .filter(([, resources]) => resources.includes(arnOf(auth)))
      .map(([n]) => n);
    expect(authStarters.sort()).toEqual(['api-fhir', 'api-referrals', 'reconcile']);
    expect(holders.get('api-referrals')?.sort()).toEqual([arnOf(auth), arnOf(appeal)].sort());
    expect(holders.get('api-fhir')).toEqual([arnOf(auth)]);
    expect(holders.get('reconcile')).toEqual([arnOf(auth)]);

    // The only other holder is EventBridge's role for the VisitCompleted rule, on the other workflow.
    const others = [...holders].filter(([n]) => !['api-referrals', 'api-fhir', 'reconcile'].includes(n));
    expect(others).toHaveLength(1);
    expect(others[0]?.[1]).toEqual([arnOf(continuation)]);
    const [, rule] = ofType(s.serviceResources, 'AWS::Events::Rule').find(([id]) =>
      id.startsWith('VisitCompletedRule'),
    ) ?? [undefined, undefined];
    const targets = rule?.Properties?.Targets as { RoleArn: unknown }[];
    expect(refId(targets[0]?.RoleArn)).toBe(others[0]?.[0]);
  });

  it('lets only the decision handler (api-reviews) and the information answer (api-referrals, and api-fhir for a PAS Claim update) send task results', () => {
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']) {
      expect([...holdersOf(action).keys()].sort(), action).toEqual([
        'api-fhir',
        'api-referrals',
        'api-reviews',
      ]);
    }
  });

  it('lets only api-visits, wf-escalate-review, wf-request-information, reconcile and the notification publisher put events, on the prior-auth bus only', () => {
    const holders = holdersOf('events:PutEvents');
    expect([...holders.keys()].sort()).toEqual([
      'api-visits',
      'notify-publish',
      'reconcile',
      'wf-escalate-review',
      'wf-request-information',
    ]);
    for (const [name, resources] of holders) {
      expect(resources, name).toHaveLength(1);
      expect(resources[0], name).toMatch(/ImportValue.*EventBus.*Arn/);
    }
  });

  it('gives no table access to api-health, api-console or api-codes, and read-only access to api-eligibility and api-cds', () => {
    const writers = holdersOf('dynamodb:PutItem');
    const readers = holdersOf('dynamodb:GetItem');
    for (const name of ['api-health', 'api-console', 'api-codes']) {
      expect(readers.has(name), name).toBe(false);
      expect(writers.has(name), name).toBe(false);
    }
    expect(readers.has('api-eligibility')).toBe(true);
    expect(writers.has('api-eligibility')).toBe(false);
    // The CRD service reads a member's coverage and writes nothing.
    expect(readers.has('api-cds')).toBe(true);
    expect(writers.has('api-cds')).toBe(false);
    expect([...writers.keys()].sort()).toEqual(
      [
        'api-admin',
        'api-referrals',
        'api-visits',
        'api-reviews',
        'api-fhir',
        'wf-evaluate',
        'wf-open-review',
        'wf-escalate-review',
        'wf-record-determination',
        'wf-rereview',
        'wf-record-continuation',
        'wf-record-failure',
        'wf-request-information',
        'wf-information-lapsed',
        'wf-record-appeal',
        'reconcile',
        'api-notifications',
        'notify-deliver',
      ].sort(),
    );
    for (const [name, resources] of writers) {
      expect(resources, name).toEqual([
        JSON.stringify({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':dynamodb:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':table/prior-auth',
            ],
          ],
        }),
        JSON.stringify({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':dynamodb:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':table/prior-auth/index/*',
            ],
          ],
        }),
      ]);
    }
  });

  it('has no AWS-managed policy on any function role', () => {
    const fnRoles = new Set(
      ofType(s.serviceResources, 'AWS::Lambda::Function').map(([, fn]) => refId(fn.Properties?.Role)),
    );
    for (const roleId of fnRoles) {
      expect(s.serviceResources[roleId ?? '']?.Properties?.ManagedPolicyArns, roleId).toBeUndefined();
    }
  });

  it('grants no Action "*" and a "*" resource only where IAM offers nothing narrower', () => {
    const name = roleNames(s.serviceResources);
    const auth = s.serviceResources[stateMachineId(s.serviceResources, 'AuthorizationWorkflow')];
    const continuation = s.serviceResources[stateMachineId(s.serviceResources, 'ContinuationReviewWorkflow')];
    const appeal = s.serviceResources[stateMachineId(s.serviceResources, 'AppealWorkflow')];
    const workflowRoles = new Map([
      [refId(auth?.Properties?.RoleArn), 'AuthorizationWorkflow'],
      [refId(continuation?.Properties?.RoleArn), 'ContinuationReviewWorkflow'],
      [refId(appeal?.Properties?.RoleArn), 'AppealWorkflow'],
    ]);

    const wildcards = new Set<string>();
    for (const template of [s.serviceResources, s.dataResources]) {
      for (const { roles, statement } of statementsByRole(template)) {
        const actions = asArray(statement.Action);
        expect(actions).not.toContain('*');
        for (const action of actions) expect(action, action).not.toMatch(/^[a-z0-9-]+:\*$/);
        if (statement.Effect !== 'Allow' || !asArray(statement.Resource as unknown).includes('*')) continue;
        for (const role of roles) {
          wildcards.add(`${workflowRoles.get(role) ?? name(role)}: ${[...actions].sort().join(',')}`);
        }
      }
    }

    const xray = 'xray:PutTelemetryRecords,xray:PutTraceSegments';
    const functionNames = [
      ...new Set(
        ofType(s.serviceResources, 'AWS::Lambda::Function')
          .map(([, fn]) => fn.Metadata?.['prior-auth:entry'])
          .filter((e): e is string => typeof e === 'string')
          .map((e) => e.split('/')[1]),
      ),
    ];
    const sfnLogDelivery = [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ].join(',');
    const sfnXray =
      'xray:GetSamplingRules,xray:GetSamplingTargets,xray:PutTelemetryRecords,xray:PutTraceSegments';
    // Each of these carries an acknowledgement with its reason in infra/nag.ts.
    const allowed = [
      ...functionNames.map((fn) => `${fn}: ${xray}`),
      'api-reviews: states:SendTaskFailure,states:SendTaskHeartbeat,states:SendTaskSuccess',
      // The stream mapping's poller lists streams; IAM has no narrower resource for ListStreams.
      'notify-publish: dynamodb:ListStreams',
      'api-referrals: states:SendTaskFailure,states:SendTaskHeartbeat,states:SendTaskSuccess',
      'api-fhir: states:SendTaskFailure,states:SendTaskHeartbeat,states:SendTaskSuccess',
      `AuthorizationWorkflow: ${sfnLogDelivery}`,
      `AuthorizationWorkflow: ${sfnXray}`,
      `ContinuationReviewWorkflow: ${sfnLogDelivery}`,
      `ContinuationReviewWorkflow: ${sfnXray}`,
      `AppealWorkflow: ${sfnLogDelivery}`,
      `AppealWorkflow: ${sfnXray}`,
    ];
    expect(functionNames.sort()).toEqual([...FUNCTION_NAMES].sort());
    expect([...wildcards].sort()).toEqual(allowed.sort());
  });
});

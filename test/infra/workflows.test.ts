import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_ERRORS } from '../../infra/constructs/workflow-steps.js';
import {
  type CfnResource,
  definitionOf,
  type Json,
  projectFunctions,
  refId,
  type Synthesized,
  stateMachineId,
  synthesize,
} from './support.js';

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

interface State {
  Type: string;
  Resource?: string;
  Parameters?: Json;
  ResultPath?: string | null;
  Next?: string;
  End?: boolean;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  Choices?: { Variable: string; BooleanEquals?: boolean; StringEquals?: string; Next: string }[];
  Default?: string;
  Error?: string;
}

let s: Synthesized;
let workflows: Record<
  'AuthorizationWorkflow' | 'ContinuationReviewWorkflow' | 'AppealWorkflow',
  { resource: CfnResource; asl: Json }
>;
let fnArn: (name: string) => string;

beforeAll(() => {
  s = synthesize();
  const load = (prefix: string) => {
    const resource = s.serviceResources[stateMachineId(s.serviceResources, prefix)] as CfnResource;
    return { resource, asl: definitionOf(resource) };
  };
  workflows = {
    AuthorizationWorkflow: load('AuthorizationWorkflow'),
    ContinuationReviewWorkflow: load('ContinuationReviewWorkflow'),
    AppealWorkflow: load('AppealWorkflow'),
  };
  const fns = projectFunctions(s.serviceResources);
  fnArn = (name) =>
    `arn:aws:lambda:us-east-1:123456789012:function:${fns.get(`functions/${name}/index.ts`)?.logicalId}`;
});

const statesOf = (asl: Json) => asl.States as Record<string, State>;

describe.each([
  'AuthorizationWorkflow',
  'ContinuationReviewWorkflow',
  'AppealWorkflow',
] as const)('%s', (name) => {
  it('is a Standard state machine with X-Ray and ALL-level logging to a KMS log group, without execution data', () => {
    const props = workflows[name].resource.Properties;
    expect(props?.StateMachineType).toBe('STANDARD');
    expect(props?.TracingConfiguration).toEqual({ Enabled: true });
    const logging = props?.LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
    };
    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(false);
    const logGroup =
      s.serviceResources[refId(logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn) ?? ''];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.KmsKeyId).toBeDefined();
  });

  it('has a definition that passes asl-validator', () => {
    const result = aslValidator(workflows[name].asl);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath only: no JSONata, no variables', () => {
    const text = JSON.stringify(workflows[name].asl);
    expect(text).not.toMatch(/JSONata/i);
    expect(text).not.toMatch(/"Assign"|"Arguments"|"Output"|\{%/);
    expect(workflows[name].asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('retries every Lambda task with one retrier, on transient errors only, and catches the rest', () => {
    const lambdaTasks = Object.entries(statesOf(workflows[name].asl)).filter(
      ([, state]) => state.Type === 'Task' && JSON.stringify(state).includes(':lambda:'),
    );
    expect(lambdaTasks.length).toBeGreaterThanOrEqual(name === 'AppealWorkflow' ? 5 : 6);
    for (const [stateName, state] of lambdaTasks) {
      expect(state.Retry, stateName).toEqual([
        { ErrorEquals: RETRYABLE_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 },
      ]);
      // Recording a failure is the last resort: if that fails too, the execution fails (and alarms).
      if (/Record(Continuation|Appeal)?Failure/.test(stateName)) continue;
      expect(state.Catch?.at(-1)?.ErrorEquals, stateName).toEqual(['States.ALL']);
    }
  });
});

describe('AuthorizationWorkflow definition', () => {
  let states: Record<string, State>;
  beforeAll(() => {
    states = statesOf(workflows.AuthorizationWorkflow.asl);
  });

  it('has the states of the design', () => {
    expect(workflows.AuthorizationWorkflow.asl.StartAt).toBe('Evaluate');
    expect(Object.keys(states).sort()).toEqual(
      [
        'Evaluate',
        'Route?',
        'OpenReview',
        'EscalateReview',
        'AwaitEscalatedReview',
        'InformationRequested?',
        'RequestInformation',
        'InformationNotReceived',
        'RecordDetermination',
        'RecordFailure',
        'Failed',
      ].sort(),
    );
  });

  it('evaluates the whole state, then routes to a review, an information request or the record', () => {
    expect(states.Evaluate).toMatchObject({
      Resource: fnArn('wf-evaluate'),
      ResultPath: '$.evaluation',
      Next: 'Route?',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' }],
    });
    expect(states.Evaluate?.Parameters).toBeUndefined();
    expect(states['Route?']).toMatchObject({
      Choices: [
        { Variable: '$.evaluation.next', StringEquals: 'REVIEW', Next: 'OpenReview' },
        { Variable: '$.evaluation.next', StringEquals: 'REQUEST_INFORMATION', Next: 'RequestInformation' },
      ],
      Default: 'RecordDetermination',
    });
  });

  it('waits 14 days for requested information, then evaluates again (answered or not), never deciding on the timeout', () => {
    expect(states['InformationRequested?']).toMatchObject({
      Choices: [
        { Variable: '$.decision.outcome', StringEquals: 'REQUEST_INFORMATION', Next: 'RequestInformation' },
      ],
      Default: 'RecordDetermination',
    });
    expect(states.RequestInformation).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('wf-request-information'),
        Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 14 * 86_400,
      Next: 'Evaluate',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'InformationNotReceived' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' },
      ],
    });
    // The answer (or the lapse) is the next pass's whole state: no ResultPath.
    expect(states.RequestInformation?.ResultPath).toBeUndefined();
    expect(states.InformationNotReceived).toMatchObject({
      Resource: fnArn('wf-information-lapsed'),
      Next: 'Evaluate',
    });
    expect(states.InformationNotReceived?.ResultPath).toBeUndefined();
  });

  it('waits for a reviewer with a task token until the policy deadline, then escalates', () => {
    expect(states.OpenReview).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('wf-open-review'),
        Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token', kind: 'INITIAL', escalated: false },
      },
      TimeoutSecondsPath: '$.evaluation.reviewTimeoutSeconds',
      ResultPath: '$.decision',
      Next: 'InformationRequested?',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'EscalateReview' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' },
      ],
    });
    expect(states.EscalateReview).toMatchObject({
      Resource: fnArn('wf-escalate-review'),
      Parameters: { 'state.$': '$', kind: 'INITIAL' },
      ResultPath: null,
      Next: 'AwaitEscalatedReview',
    });
  });

  it('never decides on a timeout: an escalated review is escalated again every day', () => {
    expect(states.AwaitEscalatedReview).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { Payload: { escalated: true, kind: 'INITIAL' } },
      TimeoutSeconds: 86_400,
      Next: 'InformationRequested?',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'EscalateReview' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' },
      ],
    });
  });

  it('records the determination, which ends the execution, or the failure and fails', () => {
    expect(states.RecordDetermination).toMatchObject({
      Resource: fnArn('wf-record-determination'),
      ResultPath: '$.recorded',
      End: true,
    });
    // No Succeed state after it: that would be one more billed transition per referral.
    expect(states.RecordDetermination?.Next).toBeUndefined();
    expect(Object.values(states).filter((s) => s.Type === 'Succeed')).toEqual([]);
    expect(states.RecordFailure).toMatchObject({
      Resource: fnArn('wf-record-failure'),
      ResultPath: null,
      Next: 'Failed',
    });
    expect(states.Failed).toMatchObject({ Type: 'Fail', Error: 'DeterminationFailed' });
  });
});

describe('ContinuationReviewWorkflow definition', () => {
  let states: Record<string, State>;
  beforeAll(() => {
    states = statesOf(workflows.ContinuationReviewWorkflow.asl);
  });

  it('has the states of the design', () => {
    expect(workflows.ContinuationReviewWorkflow.asl.StartAt).toBe('ReReview');
    expect(Object.keys(states).sort()).toEqual(
      [
        'ReReview',
        'Route?',
        'AlreadyReviewed',
        'OpenContinuationReview',
        'EscalateContinuationReview',
        'AwaitEscalatedContinuationReview',
        'RecordContinuation',
        'DeadLetter',
        'InvalidEvent',
        'RecordContinuationFailure',
        'Failed',
      ].sort(),
    );
  });

  it('re-reviews the event, parking invalid events on the dead-letter queue', () => {
    expect(states.ReReview).toMatchObject({
      Resource: fnArn('wf-rereview'),
      ResultPath: '$.reReview',
      Next: 'Route?',
      Catch: [
        {
          ErrorEquals: ['ValidationError', 'NotFoundError', 'ConflictError'],
          ResultPath: '$.error',
          Next: 'DeadLetter',
        },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordContinuationFailure' },
      ],
    });
    expect(states.DeadLetter).toMatchObject({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: {
        MessageBody: {
          'reason.$': '$.error.Cause',
          'errorName.$': '$.error.Error',
          'event.$': '$$.Execution.Input',
        },
      },
      Next: 'InvalidEvent',
    });
    expect(states.InvalidEvent).toMatchObject({ Type: 'Fail', Error: 'InvalidVisitEvent' });
  });

  it('skips duplicates first, then routes on needsReview, in one Choice', () => {
    // Rules are tried in order: the duplicate check must come first.
    expect(states['Route?']).toMatchObject({
      Choices: [
        { Variable: '$.reReview.duplicate', BooleanEquals: true, Next: 'AlreadyReviewed' },
        { Variable: '$.reReview.needsReview', BooleanEquals: true, Next: 'OpenContinuationReview' },
      ],
      Default: 'RecordContinuation',
    });
    expect(states.AlreadyReviewed?.Type).toBe('Succeed');
  });

  it('waits for a reviewer with a task token, escalating daily after the deadline', () => {
    expect(states.OpenContinuationReview).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('wf-open-review'),
        Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token', kind: 'CONTINUATION', escalated: false },
      },
      TimeoutSecondsPath: '$.reReview.reviewTimeoutSeconds',
      ResultPath: '$.decision',
      Next: 'RecordContinuation',
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: 'EscalateContinuationReview' },
        { ErrorEquals: ['States.ALL'], Next: 'RecordContinuationFailure' },
      ],
    });
    expect(states.EscalateContinuationReview).toMatchObject({
      Resource: fnArn('wf-escalate-review'),
      Parameters: { 'state.$': '$', kind: 'CONTINUATION' },
      Next: 'AwaitEscalatedContinuationReview',
    });
    expect(states.AwaitEscalatedContinuationReview).toMatchObject({
      Parameters: { Payload: { kind: 'CONTINUATION', escalated: true } },
      TimeoutSeconds: 86_400,
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: 'EscalateContinuationReview' },
        { ErrorEquals: ['States.ALL'] },
      ],
    });
  });

  it('records the continuation, which ends the execution, or the failure and fails', () => {
    expect(states.RecordContinuation).toMatchObject({
      Resource: fnArn('wf-record-continuation'),
      End: true,
    });
    expect(states.RecordContinuation?.Next).toBeUndefined();
    expect(states.RecordContinuationFailure).toMatchObject({
      Resource: fnArn('wf-record-failure'),
      Next: 'Failed',
    });
    expect(states.Failed?.Type).toBe('Fail');
  });
});

describe('AppealWorkflow definition (SPEC 11)', () => {
  let states: Record<string, State>;
  beforeAll(() => {
    states = statesOf(workflows.AppealWorkflow.asl);
  });

  it('is the review loop of the other workflows, then RecordAppeal', () => {
    expect(workflows.AppealWorkflow.asl.StartAt).toBe('OpenAppealReview');
    expect(Object.keys(states).sort()).toEqual(
      [
        'OpenAppealReview',
        'EscalateAppealReview',
        'AwaitEscalatedAppealReview',
        'RecordAppeal',
        'AppealDecided',
        'RecordAppealFailure',
        'Failed',
      ].sort(),
    );
    expect(states.OpenAppealReview).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('wf-open-review'),
        Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token', kind: 'APPEAL', escalated: false },
      },
      TimeoutSecondsPath: '$.reviewTimeoutSeconds',
      ResultPath: '$.decision',
      Next: 'RecordAppeal',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'EscalateAppealReview' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordAppealFailure' },
      ],
    });
    expect(states.AwaitEscalatedAppealReview).toMatchObject({ TimeoutSeconds: 86_400, Next: 'RecordAppeal' });
    expect(states.EscalateAppealReview).toMatchObject({
      Resource: fnArn('wf-escalate-review'),
      Parameters: { 'state.$': '$', kind: 'APPEAL' },
      Next: 'AwaitEscalatedAppealReview',
    });
    expect(states.RecordAppeal).toMatchObject({ Resource: fnArn('wf-record-appeal'), Next: 'AppealDecided' });
    expect(states.Failed).toMatchObject({ Type: 'Fail', Error: 'AppealFailed' });
  });
});

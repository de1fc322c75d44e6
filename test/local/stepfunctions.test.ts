import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalEventBridge } from '../../infra/local/eventbridge.js';
import { createSfnProtocolHandler, serveAwsJson } from '../../infra/local/sfn-endpoint.js';
import {
  createLocalStepFunctions,
  type ExecutionEnd,
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
} from '../../infra/local/stepfunctions.js';

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const smArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Fn = (payload: Record<string, unknown>) => unknown;

/** A service whose Lambdas are the given in-process functions (looked up by function name). */
function makeService(
  fns: Record<string, Fn>,
  extra: Partial<LocalStepFunctionsOptions> = {},
): LocalStepFunctions {
  const service = createLocalStepFunctions({
    timeScale: 0.01,
    async invokeLambda(arn, payload) {
      const name = arn.split(':function:')[1]?.split(':')[0] ?? arn;
      const fn = fns[name];
      if (!fn) throw new NamedError('ResourceNotFoundException', `no function ${name}`);
      return fn(payload as Record<string, unknown>);
    },
    ...extra,
  });
  services.push(service);
  return service;
}

const services: LocalStepFunctions[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

async function until<T>(probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function run(service: LocalStepFunctions, name: string, input: unknown = {}) {
  const { executionArn } = service.startExecution({
    stateMachineArn: smArn(name),
    input: JSON.stringify(input),
  });
  return { executionArn, result: await service.waitFor(executionArn) };
}

const parse = (s: string | undefined): unknown => JSON.parse(s ?? 'null');

describe('local Step Functions: flow, Retry and Catch through aws-local-stepfunctions', () => {
  it('follows a Choice', async () => {
    const sfn = makeService({ classify: (p) => ({ kind: p.visits === 0 ? 'initial' : 'continuation' }) });
    sfn.register({
      name: 'choice',
      arn: smArn('choice'),
      definition: {
        StartAt: 'Classify',
        States: {
          Classify: { Type: 'Task', Resource: fnArn('classify'), Next: 'Route' },
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.kind', StringEquals: 'initial', Next: 'Initial' }],
            Default: 'Continuation',
          },
          Initial: { Type: 'Pass', Result: 'initial review', End: true },
          Continuation: { Type: 'Pass', Result: 'continuation review', End: true },
        },
      },
    });
    expect(parse((await run(sfn, 'choice', { visits: 0 })).result.output)).toBe('initial review');
    expect(parse((await run(sfn, 'choice', { visits: 3 })).result.output)).toBe('continuation review');
  });

  it('retries a transient error with backoff, then succeeds', async () => {
    const calls: number[] = [];
    const sfn = makeService({
      flaky: () => {
        calls.push(Date.now());
        if (calls.length < 3) throw new NamedError('TransientError', 'try again');
        return { ok: true };
      },
    });
    sfn.register({
      name: 'retry',
      arn: smArn('retry'),
      definition: {
        StartAt: 'Flaky',
        States: {
          Flaky: {
            Type: 'Task',
            Resource: fnArn('flaky'),
            // 1 s then 2 s on AWS; 10 ms then 20 ms at timeScale 0.01
            Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }],
            End: true,
          },
        },
      },
    });
    const { executionArn, result } = await run(sfn, 'retry');
    expect(result.status).toBe('SUCCEEDED');
    expect(parse(result.output)).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    const [t0 = 0, t1 = 0, t2 = 0] = calls;
    expect(t1 - t0).toBeGreaterThanOrEqual(9);
    expect(t2 - t1).toBeGreaterThanOrEqual(19);
    const history = sfn.getExecutionHistory(executionArn);
    expect(history.events.filter((e) => e.type === 'TaskFailed')).toHaveLength(2);
    expect(history.transitions).toBe(3); // 1 state entered + 2 retries
  });

  it('fails the execution when retries are exhausted, with the Lambda error as AWS reports it', async () => {
    let calls = 0;
    const sfn = makeService({
      down: () => {
        calls++;
        throw new NamedError('TransientError', 'still down');
      },
    });
    sfn.register({
      name: 'exhausted',
      arn: smArn('exhausted'),
      definition: {
        StartAt: 'Down',
        States: {
          Down: {
            Type: 'Task',
            Resource: fnArn('down'),
            Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, MaxAttempts: 2 }],
            End: true,
          },
        },
      },
    });
    const { result } = await run(sfn, 'exhausted');
    expect(calls).toBe(3);
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'TransientError',
      cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'still down' }),
    });
    expect(result.stopDate).toBeInstanceOf(Date);
  });

  it('catches a named domain error (and does not retry it under another name)', async () => {
    let calls = 0;
    const sfn = makeService({
      validate: () => {
        calls++;
        throw new NamedError('ValidationError', 'NPI check digit');
      },
    });
    sfn.register({
      name: 'catch',
      arn: smArn('catch'),
      definition: {
        StartAt: 'Validate',
        States: {
          Validate: {
            Type: 'Task',
            Resource: fnArn('validate'),
            Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 3 }],
            Catch: [{ ErrorEquals: ['ValidationError'], ResultPath: '$.error', Next: 'Rejected' }],
            End: true,
          },
          Rejected: { Type: 'Pass', End: true },
        },
      },
    });
    const { result } = await run(sfn, 'catch', { referralId: 'R-1' });
    expect(calls).toBe(1);
    expect(result.status).toBe('SUCCEEDED');
    expect(parse(result.output)).toEqual({
      referralId: 'R-1',
      error: {
        Error: 'ValidationError',
        Cause: JSON.stringify({ errorType: 'ValidationError', errorMessage: 'NPI check digit' }),
      },
    });
  });

  it('exposes the execution and state machine in the context object', async () => {
    const sfn = makeService({});
    sfn.register({
      name: 'context',
      arn: smArn('context'),
      definition: {
        StartAt: 'Read',
        States: {
          Read: {
            Type: 'Pass',
            Parameters: {
              'id.$': '$$.Execution.Id',
              'name.$': '$$.Execution.Name',
              'sm.$': '$$.StateMachine.Id',
            },
            End: true,
          },
        },
      },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: smArn('context'), name: 'ctx-1' });
    const result = await sfn.waitFor(executionArn);
    expect(parse(result.output)).toEqual({ id: executionArn, name: 'ctx-1', sm: smArn('context') });
  });

  it('reports a Fail state and an uncaught error on describeExecution', async () => {
    const sfn = makeService({});
    sfn.register({
      name: 'fail',
      arn: smArn('fail'),
      definition: {
        StartAt: 'Stop',
        States: { Stop: { Type: 'Fail', Error: 'ReferralRejected', Cause: 'member not eligible' } },
      },
    });
    const { result } = await run(sfn, 'fail');
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'ReferralRejected',
      cause: 'member not eligible',
    });
  });
});

describe('local Step Functions: service integrations', () => {
  it('shapes lambda:invoke results like AWS and passes FunctionName/Payload', async () => {
    const seen: unknown[] = [];
    const sfn = makeService({
      echo: (p) => {
        seen.push(p);
        return { echoed: p.id };
      },
    });
    sfn.register({
      name: 'invoke',
      arn: smArn('invoke'),
      definition: {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: fnArn('echo'), 'Payload.$': '$' },
            ResultPath: '$.raw',
            Next: 'Selected',
          },
          Selected: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: fnArn('echo'), Payload: { 'id.$': '$.id' } },
            ResultSelector: { 'result.$': '$.Payload' },
            ResultPath: '$.selected',
            End: true,
          },
        },
      },
    });
    const { result } = await run(sfn, 'invoke', { id: 'R-7' });
    const output = parse(result.output) as { raw: Record<string, unknown>; selected: unknown };
    expect(output.raw).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { echoed: 'R-7' },
      StatusCode: 200,
    });
    expect(output.raw.SdkHttpMetadata).toMatchObject({ HttpStatusCode: 200 });
    expect(output.raw.SdkResponseMetadata).toHaveProperty('RequestId');
    expect(output.selected).toEqual({ result: { echoed: 'R-7' } });
    expect(seen).toEqual([{ id: 'R-7' }, { id: 'R-7' }]);
  });

  it('sends SQS messages and EventBridge events through the local EventBridge', async () => {
    const delivered: unknown[] = [];
    const sent: { queue: string; body: string }[] = [];
    const bus = createLocalEventBridge({
      rules: [
        {
          name: 'escalations',
          eventBusName: 'prior-auth',
          eventPattern: { source: ['prior-auth.reviews'], 'detail-type': ['ReviewEscalated'] },
          targets: [{ id: 'log', arn: 'arn:aws:logs:us-east-1:000000000000:log-group:x' }],
        },
      ],
      deliver: (_target, payload) => {
        delivered.push(payload);
      },
    });
    const sfn = makeService(
      {},
      {
        putEvents: (entries) => bus.putEvents(entries),
        sendSqsMessage: async (queue, body) => {
          sent.push({ queue, body });
        },
      },
    );
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/review-queue';
    sfn.register({
      name: 'integrations',
      arn: smArn('integrations'),
      definition: {
        StartAt: 'Enqueue',
        States: {
          Enqueue: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: queueUrl, MessageBody: { 'reviewId.$': '$.reviewId' } },
            ResultPath: '$.sqs',
            Next: 'Announce',
          },
          Announce: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents',
            Parameters: {
              Entries: [
                {
                  Source: 'prior-auth.reviews',
                  DetailType: 'ReviewEscalated',
                  EventBusName: 'prior-auth',
                  Detail: { 'reviewId.$': '$.reviewId' },
                },
              ],
            },
            ResultPath: '$.events',
            End: true,
          },
        },
      },
    });
    const { executionArn, result } = await run(sfn, 'integrations', { reviewId: 'V-1' });
    expect(result.status).toBe('SUCCEEDED');
    const output = parse(result.output) as Record<string, Record<string, unknown>>;
    const body = JSON.stringify({ reviewId: 'V-1' });
    expect(output.sqs).toEqual({
      MessageId: expect.any(String),
      MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
    });
    expect(sent).toEqual([{ queue: queueUrl, body }]);
    expect(output.events).toEqual({ Entries: [{ EventId: expect.any(String) }], FailedEntryCount: 0 });
    await bus.idle();
    // Detail objects are serialized; the execution and state machine ARNs are appended to Resources.
    expect(delivered).toEqual([
      expect.objectContaining({
        source: 'prior-auth.reviews',
        'detail-type': 'ReviewEscalated',
        detail: { reviewId: 'V-1' },
        resources: [executionArn, smArn('integrations')],
      }),
    ]);
  });

  it('fails with a non-catchable States.Runtime for an unsupported resource', async () => {
    const sfn = makeService({});
    sfn.register({
      name: 'unsupported',
      arn: smArn('unsupported'),
      definition: {
        StartAt: 'Ddb',
        States: {
          Ddb: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: { TableName: 't', Item: {} },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      },
    });
    const { result } = await run(sfn, 'unsupported');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain("'arn:aws:states:::dynamodb:putItem' is not supported");
  });
});

describe('local Step Functions: callbacks (.waitForTaskToken)', () => {
  /** A review task: the Lambda stores the token as a handler would (in a review record). */
  const reviewDefinition = (task: Record<string, unknown>, extraStates: Record<string, unknown> = {}) => ({
    StartAt: 'Review',
    States: {
      Review: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: fnArn('openReview'),
          Payload: { 'taskToken.$': '$$.Task.Token', 'referralId.$': '$.referralId' },
        },
        ResultPath: '$.decision',
        ...task,
      },
      ...extraStates,
    },
  });

  it('two callback tasks in one execution get different tokens, and a used token is dead', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'two',
      arn: smArn('two'),
      definition: {
        StartAt: 'First',
        States: {
          First: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn('openReview'), Payload: { 'taskToken.$': '$$.Task.Token' } },
            ResultPath: '$.first',
            Next: 'Second',
          },
          Second: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn('openReview'), Payload: { 'taskToken.$': '$$.Task.Token' } },
            ResultPath: '$.second',
            End: true,
          },
        },
      },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: smArn('two') });
    const first = await until(() => tokens[0]);
    sfn.sendTaskSuccess(first, '{"n":1}');
    const second = await until(() => tokens[1]);
    expect(second).not.toBe(first);
    expect(() => sfn.sendTaskSuccess(first, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    sfn.sendTaskSuccess(second, '{"n":2}');
    const result = await sfn.waitFor(executionArn);
    expect(parse(result.output)).toEqual({ first: { n: 1 }, second: { n: 2 } });
  });

  it('gives each Map iteration its own token', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'map',
      arn: smArn('map'),
      definition: {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.lines',
            Iterator: {
              StartAt: 'LineReview',
              States: {
                LineReview: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  Parameters: {
                    FunctionName: fnArn('openReview'),
                    Payload: { 'taskToken.$': '$$.Task.Token' },
                  },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
    });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('map'),
      input: '{"lines":[1,2,3]}',
    });
    await until(() => (tokens.length === 3 ? true : undefined));
    expect(new Set(tokens).size).toBe(3);
    tokens.forEach((t, i) => {
      sfn.sendTaskSuccess(t, JSON.stringify(i));
    });
    const result = await sfn.waitFor(executionArn);
    expect(result.status).toBe('SUCCEEDED');
    expect((parse(result.output) as number[]).sort()).toEqual([0, 1, 2]);
    expect(sfn.getExecutionHistory(executionArn).transitions).toBe(4); // Map + 3 iterations' LineReview
  });

  it('times out (TimeoutSeconds 1) into a Catch on States.Timeout, then waits again; the old token is dead', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) }, { timeScale: 1 });
    sfn.register({
      name: 'timeout',
      arn: smArn('timeout'),
      definition: reviewDefinition(
        {
          TimeoutSeconds: 1,
          // States.TaskFailed must not match a timeout (AWS semantics), so this catcher is skipped.
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Broken' },
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'Escalated' },
          ],
          End: true,
        },
        {
          Escalated: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn('openReview'), Payload: { 'taskToken.$': '$$.Task.Token' } },
            ResultPath: '$.decision',
            End: true,
          },
          Broken: { Type: 'Fail', Error: 'WrongCatcher' },
        },
      ),
    });
    const started = Date.now();
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('timeout'),
      input: '{"referralId":"R-9"}',
    });
    const first = await until(() => tokens[0]);
    const second = await until(() => tokens[1], 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(() => sfn.sendTaskSuccess(first, '{"outcome":"APPROVE"}')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    sfn.sendTaskSuccess(second, '{"outcome":"APPROVE"}');
    const result = await sfn.waitFor(executionArn);
    expect(result.status).toBe('SUCCEEDED');
    expect(parse(result.output)).toMatchObject({
      referralId: 'R-9',
      timedOut: { Error: 'States.Timeout' },
      decision: { outcome: 'APPROVE' },
    });
    const types = sfn.getExecutionHistory(executionArn).events.map((e) => e.type);
    expect(types).toContain('TaskTimedOut');
  });

  it('takes the timeout from TimeoutSecondsPath (resolved against the state input, not Parameters)', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'timeout-path',
      arn: smArn('timeout-path'),
      definition: reviewDefinition({ TimeoutSecondsPath: '$.dueInSeconds', End: true }),
    });
    const { result } = await run(sfn, 'timeout-path', { referralId: 'R-1', dueInSeconds: 5 }); // 50 ms scaled
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(tokens).toHaveLength(1);
  });

  it('fails with States.HeartbeatTimeout without heartbeats, and keeps waiting with them', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'heartbeat',
      arn: smArn('heartbeat'),
      definition: reviewDefinition({ HeartbeatSeconds: 5, TimeoutSeconds: 100, End: true }), // 50 ms / 1 s
    });
    const silent = await run(sfn, 'heartbeat', { referralId: 'R-1' });
    expect(silent.result).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });

    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('heartbeat'),
      input: '{"referralId":"R-2"}',
    });
    const token = await until(() => tokens[1]);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 25));
      sfn.sendTaskHeartbeat(token);
    }
    sfn.sendTaskSuccess(token, '{"outcome":"APPROVE"}');
    expect((await sfn.waitFor(executionArn)).status).toBe('SUCCEEDED');
  });

  it('routes sendTaskFailure to a Catch by its error name', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'task-failure',
      arn: smArn('task-failure'),
      definition: reviewDefinition(
        {
          Catch: [{ ErrorEquals: ['ReviewWithdrawn'], ResultPath: '$.withdrawn', Next: 'Withdrawn' }],
          End: true,
        },
        { Withdrawn: { Type: 'Pass', End: true } },
      ),
    });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('task-failure'),
      input: '{"referralId":"R"}',
    });
    sfn.sendTaskFailure(await until(() => tokens[0]), 'ReviewWithdrawn', 'portal withdrew the referral');
    const result = await sfn.waitFor(executionArn);
    expect(parse(result.output)).toMatchObject({
      withdrawn: { Error: 'ReviewWithdrawn', Cause: 'portal withdrew the referral' },
    });
  });

  it('does not apply the library 60 s default timeout to a task without TimeoutSeconds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) }, { timeScale: 1 });
    sfn.register({
      name: 'no-timeout',
      arn: smArn('no-timeout'),
      definition: reviewDefinition({ End: true }),
    });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('no-timeout'),
      input: '{"referralId":"R"}',
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(tokens).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3 * 24 * 3600 * 1000); // 3 days, the standard review window
    expect(sfn.describeExecution(executionArn).status).toBe('RUNNING');
    sfn.sendTaskSuccess(tokens[0] ?? '', '{"outcome":"APPROVE"}');
    await vi.advanceTimersByTimeAsync(10);
    expect(sfn.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });

  it('stopExecution aborts a waiting task and kills its token', async () => {
    const tokens: string[] = [];
    const ended: ExecutionEnd[] = [];
    const sfn = makeService(
      { openReview: (p) => void tokens.push(String(p.taskToken)) },
      { onExecutionEnd: (e) => ended.push(e) },
    );
    sfn.register({ name: 'stop', arn: smArn('stop'), definition: reviewDefinition({ End: true }) });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('stop'),
      input: '{"referralId":"R"}',
    });
    const token = await until(() => tokens[0]);
    sfn.stopExecution(executionArn, 'Withdrawn', 'referral withdrawn');
    const result = await sfn.waitFor(executionArn);
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'referral withdrawn' });
    expect(() => sfn.sendTaskSuccess(token, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(ended).toEqual([expect.objectContaining({ executionArn, status: 'ABORTED', transitions: 1 })]);
  });
});

describe('local Step Functions: bookkeeping', () => {
  it('counts transitions: every state entered (nested included) plus every retry', async () => {
    let calls = 0;
    const sfn = makeService({
      once: () => {
        calls++;
        if (calls === 1) throw new NamedError('TransientError', 'x');
        return 'ok';
      },
    });
    sfn.register({
      name: 'count',
      arn: smArn('count'),
      definition: {
        StartAt: 'Start',
        States: {
          Start: { Type: 'Pass', Next: 'Work' },
          Work: {
            Type: 'Task',
            Resource: fnArn('once'),
            Retry: [{ ErrorEquals: ['TransientError'] }],
            ResultPath: '$.work',
            Next: 'Both',
          },
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Left', States: { Left: { Type: 'Pass', End: true } } },
              { StartAt: 'Right', States: { Right: { Type: 'Wait', Seconds: 1, End: true } } },
            ],
            Next: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
    });
    const { executionArn, result } = await run(sfn, 'count');
    expect(result.status).toBe('SUCCEEDED');
    const history = sfn.getExecutionHistory(executionArn);
    // Start, Work, (retry), Both, Left, Right, Done
    expect(history.transitions).toBe(7);
    const entered = history.events.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.type);
    expect(entered).toEqual(
      expect.arrayContaining([
        'PassStateEntered',
        'TaskStateEntered',
        'ParallelStateEntered',
        'WaitStateEntered',
        'SucceedStateEntered',
      ]),
    );
    expect(history.events[0]?.type).toBe('ExecutionStarted');
    expect(history.events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('reports TIMED_OUT for a state machine TimeoutSeconds', async () => {
    const sfn = makeService({});
    sfn.register({
      name: 'slow',
      arn: smArn('slow'),
      definition: {
        TimeoutSeconds: 5,
        StartAt: 'Nap',
        States: { Nap: { Type: 'Wait', Seconds: 60, End: true } },
      },
    });
    const { result } = await run(sfn, 'slow');
    expect(result.status).toBe('TIMED_OUT');
  });

  it('waits for SecondsPath and lists executions by status', async () => {
    const sfn = makeService({});
    sfn.register({
      name: 'wait',
      arn: smArn('wait'),
      definition: { StartAt: 'Nap', States: { Nap: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
    });
    const started = Date.now();
    const { result } = await run(sfn, 'wait', { s: 5 }); // 50 ms scaled
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(parse(result.output)).toEqual({ s: 5 });
    const running = sfn.startExecution({ stateMachineArn: smArn('wait'), input: '{"s":100}' });
    expect(sfn.listExecutions(smArn('wait'), 'RUNNING').map((e) => e.executionArn)).toEqual([
      running.executionArn,
    ]);
    expect(sfn.listExecutions(smArn('wait'), 'SUCCEEDED').map((e) => e.executionArn)).toEqual([
      result.executionArn,
    ]);
    expect(sfn.listExecutions(smArn('wait'))).toHaveLength(2);
  });

  it('rejects definitions the local engine would run wrongly (JSONata, variables)', () => {
    const sfn = makeService({});
    const jsonata = { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    expect(() => sfn.register({ name: 'j', arn: smArn('j'), definition: jsonata })).toThrow(/JSONata/);
    const assign = { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { x: 1 }, End: true } } };
    expect(() => sfn.register({ name: 'a', arn: smArn('a'), definition: assign })).toThrow(/Assign/);
    const invalid = { StartAt: 'P', States: { P: { Type: 'Pass' } } };
    expect(() => sfn.register({ name: 'i', arn: smArn('i'), definition: invalid })).toThrow(/invalid/i);
  });
});

describe('local Step Functions: AWS JSON protocol with the real @aws-sdk/client-sfn', () => {
  const tokens: string[] = [];
  let server: Server;
  let client: SFNClient;
  let sfn: LocalStepFunctions;

  beforeAll(async () => {
    sfn = createLocalStepFunctions({
      timeScale: 0.01,
      async invokeLambda(_arn, payload) {
        tokens.push(String((payload as { taskToken?: string }).taskToken));
        return null;
      },
    });
    sfn.register({
      name: 'AuthorizationWorkflow',
      arn: smArn('AuthorizationWorkflow'),
      definition: {
        StartAt: 'Review',
        States: {
          Review: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn('openReview'), Payload: { 'taskToken.$': '$$.Task.Token' } },
            ResultPath: '$.decision',
            End: true,
          },
        },
      },
    });
    const serve = serveAwsJson(createSfnProtocolHandler(sfn));
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new SFNClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await sfn.shutdown();
    await new Promise((r) => server.close(r));
  });

  const errorName = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as Error).name;
    }
    return 'no error';
  };

  it('starts and completes a callback with SendTaskSuccess over the AWS protocol', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: smArn('AuthorizationWorkflow'),
        name: 'referral-R-100',
        input: '{"referralId":"R-100"}',
      }),
    );
    expect(started.executionArn).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:AuthorizationWorkflow:referral-R-100',
    );
    expect(started.startDate).toBeInstanceOf(Date);
    const token = await until(() => tokens[0]);
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"outcome":"APPROVE"}' }));
    await sfn.waitFor(started.executionArn ?? '');
    expect(sfn.describeExecution(started.executionArn ?? '')).toMatchObject({
      status: 'SUCCEEDED',
      name: 'referral-R-100',
      input: '{"referralId":"R-100"}',
      output: JSON.stringify({ referralId: 'R-100', decision: { outcome: 'APPROVE' } }),
    });
  });

  it('surfaces AWS error names: TaskTimedOut, InvalidToken, StateMachineDoesNotExist', async () => {
    const deadToken = tokens[0] ?? '';
    expect(
      await errorName(client.send(new SendTaskSuccessCommand({ taskToken: deadToken, output: '{}' }))),
    ).toBe('TaskTimedOut');
    expect(
      await errorName(client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))),
    ).toBe('InvalidToken');
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: smArn('Nope') })))).toBe(
      'StateMachineDoesNotExist',
    );
  });

  it('is idempotent for the same name and input while running; otherwise ExecutionAlreadyExists', async () => {
    const start = (input: string) =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: smArn('AuthorizationWorkflow'),
          name: 'referral-R-200',
          input,
        }),
      );
    const first = await start('{"referralId":"R-200"}');
    const again = await start('{"referralId":"R-200"}');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(await errorName(start('{"referralId":"other"}'))).toBe('ExecutionAlreadyExists');
    // AWS: once the execution is closed the name is taken, whatever the input.
    sfn.stopExecution(first.executionArn ?? '');
    expect(await errorName(start('{"referralId":"R-200"}'))).toBe('ExecutionAlreadyExists');
    expect(sfn.describeExecution(first.executionArn ?? '').status).toBe('ABORTED');
  });
});

describe('local Step Functions: a CDK-synthesized definition', () => {
  it('runs LambdaInvoke (payloadResponseOnly, default, waitForTaskToken) as CDK renders them', async () => {
    const cdk = await import('aws-cdk-lib');
    const { aws_lambda: lambda, aws_stepfunctions: sfnCdk, aws_stepfunctions_tasks: tasks } = cdk;
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'Probe');
    const fn = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => null'),
      });
    const plain = new tasks.LambdaInvoke(stack, 'Plain', {
      lambdaFunction: fn('PlainFn'),
      payloadResponseOnly: true,
      resultPath: '$.plain',
    });
    const full = new tasks.LambdaInvoke(stack, 'Full', {
      lambdaFunction: fn('FullFn'),
      resultPath: '$.full',
    });
    const review = new tasks.LambdaInvoke(stack, 'Review', {
      lambdaFunction: fn('ReviewFn'),
      integrationPattern: sfnCdk.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfnCdk.TaskInput.fromObject({
        taskToken: sfnCdk.JsonPath.taskToken,
        referralId: sfnCdk.JsonPath.stringAt('$.referralId'),
      }),
      taskTimeout: sfnCdk.Timeout.at('$.reviewSeconds'),
      resultPath: '$.decision',
    });
    const workflow = new sfnCdk.StateMachine(stack, 'Workflow', {
      definitionBody: sfnCdk.DefinitionBody.fromChainable(plain.next(full).next(review)),
    });
    // The template's DefinitionString, without a (slow) full synth of the cloud assembly.
    const cfn = workflow.node.defaultChild as InstanceType<typeof sfnCdk.CfnStateMachine>;
    const definitionString: unknown = stack.resolve(cfn.definitionString);
    // Resolve the intrinsics the way the local runner does: GetAtt Arn → a local function ARN.
    const resolve = (v: unknown): string => {
      if (typeof v === 'string') return v;
      const o = v as Record<string, unknown>;
      if (o['Fn::Join']) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(resolve).join(sep);
      }
      if (o.Ref === 'AWS::Partition') return 'aws';
      if (o['Fn::GetAtt']) return fnArn((o['Fn::GetAtt'] as string[])[0] ?? '');
      throw new Error(`unresolved ${JSON.stringify(v)}`);
    };
    const definition = JSON.parse(resolve(definitionString)) as {
      States: Record<string, { Resource: string; TimeoutSecondsPath?: string }>;
    };
    expect(definition.States.Plain?.Resource).toMatch(
      /^arn:aws:lambda:us-east-1:000000000000:function:PlainFn/,
    );
    expect(definition.States.Full?.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(definition.States.Review?.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(definition.States.Review?.TimeoutSecondsPath).toBe('$.reviewSeconds');

    const tokens: string[] = [];
    const sfn = createLocalStepFunctions({
      timeScale: 0.01,
      async invokeLambda(arn, payload) {
        if (arn.includes('ReviewFn')) tokens.push(String((payload as { taskToken: string }).taskToken));
        return { from: arn.split(':function:')[1]?.replace(/[A-F0-9]{8}$/, '') };
      },
    });
    services.push(sfn);
    sfn.register({ name: 'Workflow', arn: smArn('Workflow'), definition });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('Workflow'),
      input: '{"referralId":"R-5","reviewSeconds":100}',
    });
    sfn.sendTaskSuccess(await until(() => tokens[0]), '{"outcome":"APPROVE"}');
    const result = await sfn.waitFor(executionArn);
    expect(result.status).toBe('SUCCEEDED');
    const output = parse(result.output) as Record<string, Record<string, unknown>>;
    expect(output.plain).toEqual({ from: 'PlainFn' });
    expect(output.full).toMatchObject({ StatusCode: 200, Payload: { from: 'FullFn' } });
    expect(output.decision).toEqual({ outcome: 'APPROVE' });
  }, 20_000);
});

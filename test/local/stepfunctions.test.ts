import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSfnProtocolHandler, serveAwsJson } from '../../infra/local/sfn-endpoint.js';
import {
  createLocalStepFunctions,
  type ExecutionDescription,
  installLongTimers,
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
} from '../../infra/local/stepfunctions.js';

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const smArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const DAY_MS = 24 * 3600 * 1000;

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Fn = (payload: Record<string, unknown>) => unknown;

const services: LocalStepFunctions[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

/** A service whose Lambdas are the given in-process functions (looked up by function name). */
function makeService(fns: Record<string, Fn>, extra: Partial<LocalStepFunctionsOptions> = {}) {
  const service = createLocalStepFunctions({
    timeScale: 0.01,
    async invokeLambda(arn, payload) {
      const fn = fns[arn.split(':function:')[1] ?? arn];
      if (!fn) throw new NamedError('ResourceNotFoundException', `no function ${arn}`);
      return fn(payload as Record<string, unknown>);
    },
    ...extra,
  });
  services.push(service);
  return service;
}

async function until<T>(probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function run(sfn: LocalStepFunctions, definition: unknown, input: unknown = {}) {
  const name = `sm-${services.length}-${Math.random().toString(36).slice(2)}`;
  sfn.register({ name, arn: smArn(name), definition });
  const { executionArn } = sfn.startExecution({ stateMachineArn: smArn(name), input: JSON.stringify(input) });
  return { executionArn, result: await sfn.waitFor(executionArn) };
}

const parse = (s: string | undefined): unknown => JSON.parse(s ?? 'null');
const RETRY = [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }];

/** A review task as the templates write it: the Lambda stores the token (in a review record). */
const review = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: CALLBACK,
  Parameters: {
    FunctionName: fnArn('openReview'),
    Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' },
  },
  ResultPath: '$.decision',
  ...extra,
});

describe('local Step Functions: the synthesized definitions run unmodified on aws-local-stepfunctions', () => {
  it('routes on a Choice to Succeed or to a Fail with its error', async () => {
    const sfn = makeService({ evaluate: (p) => ({ next: p.complete ? 'DONE' : 'BAD' }) });
    const definition = {
      StartAt: 'Evaluate',
      States: {
        Evaluate: { Type: 'Task', Resource: fnArn('evaluate'), ResultPath: '$.evaluation', Next: 'Route?' },
        'Route?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.evaluation.next', StringEquals: 'DONE', Next: 'Done' }],
          Default: 'Failed',
        },
        Done: { Type: 'Succeed' },
        Failed: { Type: 'Fail', Error: 'DeterminationFailed' },
      },
    };
    const ok = await run(sfn, definition, { complete: true });
    expect(ok.result.status).toBe('SUCCEEDED');
    expect(parse(ok.result.output)).toEqual({ complete: true, evaluation: { next: 'DONE' } });
    const failed = await run(sfn, definition, { complete: false });
    expect(failed.result).toMatchObject({ status: 'FAILED', error: 'DeterminationFailed' });
    expect(failed.result.cause).toBeUndefined();
  });

  it('retries a transient error at the scaled interval and counts each retry as a transition', async () => {
    const calls: number[] = [];
    const sfn = makeService({
      flaky: () => {
        calls.push(Date.now());
        if (calls.length < 3) throw new NamedError('TransientError', 'try again');
        return { ok: true };
      },
    });
    const { executionArn, result } = await run(sfn, {
      StartAt: 'Flaky',
      States: { Flaky: { Type: 'Task', Resource: fnArn('flaky'), Retry: RETRY, End: true } },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(parse(result.output)).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    // 1 s on AWS, 10 ms at timeScale 0.01 (not the 1 s the definition says).
    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(9);
    expect((calls[2] ?? 0) - (calls[0] ?? 0)).toBeLessThan(900);
    expect(sfn.getExecutionHistory(executionArn).transitions).toBe(3); // 1 state entered + 2 retries
  });

  it('fails when retries are exhausted, with the Lambda error as AWS reports it', async () => {
    let calls = 0;
    const sfn = makeService({
      flaky: () => {
        calls += 1;
        throw new NamedError('TransientError', 'still down');
      },
    });
    const { result } = await run(sfn, {
      StartAt: 'Flaky',
      States: { Flaky: { Type: 'Task', Resource: fnArn('flaky'), Retry: RETRY, End: true } },
    });
    expect(calls).toBe(4);
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'TransientError',
      cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'still down' }),
    });
  });

  it('catches a named domain error into ResultPath without retrying it', async () => {
    let calls = 0;
    const sfn = makeService({
      evaluate: () => {
        calls += 1;
        throw new NamedError('ValidationError', 'bad referral');
      },
      recordFailure: (p) => ({ recorded: (p.failure as { Error: string }).Error }),
    });
    const { result } = await run(sfn, {
      StartAt: 'Evaluate',
      States: {
        Evaluate: {
          Type: 'Task',
          Resource: fnArn('evaluate'),
          Retry: RETRY,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' }],
          End: true,
        },
        RecordFailure: { Type: 'Task', Resource: fnArn('recordFailure'), End: true },
      },
    });
    expect(calls).toBe(1);
    expect(parse(result.output)).toEqual({ recorded: 'ValidationError' });
  });

  it('sends an SQS message with the body its Parameters resolve to', async () => {
    const sent: { queue: string; body: string }[] = [];
    const sendSqsMessage = async (queue: string, body: string) => {
      sent.push({ queue, body });
      return { MessageId: 'm-1', MD5OfMessageBody: 'md5' };
    };
    const sfn = makeService({}, { sendSqsMessage });
    const { result } = await run(
      sfn,
      {
        StartAt: 'DeadLetter',
        States: {
          DeadLetter: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: {
              QueueUrl: 'http://127.0.0.1/000000000000/Dlq',
              MessageBody: { 'reason.$': '$.error.Cause', 'event.$': '$$.Execution.Input' },
            },
            ResultPath: '$.sent',
            End: true,
          },
        },
      },
      { error: { Cause: 'no visit' } },
    );
    expect(sent).toEqual([
      {
        queue: 'http://127.0.0.1/000000000000/Dlq',
        body: JSON.stringify({ reason: 'no visit', event: { error: { Cause: 'no visit' } } }),
      },
    ]);
    // The task's result is the queue's SendMessage answer, as on AWS.
    expect(parse(result.output)).toMatchObject({ sent: { MessageId: 'm-1', MD5OfMessageBody: 'md5' } });
  });

  it('refuses definitions outside what the local stack supports', () => {
    const sfn = makeService({});
    const register = (state: Record<string, unknown>) => () =>
      sfn.register({ name: 'x', arn: smArn('x'), definition: { StartAt: 'S', States: { S: state } } });
    expect(register({ Type: 'Wait', Seconds: 5, End: true })).toThrow(/type Wait is not run locally/);
    expect(register({ Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', End: true })).toThrow(
      /resource arn:aws:states:::events:putEvents is not run locally/,
    );
    expect(register(review({ HeartbeatSeconds: 60, End: true }))).toThrow(/heartbeats/);
  });
});

describe('local Step Functions: callbacks (.waitForTaskToken)', () => {
  it('gives each task its own token; a used token is dead', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'two',
      arn: smArn('two'),
      definition: {
        StartAt: 'First',
        States: {
          First: review({ ResultPath: '$.first', Next: 'Second' }),
          Second: review({ ResultPath: '$.second', End: true }),
        },
      },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: smArn('two') });
    const first = await until(() => tokens[0]);
    sfn.sendTaskSuccess(first, '{"n":1}');
    const second = await until(() => tokens[1]);
    expect(second).not.toBe(first);
    expect(() => sfn.sendTaskSuccess(first, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(() => sfn.sendTaskSuccess('not-a-token', '{}')).toThrow(
      expect.objectContaining({ name: 'InvalidToken' }),
    );
    expect(() => sfn.sendTaskSuccess(second, 'not json')).toThrow(
      expect.objectContaining({ name: 'InvalidOutput' }),
    );
    sfn.sendTaskSuccess(second, '{"n":2}');
    const result = await sfn.waitFor(executionArn);
    expect(parse(result.output)).toEqual({ first: { n: 1 }, second: { n: 2 } });
  });

  it('fails the task when the Lambda that opens it fails, and a retry gets a new token', async () => {
    const tokens: string[] = [];
    const sfn = makeService({
      openReview: (p) => {
        tokens.push(String(p.taskToken));
        if (tokens.length === 1) throw new NamedError('TransientError', 'table busy');
      },
    });
    sfn.register({
      name: 'retry',
      arn: smArn('retry'),
      definition: { StartAt: 'R', States: { R: review({ Retry: RETRY, End: true }) } },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: smArn('retry') });
    const second = await until(() => tokens[1]);
    expect(second).not.toBe(tokens[0]);
    expect(() => sfn.sendTaskSuccess(tokens[0] ?? '', '{}')).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    sfn.sendTaskSuccess(second, '{"outcome":"APPROVE"}');
    expect((await sfn.waitFor(executionArn)).status).toBe('SUCCEEDED');
  });

  it('times out (TimeoutSeconds, scaled) into a Catch on States.Timeout; the old token is dead', async () => {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) });
    sfn.register({
      name: 'timeout',
      arn: smArn('timeout'),
      definition: {
        StartAt: 'OpenReview',
        States: {
          // 86400 s on AWS; 864 s at timeScale 0.01 would be too long here: 50 s → 0.5 s.
          OpenReview: review({
            TimeoutSeconds: 50,
            Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Escalated' }],
            End: true,
          }),
          Escalated: review({ End: true }),
        },
      },
    });
    const started = Date.now();
    const { executionArn } = sfn.startExecution({
      stateMachineArn: smArn('timeout'),
      input: '{"referralId":"R-9"}',
    });
    const first = await until(() => tokens[0]);
    const second = await until(() => tokens[1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(() => sfn.sendTaskSuccess(first, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    sfn.sendTaskSuccess(second, '{"outcome":"APPROVE"}');
    const result = await sfn.waitFor(executionArn);
    expect(parse(result.output)).toMatchObject({
      referralId: 'R-9',
      timeout: { Error: 'States.Timeout' },
      decision: { outcome: 'APPROVE' },
    });
  });

  it('takes the timeout from TimeoutSecondsPath against the state input, and keeps the Payload as written', async () => {
    const payloads: Record<string, unknown>[] = [];
    const sfn = makeService({ openReview: (p) => void payloads.push(p) });
    const definition = {
      StartAt: 'OpenReview',
      States: {
        OpenReview: review({
          TimeoutSecondsPath: '$.evaluation.reviewTimeoutSeconds',
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' }],
          End: true,
        }),
        TimedOut: { Type: 'Succeed' },
      },
    };
    const { result } = await run(sfn, definition, { evaluation: { reviewTimeoutSeconds: 20 } });
    expect(parse(result.output)).toMatchObject({ timeout: { Error: 'States.Timeout' } });
    expect(Object.keys(payloads[0] ?? {})).toEqual(['state', 'taskToken']);
    const invalid = await run(sfn, definition, { evaluation: { reviewTimeoutSeconds: 0 } });
    expect(invalid.result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('waits without the library default timeout, and a 30-day timeout fires after 30 days', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    // Over the fake timers, which overflow past 2^31-1 ms as Node's do; put back before they uninstall.
    const fake = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    installLongTimers();
    try {
      await thirtyDaysAndUntimed();
    } finally {
      Object.assign(globalThis, fake);
    }
  });

  async function thirtyDaysAndUntimed() {
    const tokens: string[] = [];
    const sfn = makeService({ openReview: (p) => void tokens.push(String(p.taskToken)) }, { timeScale: 1 });
    const started = (task: Record<string, unknown>) => {
      const name = `wait-${tokens.length}`;
      sfn.register({ name, arn: smArn(name), definition: { StartAt: 'R', States: { R: review(task) } } });
      return sfn.startExecution({ stateMachineArn: smArn(name) }).executionArn;
    };
    const untimed = started({ End: true });
    sfn.register({
      name: 'appeal',
      arn: smArn('appeal'),
      definition: {
        StartAt: 'R',
        States: {
          R: review({
            TimeoutSecondsPath: '$.reviewTimeoutSeconds',
            Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Escalated' }],
            End: true,
          }),
          Escalated: { Type: 'Succeed' },
        },
      },
    });
    const thirtyDays = sfn.startExecution({
      stateMachineArn: smArn('appeal'),
      input: JSON.stringify({ reviewTimeoutSeconds: 30 * 24 * 3600 }),
    }).executionArn;
    await vi.advanceTimersByTimeAsync(25 * DAY_MS); // past setTimeout's ~24.8 days
    const status = (arn: string) => sfn.describeExecution(arn).status;
    expect([status(untimed), status(thirtyDays)]).toEqual(['RUNNING', 'RUNNING']);
    await vi.advanceTimersByTimeAsync(5 * DAY_MS + 1000);
    expect(status(thirtyDays)).toBe('SUCCEEDED');
    expect(parse(sfn.describeExecution(thirtyDays).output)).toMatchObject({
      timeout: { Error: 'States.Timeout' },
    });
    expect(status(untimed)).toBe('RUNNING');
    sfn.sendTaskSuccess(tokens[0] ?? '', '{"outcome":"APPROVE"}');
    await vi.advanceTimersByTimeAsync(10);
    expect(status(untimed)).toBe('SUCCEEDED');
  }

  it('stopExecution aborts a waiting task and kills its token', async () => {
    const tokens: string[] = [];
    const ended: ExecutionDescription[] = [];
    const sfn = makeService(
      { openReview: (p) => void tokens.push(String(p.taskToken)) },
      { onExecutionEnd: (e) => ended.push(e) },
    );
    sfn.register({
      name: 'stop',
      arn: smArn('stop'),
      definition: { StartAt: 'R', States: { R: review({ End: true }) } },
    });
    const { executionArn } = sfn.startExecution({ stateMachineArn: smArn('stop') });
    const token = await until(() => tokens[0]);
    sfn.stopExecution(executionArn, 'Withdrawn', 'referral withdrawn');
    const result = await sfn.waitFor(executionArn);
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'referral withdrawn' });
    expect(() => sfn.sendTaskSuccess(token, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(ended).toEqual([expect.objectContaining({ executionArn, status: 'ABORTED' })]);
    expect(sfn.listExecutions(smArn('stop')).map((e) => e.executionArn)).toEqual([executionArn]);
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
      definition: { StartAt: 'Review', States: { Review: review({ End: true }) } },
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

  const errorName = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (err: Error) => err.name,
    );

  it('starts and completes a callback with SendTaskSuccess', async () => {
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
    expect(await sfn.waitFor(started.executionArn ?? '')).toMatchObject({
      status: 'SUCCEEDED',
      output: JSON.stringify({ referralId: 'R-100', decision: { outcome: 'APPROVE' } }),
    });
  });

  it('surfaces AWS error names: TaskTimedOut, InvalidToken, StateMachineDoesNotExist', async () => {
    const send = (taskToken: string) => client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    expect(await errorName(send(tokens[0] ?? ''))).toBe('TaskTimedOut');
    expect(await errorName(send('not-a-token'))).toBe('InvalidToken');
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: smArn('Nope') })))).toBe(
      'StateMachineDoesNotExist',
    );
  });

  it('is idempotent for the same name and input while running; otherwise ExecutionAlreadyExists', async () => {
    const start = (input: string) =>
      client.send(
        new StartExecutionCommand({ stateMachineArn: smArn('AuthorizationWorkflow'), name: 'R-200', input }),
      );
    const first = await start('{"referralId":"R-200"}');
    const again = await start('{"referralId":"R-200"}');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(await errorName(start('{"referralId":"other"}'))).toBe('ExecutionAlreadyExists');
    // AWS: once the execution is closed the name is taken, whatever the input.
    sfn.stopExecution(first.executionArn ?? '');
    expect(await errorName(start('{"referralId":"R-200"}'))).toBe('ExecutionAlreadyExists');
  });
});

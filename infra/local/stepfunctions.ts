// The local Step Functions: runs the synthesized definitions on aws-local-stepfunctions, performing the
// Task resources the templates use (supported.ts) as taskResourceLocalHandlers: Lambda functions, the
// callback (.waitForTaskToken) with one token per task, and sqs:sendMessage.
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { SUPPORTED } from './supported.js';

// Node 20 lacks Promise.withResolvers (added in Node 22); the library calls it for every Task state.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  input: string;
  output?: string;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
}

export interface LocalStepFunctionsOptions {
  /** Runs the in-process handler; a thrown error's `name` plays the Lambda's errorType. */
  invokeLambda(functionArnOrName: string, payload: unknown): Promise<unknown>;
  /** Resolves to the SendMessage answer (MessageId, MD5OfMessageBody), the task's result as on AWS. */
  sendSqsMessage?(queueUrlOrArn: string, body: string): Promise<unknown>;
  onExecutionEnd?(e: ExecutionDescription): void;
  /** Multiplies task timeouts and Retry intervals; tests use e.g. 0.01. */
  timeScale?: number;
}

export type LocalStepFunctions = ReturnType<typeof createLocalStepFunctions>;

/**
 * An API error (`name` is the AWS error code: ExecutionAlreadyExists, TaskTimedOut, ...), or a task's
 * error thrown into the library, which matches Retry/Catch on `name` and reports `message` as the Cause.
 */
export class SfnServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// setTimeout fires at once past 2^31-1 ms (~24.8 days) and the library arms one per Task: past that,
// timers in this process re-arm until due, so a 30-day appeal review times out after 30 days.
const MAX_DELAY_MS = 2 ** 31 - 1;
const longTimers = new WeakMap<object, NodeJS.Timeout>();

/** Makes the current global setTimeout/clearTimeout re-arm past MAX_DELAY_MS (once; tests reapply it over fake timers). */
export function installLongTimers(): void {
  const set = globalThis.setTimeout;
  const clear = globalThis.clearTimeout;
  if ((set as { rearms?: boolean }).rearms) return;
  const setLong = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (!(Number(ms) > MAX_DELAY_MS)) return set(fn, ms, ...args);
    const handle = {};
    const due = Date.now() + Number(ms);
    const arm = () => {
      const left = due - Date.now();
      longTimers.set(handle, set(left > 0 ? arm : () => fn(...args), Math.min(left, MAX_DELAY_MS)));
    };
    arm();
    return handle;
  };
  globalThis.setTimeout = Object.assign(setLong, set, { rearms: true }) as typeof setTimeout;
  globalThis.clearTimeout = ((h?: NodeJS.Timeout) =>
    clear(longTimers.get(h as object) ?? h)) as typeof clearTimeout;
}
installLongTimers();

const AWS_MAX_TIMEOUT_SECONDS = 99_999_999;
const TOKEN_RE = /^ltt1-[0-9a-f]{64}$/;
const LAMBDA_ARN_RE = /^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+$/;
/** Where a TimeoutSecondsPath's value rides in the resolved Parameters (see prepare). */
const TIMEOUT_KEY = 'Local.TimeoutSeconds';

/** States.Runtime: neither retried nor caught, as on AWS. */
class RuntimeError extends SfnServiceError {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(cause: string) {
    super('States.Runtime', cause);
  }
}

/** The Lambda-style error: name = errorType, Cause = `{"errorType","errorMessage"}` as AWS reports it. */
function lambdaError(err: unknown): SfnServiceError {
  const errorType = err instanceof Error && err.name ? err.name : 'Error';
  const errorMessage = err instanceof Error ? err.message : String(err);
  return new SfnServiceError(errorType, JSON.stringify({ errorType, errorMessage }));
}

function parseJson(text: string, error: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SfnServiceError(error, `${what}: not valid JSON`);
  }
}

/** JSON round trip: what a value looks like after crossing a service boundary (undefined → null). */
const toJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

/** The token `$$.Task.Token` resolved to, wherever the task's Parameters put it. */
function findToken(value: unknown): string | undefined {
  if (typeof value === 'string') return TOKEN_RE.test(value) ? value : undefined;
  if (value && typeof value === 'object') return Object.values(value).map(findToken).find(Boolean);
  return undefined;
}

type Obj = Record<string, unknown>;
type Overrides = NonNullable<RunOptions['overrides']>;
type Handlers = NonNullable<Overrides['taskResourceLocalHandlers']>;

interface TaskSpec {
  resource: string;
  timeoutSeconds?: number;
  timeoutFromPath: boolean;
}

/**
 * Validates a definition against what the local stack supports and hands the library a copy whose
 * Task timeouts are ours; everything else runs as written.
 */
function prepare(name: string, arn: string, definition: unknown, timeScale: number) {
  const copy = structuredClone(typeof definition === 'string' ? JSON.parse(definition) : definition) as {
    States?: Record<string, Obj>;
  };
  const tasks = new Map<string, TaskSpec>();
  const retryIntervalOverrides: Record<string, number[]> = {};
  for (const [stateName, state] of Object.entries(copy.States ?? {})) {
    const invalid = (why: string) => new SfnServiceError('InvalidDefinition', `State '${stateName}': ${why}`);
    if (!(SUPPORTED.stateTypes as readonly unknown[]).includes(state.Type))
      throw invalid(`type ${String(state.Type)} is not run locally (supported.ts)`);
    // The library's backoff is not scaled: scaled runs retry at each retrier's first interval.
    if (Array.isArray(state.Retry) && timeScale !== 1)
      retryIntervalOverrides[stateName] = (state.Retry as Obj[]).map(
        (r) => (typeof r.IntervalSeconds === 'number' ? r.IntervalSeconds : 1) * 1000 * timeScale,
      );
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    if (!LAMBDA_ARN_RE.test(resource) && !(SUPPORTED.taskResources as readonly string[]).includes(resource))
      throw invalid(`resource ${resource} is not run locally (supported.ts)`);
    if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state)
      throw invalid('heartbeats are not run locally');
    const spec: TaskSpec = { resource, timeoutFromPath: typeof state.TimeoutSecondsPath === 'string' };
    if (typeof state.TimeoutSeconds === 'number') spec.timeoutSeconds = state.TimeoutSeconds;
    if (spec.timeoutFromPath) {
      if (!state.Parameters || typeof state.Parameters !== 'object')
        throw invalid('TimeoutSecondsPath needs Parameters locally');
      // The library resolves TimeoutSecondsPath against the Parameters' output, AWS against the state input.
      state.Parameters = { ...(state.Parameters as Obj), [`${TIMEOUT_KEY}.$`]: state.TimeoutSecondsPath };
      delete state.TimeoutSecondsPath;
    }
    // The library's own task timer cannot follow timeScale (and defaults to 60 s): ours runs instead.
    state.TimeoutSeconds = 10 * AWS_MAX_TIMEOUT_SECONDS;
    tasks.set(stateName, spec);
  }
  const machine = new StateMachine(copy as unknown as StateMachineDefinition);
  return { name, arn, machine, tasks, retryIntervalOverrides };
}

type PreparedMachine = ReturnType<typeof prepare>;

interface ExecutionRecord extends ExecutionDescription {
  transitions: number;
  /** Cancels what the execution still waits for (callbacks, timers) when it ends. */
  pending: Set<(err: Error) => void>;
  abort?: () => void;
  done: Promise<ExecutionDescription>;
}

// The rest of a destructuring is a fresh object: the description is a copy.
const describe = ({ transitions, pending, abort, done, ...d }: ExecutionRecord): ExecutionDescription => d;

export function createLocalStepFunctions(opts: LocalStepFunctionsOptions) {
  const timeScale = opts.timeScale ?? 1;
  const machines = new Map<string, PreparedMachine>();
  const executions = new Map<string, ExecutionRecord>();
  const callbacks = new Map<string, (output: unknown) => void>();

  function getExecution(arn: string): ExecutionRecord {
    const e = executions.get(arn);
    if (!e) throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  function getMachine(arn: string): PreparedMachine {
    const sm = machines.get(arn);
    if (!sm) throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return sm;
  }

  async function invoke(functionArn: unknown, payload: unknown): Promise<unknown> {
    try {
      return toJson(await opts.invokeLambda(String(functionArn), toJson(payload)));
    } catch (err) {
      throw lambdaError(err);
    }
  }

  /** One attempt of a Task state (a retry is a new attempt, with a new token). */
  function runTask(exec: ExecutionRecord, stateName: string, spec: TaskSpec, resolved: unknown) {
    const { [TIMEOUT_KEY]: pathTimeout, ...rest } = spec.timeoutFromPath ? (resolved as Obj) : {};
    const params = (spec.timeoutFromPath ? rest : resolved) as Obj;
    const seconds = spec.timeoutFromPath ? pathTimeout : spec.timeoutSeconds;
    if (seconds !== undefined && !(Number.isInteger(seconds) && (seconds as number) > 0))
      return Promise.reject(new RuntimeError(`TimeoutSecondsPath resolved to ${JSON.stringify(seconds)}`));
    const callback = spec.resource.endsWith('.waitForTaskToken');
    const token = callback ? findToken(params) : undefined;
    if (callback && !token)
      return Promise.reject(new RuntimeError(`Task '${stateName}' does not pass $$.Task.Token`));

    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        exec.pending.delete(cancel);
        if (token) callbacks.delete(token); // the token is dead from now on
        settle();
      };
      const cancel = (err: Error) => finish(() => reject(err));
      const timedOut = () =>
        cancel(new SfnServiceError('States.Timeout', `Task '${stateName}' timed out after ${seconds} s`));
      const timer =
        seconds === undefined ? undefined : setTimeout(timedOut, Number(seconds) * 1000 * timeScale);
      exec.pending.add(cancel);
      // Registered before the request: the Lambda may answer before its own invocation returns.
      if (token) callbacks.set(token, (output) => finish(() => resolve(output)));
      perform(spec.resource, params).then((result) => {
        if (!callback) finish(() => resolve(result));
      }, cancel);
    });
  }

  async function perform(resource: string, p: Obj): Promise<unknown> {
    if (LAMBDA_ARN_RE.test(resource)) return invoke(resource, p);
    if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      // The function's result is not the task's: that comes with SendTaskSuccess.
      await invoke(p.FunctionName, p.Payload ?? {});
      return undefined;
    }
    // arn:aws:states:::sqs:sendMessage
    if (!opts.sendSqsMessage) throw new RuntimeError('sqs:sendMessage is not configured');
    const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody);
    return opts.sendSqsMessage(String(p.QueueUrl), body);
  }

  function end(exec: ExecutionRecord, fields: Partial<ExecutionRecord>) {
    if (exec.status === 'RUNNING') Object.assign(exec, fields, { stopDate: new Date() });
  }

  function launch(exec: ExecutionRecord, sm: PreparedMachine, input: unknown, resolveDone: () => void) {
    const handlers: Handlers = {};
    for (const [stateName, spec] of sm.tasks) {
      handlers[stateName] = ((params: unknown) => runTask(exec, stateName, spec, params)) as Handlers[string];
    }
    const run = sm.machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: sm.retryIntervalOverrides },
      context: {
        Execution: { Id: exec.executionArn, Name: exec.name },
        // Read once per `$$.Task.Token` in a task's Parameters: each task attempt gets its own token.
        Task: {
          get Token() {
            return `ltt1-${randomUUID().replaceAll('-', '')}${randomUUID().replaceAll('-', '')}`;
          },
        },
      },
    });
    exec.abort = run.abort;
    const counted = (async () => {
      for await (const ev of run.eventLogs)
        if (ev.type === 'StateEntered' || ev.type === 'StateRetried') exec.transitions += 1;
    })().catch(() => {});
    const settled = run.result.then(
      (output) => end(exec, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) }),
      (err: unknown) => {
        if (err instanceof ExecutionAbortedError) return end(exec, { status: 'ABORTED' });
        const cause =
          err instanceof ExecutionError && err.cause instanceof Error ? err.cause : (err as Error);
        // A Fail state without Error or Cause reports none; the library fills in placeholders.
        end(exec, {
          status: 'FAILED',
          error: cause.name === 'FailStateError' ? undefined : cause.name,
          cause: cause.message === 'Execution failed because of a Fail state' ? undefined : cause.message,
        });
      },
    );
    void Promise.all([settled, counted]).then(() => {
      // Whatever still waits dies with the execution.
      for (const cancel of [...exec.pending]) cancel(new RuntimeError('Execution ended'));
      resolveDone();
      opts.onExecutionEnd?.(describe(exec));
    });
  }

  function stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const exec = getExecution(executionArn);
    if (exec.status === 'RUNNING') {
      end(exec, { status: 'ABORTED', error, cause });
      exec.abort?.();
      for (const cancel of [...exec.pending]) cancel(new RuntimeError('Execution was stopped'));
    }
    return { stopDate: exec.stopDate ?? new Date() };
  }

  return {
    register({ name, arn, definition }: { name: string; arn: string; definition: unknown }) {
      machines.set(arn, prepare(name, arn, definition, timeScale));
    },

    // Names and inputs come from our own handlers (referral and appeal ids, small JSON): not validated.
    startExecution({
      stateMachineArn,
      name,
      input,
    }: {
      stateMachineArn: string;
      name?: string;
      input?: string;
    }) {
      const sm = getMachine(stateMachineArn);
      const executionName = name ?? randomUUID();
      const inputText = input ?? '{}';
      const parsed = parseJson(inputText, 'InvalidExecutionInput', 'Invalid State Machine Execution Input');
      const executionArn = `${sm.arn.replace(':stateMachine:', ':execution:')}:${executionName}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // AWS (Standard): the same name and input while RUNNING is idempotent; otherwise a conflict.
        if (existing.status === 'RUNNING' && existing.input === inputText)
          return { executionArn, startDate: existing.startDate };
        throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      let resolveDone!: () => void;
      const exec: ExecutionRecord = {
        executionArn,
        stateMachineArn,
        name: executionName,
        status: 'RUNNING',
        input: inputText,
        startDate: new Date(),
        transitions: 0,
        pending: new Set(),
        done: new Promise<void>((r) => {
          resolveDone = r;
        }).then(() => describe(exec)),
      };
      executions.set(executionArn, exec);
      // Like AWS, StartExecution answers before the first state runs.
      setImmediate(() => (exec.status === 'RUNNING' ? launch(exec, sm, parsed, resolveDone) : resolveDone()));
      return { executionArn, startDate: exec.startDate };
    },

    describeExecution: (executionArn: string) => describe(getExecution(executionArn)),

    stopExecution,

    sendTaskSuccess(taskToken: string, output: string) {
      if (!TOKEN_RE.test(taskToken)) throw new SfnServiceError('InvalidToken', 'Invalid token');
      const succeed = callbacks.get(taskToken);
      // A token never issued, or whose task already ended (success, timeout, stop).
      if (!succeed)
        throw new SfnServiceError('TaskTimedOut', 'Task Timed Out: the task for this token is not running');
      succeed(parseJson(output, 'InvalidOutput', 'Invalid Output'));
    },

    /** State transitions as AWS bills them: one per state entered plus one per retry. */
    getExecutionHistory: (executionArn: string) => ({ transitions: getExecution(executionArn).transitions }),

    listExecutions(stateMachineArn: string) {
      return [...executions.values()].filter((e) => e.stateMachineArn === stateMachineArn).map(describe);
    },

    waitFor: (executionArn: string) => getExecution(executionArn).done,

    async shutdown() {
      const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
      for (const exec of running)
        stopExecution(exec.executionArn, 'Local.Shutdown', 'The local stack stopped');
      await Promise.all(running.map((e) => e.done));
    },
  };
}

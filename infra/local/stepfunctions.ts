// A local Step Functions service: runs (synthesized) ASL definitions with aws-local-stepfunctions and
// adds what that library lacks — service integrations, the callback (.waitForTaskToken) pattern with
// one token per task, AWS-like task timeouts and heartbeats, execution bookkeeping and history.
import './polyfills.js';
import { createHash, randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface PutEventsRequestEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Resources?: string[];
}

export interface ExecutionEnd {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  transitions: number;
}

export interface LocalStepFunctionsOptions {
  /** Runs the in-process handler; a thrown error's `name` plays the Lambda's errorType. */
  invokeLambda(functionArnOrName: string, payload: unknown): Promise<unknown>;
  sendSqsMessage?(queueUrlOrArn: string, body: string): Promise<void>;
  /** May return a PutEvents response; a non-zero FailedEntryCount fails the task as on AWS. */
  putEvents?(entries: PutEventsRequestEntry[]): Promise<unknown>;
  onExecutionEnd?(e: ExecutionEnd): void;
  /** Multiplies every duration (Retry intervals, Wait, task timeouts, heartbeats); tests use e.g. 0.01. */
  timeScale?: number;
  region?: string;
  account?: string;
}

export interface StateMachineRegistration {
  name: string;
  arn: string;
  /** ASL (JSONPath) as an object or a JSON string, e.g. a resolved DefinitionString. */
  definition: unknown;
}

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  /** AWS-named details, e.g. `stateEnteredEventDetails: { name, input }`. */
  [details: string]: unknown;
}

export interface ExecutionHistory {
  events: HistoryEvent[];
  /** State transitions as AWS bills them: one per state entered (at any nesting depth) plus one per retry. */
  transitions: number;
}

export interface LocalStepFunctions {
  register(sm: StateMachineRegistration): void;
  startExecution(req: { stateMachineArn: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: Date;
  };
  describeExecution(executionArn: string): ExecutionDescription;
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date };
  sendTaskSuccess(taskToken: string, output: string): void;
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
  sendTaskHeartbeat(taskToken: string): void;
  getExecutionHistory(executionArn: string): ExecutionHistory;
  listExecutions(stateMachineArn: string, status?: ExecutionStatus): ExecutionDescription[];
  waitFor(executionArn: string): Promise<ExecutionDescription>;
  shutdown(): Promise<void>;
}

/** An API-level error; `name` is the AWS error code (ExecutionAlreadyExists, TaskTimedOut, ...). */
export class SfnServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// AWS's default task timeout is 99999999 s, but setTimeout overflows past 2^31-1 ms (~24.8 days, firing
// at once): every timer here is capped to that.
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
const MAX_TIMER_SECONDS = 2_147_483; // the library's own (displaced) task timer
const MAX_TIMER_MS = (MAX_TIMER_SECONDS - 1) * 1000; // ours, so that ours always fires first
const MAX_INPUT_BYTES = 256 * 1024;
const TOKEN_PREFIX = 'ltt1-';
const TOKEN_RE = /^ltt1-[0-9a-f]{64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS rejects control characters in execution names
const EXECUTION_NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

// ---------------------------------------------------------------------------------------------------
// Errors thrown into the library. It matches Retry/Catch on `error.name`, uses `error.message` as the
// Cause, and honours `isRetryable`/`isCatchable` (false for States.Runtime, as on AWS).

class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

class TerminalError extends TaskError {
  readonly isRetryable = false;
  readonly isCatchable = false;
}

const runtimeError = (cause: string) => new TerminalError('States.Runtime', cause);

// `States.TaskFailed` must not match a timeout; the library decides that with `instanceof` on its own
// (unexported) StatesTimeoutError class. Recover the class once from a 1 ms probe execution.
const makeTimeoutError: () => Error = await (async () => {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: { Probe: { Type: 'Task', Resource: 'local:probe', TimeoutSeconds: 0.001, End: true } },
    } as unknown as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run(null, {
    overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => {}) } },
  });
  try {
    await run.result;
  } catch (err) {
    const cause = err instanceof Error ? err.cause : undefined;
    if (cause instanceof Error && cause.name === 'States.Timeout') {
      const Ctor = cause.constructor as new () => Error;
      return () => new Ctor();
    }
  }
  return () => new TaskError('States.Timeout', 'States.Timeout');
})();

function timeoutError(cause: string): Error {
  const err = makeTimeoutError();
  err.message = cause;
  return err;
}

/** The Lambda-style error: name = errorType, Cause = `{"errorType","errorMessage"}` as AWS reports it. */
function lambdaError(err: unknown): TaskError {
  const errorType = err instanceof Error && err.name ? err.name : 'Error';
  const errorMessage = err instanceof Error ? err.message : String(err);
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage }));
}

// ---------------------------------------------------------------------------------------------------
// Definition preparation. The library gets a rewritten copy:
//  - every Task's Parameters are wrapped as {p: <Parameters or $>, t.$: TimeoutSecondsPath, h.$: ...}
//    so the library resolves paths against the state input and our handler sees all three;
//  - Wait states become Tasks run by our handler (dynamic waits are clamped and scaled, never overflow);
//  - its own 60 s default task timeout is pushed out of the way — our timers are authoritative;
//  - Retry intervals and static durations are scaled by timeScale.

type Obj = Record<string, unknown>;

interface TaskSpec {
  kind: 'task';
  resource: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

interface WaitSpec {
  kind: 'wait';
  seconds?: number;
  timestamp?: string;
}

type StateSpec = TaskSpec | WaitSpec;

interface PreparedMachine {
  name: string;
  arn: string;
  machine: StateMachine;
  specs: Map<string, StateSpec>;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const UNSUPPORTED_FIELDS = [
  'Assign',
  'Arguments',
  'Output',
  'Items',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
];

function prepareDefinition(definition: unknown, timeScale: number): Omit<PreparedMachine, 'name' | 'arn'> {
  const source: unknown = typeof definition === 'string' ? JSON.parse(definition) : definition;
  if (!isObj(source)) throw new SfnServiceError('InvalidDefinition', 'Definition must be a JSON object');
  if (source.QueryLanguage === 'JSONata') {
    throw new SfnServiceError(
      'InvalidDefinition',
      'JSONata definitions are not supported by the local engine',
    );
  }
  // Validate the definition as written (ARNs, paths) before we rewrite it.
  try {
    new StateMachine(source as unknown as StateMachineDefinition);
  } catch (err) {
    throw new SfnServiceError('InvalidDefinition', (err as Error).message);
  }

  const copy = structuredClone(source);
  const specs = new Map<string, StateSpec>();
  prepareStates(copy, specs, new Set(), timeScale);
  if (typeof copy.TimeoutSeconds === 'number') {
    copy.TimeoutSeconds = Math.min(copy.TimeoutSeconds * timeScale, MAX_TIMER_SECONDS);
  }
  const machine = new StateMachine(copy as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return { machine, specs };
}

function prepareStates(
  machine: Obj,
  specs: Map<string, StateSpec>,
  seen: Set<string>,
  timeScale: number,
): void {
  const states = machine.States;
  if (!isObj(states)) throw new SfnServiceError('InvalidDefinition', 'States must be an object');
  for (const [name, state] of Object.entries(states)) {
    if (!isObj(state)) continue;
    // Local handlers are keyed by state name, so names must be unique machine-wide (as ASL requires).
    if (seen.has(name)) throw new SfnServiceError('InvalidDefinition', `Duplicate state name '${name}'`);
    seen.add(name);
    const unsupported = UNSUPPORTED_FIELDS.filter((f) => f in state);
    if (state.QueryLanguage === 'JSONata' || unsupported.length > 0) {
      throw new SfnServiceError(
        'InvalidDefinition',
        `State '${name}' uses ${state.QueryLanguage === 'JSONata' ? 'JSONata' : unsupported.join(', ')}, ` +
          'which the local engine (JSONPath only) would silently ignore',
      );
    }
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry as Obj[]) {
        retrier.IntervalSeconds =
          (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * timeScale;
        if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds *= timeScale;
      }
    }
    switch (state.Type) {
      case 'Task':
        specs.set(name, prepareTask(state));
        break;
      case 'Wait':
        specs.set(name, prepareWait(state));
        break;
      case 'Parallel':
        for (const branch of (state.Branches as Obj[] | undefined) ?? [])
          prepareStates(branch, specs, seen, timeScale);
        break;
      case 'Map': {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (isObj(processor)) prepareStates(processor, specs, seen, timeScale);
        break;
      }
    }
  }
}

function prepareTask(state: Obj): TaskSpec {
  const spec: TaskSpec = { kind: 'task', resource: String(state.Resource) };
  if (typeof state.TimeoutSeconds === 'number') spec.timeoutSeconds = state.TimeoutSeconds;
  if (typeof state.HeartbeatSeconds === 'number') spec.heartbeatSeconds = state.HeartbeatSeconds;
  const wrapped: Obj = 'Parameters' in state ? { p: state.Parameters } : { 'p.$': '$' };
  if (typeof state.TimeoutSecondsPath === 'string') wrapped['t.$'] = state.TimeoutSecondsPath;
  if (typeof state.HeartbeatSecondsPath === 'string') wrapped['h.$'] = state.HeartbeatSecondsPath;
  state.Parameters = wrapped;
  state.TimeoutSeconds = MAX_TIMER_SECONDS;
  delete state.TimeoutSecondsPath;
  delete state.HeartbeatSeconds;
  delete state.HeartbeatSecondsPath;
  return spec;
}

function prepareWait(state: Obj): WaitSpec {
  const spec: WaitSpec = { kind: 'wait' };
  const wrapped: Obj = { 'p.$': '$' };
  if (typeof state.Seconds === 'number') spec.seconds = state.Seconds;
  if (typeof state.Timestamp === 'string') spec.timestamp = state.Timestamp;
  if (typeof state.SecondsPath === 'string') wrapped['s.$'] = state.SecondsPath;
  if (typeof state.TimestampPath === 'string') wrapped['ts.$'] = state.TimestampPath;
  for (const field of ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']) delete state[field];
  state.Type = 'Task';
  state.Resource = 'local:wait';
  state.Parameters = wrapped;
  state.TimeoutSeconds = MAX_TIMER_SECONDS;
  return spec;
}

// ---------------------------------------------------------------------------------------------------
// Task resources

type Resource =
  | { kind: 'lambda'; functionArn: string }
  | { kind: 'lambda:invoke'; callback: boolean }
  | { kind: 'sqs:sendMessage'; callback: boolean }
  | { kind: 'events:putEvents'; callback: boolean }
  | { kind: 'unsupported' };

const LAMBDA_ARN_RE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const OPTIMIZED_RE =
  /^arn:aws[a-z-]*:states:::(lambda:invoke|sqs:sendMessage|events:putEvents)(\.waitForTaskToken)?$/;

function classifyResource(resource: string): Resource {
  if (LAMBDA_ARN_RE.test(resource)) return { kind: 'lambda', functionArn: resource };
  const m = OPTIMIZED_RE.exec(resource);
  if (!m) return { kind: 'unsupported' };
  return {
    kind: m[1] as 'lambda:invoke' | 'sqs:sendMessage' | 'events:putEvents',
    callback: m[2] !== undefined,
  };
}

const sdkMetadata = () => {
  const requestId = randomUUID();
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: { 'X-Amzn-RequestId': [requestId] },
      HttpHeaders: { 'X-Amzn-RequestId': requestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
};

/** JSON round trip: what a result looks like after crossing a service boundary (undefined → null). */
const toJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

/** Replaces every occurrence of `from` inside strings of a JSON value (keys untouched). */
function replaceInStrings(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((v) => replaceInStrings(v, from, to));
  if (isObj(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceInStrings(v, from, to)]));
  }
  return value;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw runtimeError(`${what} must resolve to a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The service

interface PendingWork {
  /** Ends the work with an error (stop, execution end); no-op when already settled. */
  cancel(err: Error): void;
}

interface Callback {
  execution: ExecutionRecord;
  succeed(output: unknown): void;
  fail(err: Error): void;
  heartbeat(): void;
}

interface ExecutionRecord extends ExecutionDescription {
  history: HistoryEvent[];
  transitions: number;
  /** The single `$$.Task.Token` the library puts in the context; replaced per task before invoking. */
  contextToken: string;
  pending: Set<PendingWork>;
  abort?: () => void;
  done: Promise<ExecutionDescription>;
}

type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalHandler = LocalHandlers[string];
type JsonInput = Parameters<StateMachine['run']>[0];

const describe = (e: ExecutionRecord): ExecutionDescription => {
  const d: ExecutionDescription = {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    input: e.input,
    startDate: e.startDate,
  };
  if (e.output !== undefined) d.output = e.output;
  if (e.stopDate !== undefined) d.stopDate = e.stopDate;
  if (e.error !== undefined) d.error = e.error;
  if (e.cause !== undefined) d.cause = e.cause;
  return d;
};

export function createLocalStepFunctions(opts: LocalStepFunctionsOptions): LocalStepFunctions {
  const timeScale = opts.timeScale ?? 1;
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const machines = new Map<string, PreparedMachine>();
  const executions = new Map<string, ExecutionRecord>();
  const callbacks = new Map<string, Callback>();

  const timerMs = (seconds: number) => Math.max(0, Math.min(seconds * 1000 * timeScale, MAX_TIMER_MS));

  function getExecution(arn: string): ExecutionRecord {
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
      throw new SfnServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    const e = executions.get(arn);
    if (!e) throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  function getCallback(token: string): Callback {
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) {
      throw new SfnServiceError('InvalidToken', 'Invalid token');
    }
    const cb = callbacks.get(token);
    // A token we never issued, or whose task already ended (success, failure, timeout, stop).
    if (!cb)
      throw new SfnServiceError('TaskTimedOut', 'Task Timed Out: the task for this token is not running');
    return cb;
  }

  // Runs one attempt of a Task state (every retry is a new attempt with a fresh token).
  function runTask(
    exec: ExecutionRecord,
    stateName: string,
    spec: TaskSpec,
    wrapped: unknown,
  ): Promise<unknown> {
    if (exec.status !== 'RUNNING') return Promise.reject(runtimeError('Execution is no longer running'));
    const args = isObj(wrapped) ? wrapped : {};
    const resource = classifyResource(spec.resource);
    const callback = resource.kind !== 'lambda' && resource.kind !== 'unsupported' && resource.callback;
    let timeoutSeconds: number;
    let heartbeatSeconds: number | undefined;
    try {
      timeoutSeconds =
        spec.timeoutSeconds ??
        ('t' in args ? positiveInteger(args.t, 'TimeoutSecondsPath') : AWS_DEFAULT_TASK_TIMEOUT_SECONDS);
      heartbeatSeconds =
        spec.heartbeatSeconds ?? ('h' in args ? positiveInteger(args.h, 'HeartbeatSecondsPath') : undefined);
    } catch (err) {
      return Promise.reject(err);
    }
    const token = TOKEN_PREFIX + randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '');
    const params = replaceInStrings(args.p, exec.contextToken, token);

    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let heartbeatTimer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeoutTimer);
        clearTimeout(heartbeatTimer);
        exec.pending.delete(work);
        callbacks.delete(token); // the token is dead from now on
        settle();
      };
      const fail = (err: Error) => finish(() => reject(err));
      const work: PendingWork = { cancel: fail };
      const timeoutTimer = setTimeout(
        () => fail(timeoutError(`Task '${stateName}' did not complete within ${timeoutSeconds} s`)),
        timerMs(timeoutSeconds),
      );
      const armHeartbeat = () => {
        if (heartbeatSeconds === undefined) return;
        clearTimeout(heartbeatTimer);
        heartbeatTimer = setTimeout(
          () =>
            fail(
              new TaskError(
                'States.HeartbeatTimeout',
                `No heartbeat for task '${stateName}' within ${heartbeatSeconds} s`,
              ),
            ),
          timerMs(heartbeatSeconds),
        );
      };
      exec.pending.add(work);
      if (callback) {
        // Registered before the request is made: the Lambda may answer before its own invocation returns.
        callbacks.set(token, {
          execution: exec,
          succeed: (output) => finish(() => resolve(output)),
          fail,
          heartbeat: armHeartbeat,
        });
        armHeartbeat();
      }
      performRequest(exec, resource, spec.resource, params).then(
        (result) => {
          if (!callback) finish(() => resolve(result));
        },
        (err: unknown) => fail(err instanceof Error ? err : lambdaError(err)),
      );
    });
  }

  async function performRequest(
    exec: ExecutionRecord,
    resource: Resource,
    resourceArn: string,
    params: unknown,
  ): Promise<unknown> {
    const p = isObj(params) ? params : {};
    switch (resource.kind) {
      case 'lambda':
        return invoke(resource.functionArn, params);
      case 'lambda:invoke': {
        if (typeof p.FunctionName !== 'string')
          throw runtimeError('lambda:invoke requires Parameters.FunctionName');
        const payload = p.Payload === undefined ? {} : p.Payload;
        if (p.InvocationType === 'Event') {
          // Asynchronous invocation: AWS answers 202 at once and the function's outcome is not observed.
          invoke(p.FunctionName, payload).catch(() => {});
          return { Payload: '', StatusCode: 202, ...sdkMetadata() };
        }
        const result = await invoke(p.FunctionName, payload);
        return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200, ...sdkMetadata() };
      }
      case 'sqs:sendMessage': {
        if (!opts.sendSqsMessage)
          throw runtimeError('sqs:sendMessage is not emulated (no sendSqsMessage configured)');
        if (typeof p.QueueUrl !== 'string')
          throw runtimeError('sqs:sendMessage requires Parameters.QueueUrl');
        if (p.MessageBody === undefined)
          throw runtimeError('sqs:sendMessage requires Parameters.MessageBody');
        const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody);
        await opts.sendSqsMessage(p.QueueUrl, body);
        return { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
      }
      case 'events:putEvents': {
        if (!opts.putEvents) throw runtimeError('events:putEvents is not emulated (no putEvents configured)');
        if (!Array.isArray(p.Entries)) throw runtimeError('events:putEvents requires Parameters.Entries');
        // As on AWS, Detail objects are serialized and the execution and state machine ARNs appended.
        const entries = (p.Entries as unknown[]).map((raw): PutEventsRequestEntry => {
          const e = isObj(raw) ? raw : {};
          const entry: PutEventsRequestEntry = {
            Source: e.Source as string,
            DetailType: e.DetailType as string,
            Detail: typeof e.Detail === 'string' ? e.Detail : JSON.stringify(e.Detail ?? {}),
            Resources: [
              ...(Array.isArray(e.Resources) ? (e.Resources as string[]) : []),
              exec.executionArn,
              exec.stateMachineArn,
            ],
          };
          if (typeof e.EventBusName === 'string') entry.EventBusName = e.EventBusName;
          return entry;
        });
        const response = await opts.putEvents(entries);
        const r = isObj(response) ? response : {};
        if (typeof r.FailedEntryCount === 'number' && r.FailedEntryCount > 0) {
          throw new TaskError('EventBridge.FailedEntry', JSON.stringify(response));
        }
        const ids = Array.isArray(r.Entries) ? (r.Entries as unknown[]) : [];
        return {
          Entries: entries.map((_, i) => {
            const id = (ids[i] as Obj | undefined)?.EventId;
            return { EventId: typeof id === 'string' ? id : randomUUID() };
          }),
          FailedEntryCount: 0,
        };
      }
      case 'unsupported':
        throw runtimeError(
          `Resource '${resourceArn}' is not supported by the local Step Functions ` +
            '(supported: Lambda function ARNs, lambda:invoke, sqs:sendMessage, events:putEvents, and their .waitForTaskToken forms)',
        );
    }
  }

  async function invoke(functionArn: string, payload: unknown): Promise<unknown> {
    let result: unknown;
    try {
      result = await opts.invokeLambda(functionArn, toJson(payload));
    } catch (err) {
      throw lambdaError(err);
    }
    return toJson(result);
  }

  // A Wait state (rewritten as a Task): passes its input through after the (clamped, scaled) delay.
  function runWait(exec: ExecutionRecord, spec: WaitSpec, wrapped: unknown): Promise<unknown> {
    if (exec.status !== 'RUNNING') return Promise.reject(runtimeError('Execution is no longer running'));
    const args = isObj(wrapped) ? wrapped : {};
    let ms: number;
    if (spec.seconds !== undefined) ms = timerMs(spec.seconds);
    else if ('s' in args) {
      if (typeof args.s !== 'number' || !Number.isInteger(args.s) || args.s < 0) {
        return Promise.reject(
          runtimeError(`SecondsPath must resolve to a non-negative integer, got ${JSON.stringify(args.s)}`),
        );
      }
      ms = timerMs(args.s);
    } else {
      const ts = spec.timestamp ?? args.ts;
      const at = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
      if (Number.isNaN(at))
        return Promise.reject(runtimeError(`Invalid Wait timestamp ${JSON.stringify(ts)}`));
      ms = timerMs((at - Date.now()) / 1000);
    }
    return new Promise<unknown>((resolve, reject) => {
      const work: PendingWork = {
        cancel: (err) => {
          clearTimeout(timer);
          exec.pending.delete(work);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        exec.pending.delete(work);
        resolve(args.p);
      }, ms);
      exec.pending.add(work);
    });
  }

  function recordEvent(exec: ExecutionRecord, ev: LibraryEvent, specs: Map<string, StateSpec>): void {
    const push = (type: string, details: Obj = {}) => {
      const id = exec.history.length + 1;
      exec.history.push({ id, previousEventId: id - 1, timestamp: new Date(ev.timestamp), type, ...details });
    };
    const json = (v: unknown) => JSON.stringify(v ?? null);
    switch (ev.type) {
      case 'ExecutionStarted':
        push('ExecutionStarted', { executionStartedEventDetails: { input: exec.input } });
        break;
      case 'StateEntered':
      case 'StateExited': {
        if (ev.type === 'StateEntered') exec.transitions += 1;
        // Wait states run as Tasks inside the library; report them under their real type.
        const type = specs.get(ev.state.name)?.kind === 'wait' ? 'Wait' : ev.state.type;
        const phase = ev.type === 'StateEntered' ? 'Entered' : 'Exited';
        const details =
          ev.type === 'StateEntered'
            ? { stateEnteredEventDetails: { name: ev.state.name, input: json(ev.state.input) } }
            : { stateExitedEventDetails: { name: ev.state.name, output: json(ev.state.output) } };
        push(`${type}State${phase}`, details);
        break;
      }
      case 'StateRetried':
        exec.transitions += 1; // AWS bills each retry attempt as a transition
        break;
      case 'StateFailed': {
        const error = ev.Error;
        const cause = typeof ev.Cause === 'string' ? ev.Cause : json(ev.Cause);
        if (specs.get(ev.state.name)?.kind === 'task') {
          const timedOut = error === 'States.Timeout' || error === 'States.HeartbeatTimeout';
          push(timedOut ? 'TaskTimedOut' : 'TaskFailed', {
            [timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails']: { error, cause },
          });
        } else if (ev.state.type === 'Map' || ev.state.type === 'Parallel') {
          push(`${ev.state.type}StateFailed`);
        }
        break;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${ev.type[0]?.toLowerCase()}${ev.type.slice(1)}EventDetails`;
        push(ev.type, { [key]: { name: ev.parentState.name, index: ev.index } });
        break;
      }
      case 'ExecutionSucceeded':
        push('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(ev.output) } });
        break;
      case 'ExecutionFailed':
        push('ExecutionFailed', {
          executionFailedEventDetails: {
            error: ev.Error,
            cause: typeof ev.Cause === 'string' ? ev.Cause : json(ev.Cause),
          },
        });
        break;
      case 'ExecutionAborted':
        push('ExecutionAborted', { executionAbortedEventDetails: { error: exec.error, cause: exec.cause } });
        break;
      case 'ExecutionTimeout':
        push('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        break;
    }
  }

  function end(exec: ExecutionRecord, status: ExecutionStatus, fields: Partial<ExecutionRecord> = {}): void {
    if (exec.status !== 'RUNNING') return;
    Object.assign(exec, fields);
    exec.status = status;
    exec.stopDate = new Date();
  }

  function launch(exec: ExecutionRecord, sm: PreparedMachine, input: unknown, resolveDone: () => void): void {
    const handlers: LocalHandlers = {};
    for (const [stateName, spec] of sm.specs) {
      const handler = (wrapped: unknown) =>
        spec.kind === 'task' ? runTask(exec, stateName, spec, wrapped) : runWait(exec, spec, wrapped);
      // Our results are JSON by construction (toJson / parsed callback output).
      handlers[stateName] = handler as LocalHandler;
    }
    const run = sm.machine.run(input as JsonInput, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: { Id: exec.executionArn, Name: exec.name, RedriveCount: 0 },
        StateMachine: { Id: sm.arn, Name: sm.name },
        Task: { Token: exec.contextToken },
      },
    });
    exec.abort = run.abort;

    const eventsDone = (async () => {
      for await (const ev of run.eventLogs) recordEvent(exec, ev, sm.specs);
    })().catch(() => {});
    const settled = run.result.then(
      (output) => end(exec, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => {
        if (err instanceof ExecutionAbortedError) return end(exec, 'ABORTED');
        if (err instanceof ExecutionTimeoutError) {
          return end(exec, 'TIMED_OUT', {
            error: 'States.Timeout',
            cause: 'The execution exceeded its TimeoutSeconds',
          });
        }
        const cause =
          err instanceof ExecutionError && err.cause instanceof Error ? err.cause : (err as Error);
        const fields: Partial<ExecutionRecord> = { error: cause.name };
        // A Fail state without Error/Cause: AWS reports none; the library fills in placeholders.
        if (cause.message !== 'Execution failed because of a Fail state') fields.cause = cause.message;
        if (cause.name === 'FailStateError') delete fields.error;
        end(exec, 'FAILED', fields);
      },
    );
    void Promise.all([settled, eventsDone]).then(() => {
      // Whatever still waits (callbacks in aborted branches, stopped runs) dies with the execution.
      for (const work of [...exec.pending]) work.cancel(runtimeError('Execution ended'));
      resolveDone();
      if (opts.onExecutionEnd) {
        const d = describe(exec);
        const summary: ExecutionEnd = {
          executionArn: d.executionArn,
          stateMachineArn: d.stateMachineArn,
          name: d.name,
          status: d.status,
          transitions: exec.transitions,
        };
        if (d.output !== undefined) summary.output = d.output;
        if (d.error !== undefined) summary.error = d.error;
        if (d.cause !== undefined) summary.cause = d.cause;
        try {
          opts.onExecutionEnd(summary);
        } catch {
          // an observer's failure must not disturb the engine
        }
      }
    });
  }

  function stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const exec = getExecution(executionArn);
    if (exec.status === 'RUNNING') {
      const fields: Partial<ExecutionRecord> = {};
      if (error !== undefined) fields.error = error;
      if (cause !== undefined) fields.cause = cause;
      end(exec, 'ABORTED', fields);
      exec.abort?.();
      for (const work of [...exec.pending]) work.cancel(runtimeError('Execution was stopped'));
    }
    return { stopDate: exec.stopDate ?? new Date() };
  }

  return {
    register({ name, arn, definition }) {
      machines.set(arn, { name, arn, ...prepareDefinition(definition, timeScale) });
    },

    startExecution({ stateMachineArn, name, input }) {
      const sm = machines.get(stateMachineArn);
      if (!sm)
        throw new SfnServiceError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      const executionName = name ?? randomUUID();
      if (!EXECUTION_NAME_RE.test(executionName)) {
        throw new SfnServiceError('InvalidName', `Invalid Name: '${executionName}'`);
      }
      const inputText = input ?? '{}';
      if (Buffer.byteLength(inputText) > MAX_INPUT_BYTES) {
        throw new SfnServiceError('InvalidExecutionInput', 'Input exceeds the 256 KiB limit');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(inputText);
      } catch {
        throw new SfnServiceError(
          'InvalidExecutionInput',
          'Invalid State Machine Execution Input: not valid JSON',
        );
      }
      const executionArn = `arn:aws:states:${region}:${account}:execution:${sm.name}:${executionName}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // AWS (Standard): same name and input while RUNNING is idempotent; a closed execution or other
        // input is ExecutionAlreadyExists.
        if (existing.status === 'RUNNING' && existing.input === inputText) {
          return { executionArn, startDate: existing.startDate };
        }
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
        history: [],
        transitions: 0,
        contextToken: `ltt-context-${randomUUID()}`,
        pending: new Set(),
        done: new Promise<void>((r) => {
          resolveDone = r;
        }).then(() => describe(exec)),
      };
      executions.set(executionArn, exec);
      // Like AWS, StartExecution answers before the first state runs.
      setImmediate(() => {
        if (exec.status === 'RUNNING') launch(exec, sm, parsed, resolveDone);
        else resolveDone();
      });
      return { executionArn, startDate: exec.startDate };
    },

    describeExecution(executionArn) {
      return describe(getExecution(executionArn));
    },

    stopExecution,

    sendTaskSuccess(taskToken, output) {
      const cb = getCallback(taskToken);
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        throw new SfnServiceError('InvalidOutput', 'Invalid Output: not valid JSON');
      }
      cb.succeed(parsed);
    },

    sendTaskFailure(taskToken, error, cause) {
      getCallback(taskToken).fail(new TaskError(error ?? '', cause ?? ''));
    },

    sendTaskHeartbeat(taskToken) {
      getCallback(taskToken).heartbeat();
    },

    getExecutionHistory(executionArn) {
      const exec = getExecution(executionArn);
      return { events: exec.history.map((e) => ({ ...e })), transitions: exec.transitions };
    },

    listExecutions(stateMachineArn, status) {
      if (!machines.has(stateMachineArn)) {
        throw new SfnServiceError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      }
      return [...executions.values()]
        .filter((e) => e.stateMachineArn === stateMachineArn && (!status || e.status === status))
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
        .map(describe);
    },

    waitFor(executionArn) {
      return getExecution(executionArn).done;
    },

    async shutdown() {
      const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
      for (const exec of running)
        stopExecution(exec.executionArn, 'Local.Shutdown', 'The local stack stopped');
      await Promise.all(running.map((e) => e.done.catch(() => undefined)));
    },
  };
}

// A local EventBridge: event-pattern matching as EventBridge does it, PutEvents with AWS's validation
// and response shape, asynchronous delivery with retries, and a dead-letter store that can persist.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AwsJsonHandler, awsJsonError } from './sfn-endpoint.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------------
// Pattern matching. Semantics follow EventBridge (event-ruler): fields are ANDed, the values listed for
// a field are ORed; comparisons apply to leaf values; when the event holds an array, the field matches
// if any element matches, and a nested pattern must match within a single array element.

const MISSING = Symbol('missing');
type Field = unknown | typeof MISSING;

export class InvalidEventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventPatternException';
  }
}

/** True when `event` matches the EventBridge `pattern`. Throws InvalidEventPatternError on a bad pattern. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern as Obj, event);
}

/** Throws InvalidEventPatternError unless `pattern` is a well-formed event pattern. */
export function validatePattern(pattern: unknown): void {
  if (!isObj(pattern)) throw new InvalidEventPatternError('Event pattern must be a JSON object');
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) {
        throw new InvalidEventPatternError('$or must be an array of at least two objects');
      }
      for (const branch of sub) validatePattern(branch);
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) throw new InvalidEventPatternError(`'${key}': empty arrays are not allowed`);
      for (const p of sub) {
        if (isObj(p) && Object.hasOwn(p, 'exists')) {
          if (typeof p.exists !== 'boolean' || Object.keys(p).length !== 1) {
            throw new InvalidEventPatternError('exists must be true or false');
          }
        } else {
          // Probing with a string and a number exercises every operator's argument checks.
          matchValue(p, 'x');
          matchValue(p, 1);
        }
      }
    } else if (isObj(sub)) {
      validatePattern(sub);
    } else {
      throw new InvalidEventPatternError(`Value of '${key}' must be an array or an object`);
    }
  }
}

function matchObject(pattern: Obj, node: Field): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Obj[]).some((branch) => matchObject(branch, node))) return false;
      continue;
    }
    const field: Field = isObj(node) && Object.hasOwn(node, key) ? node[key] : MISSING;
    const ok = Array.isArray(sub) ? matchLeaf(sub, field) : matchNested(sub as Obj, field);
    if (!ok) return false;
  }
  return true;
}

function matchNested(pattern: Obj, field: Field): boolean {
  if (Array.isArray(field)) {
    const elements = field.flat(Number.POSITIVE_INFINITY);
    if (elements.length === 0) return matchObject(pattern, MISSING);
    return elements.some((el) => matchObject(pattern, el));
  }
  return matchObject(pattern, field);
}

/** The leaf values at a field: scalars (null included), flattened out of arrays; objects are not leaves. */
function leafValues(field: Field): unknown[] {
  if (field === MISSING) return [];
  const values = Array.isArray(field) ? field.flat(Number.POSITIVE_INFINITY) : [field];
  return values.filter((v) => !isObj(v));
}

function matchLeaf(patterns: unknown[], field: Field): boolean {
  const values = leafValues(field);
  return patterns.some((p) =>
    isObj(p) && Object.hasOwn(p, 'exists')
      ? values.length > 0 === p.exists
      : values.some((v) => matchValue(p, v)),
  );
}

function matchValue(p: unknown, v: unknown): boolean {
  if (p === null || typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean') return p === v;
  if (!isObj(p)) throw new InvalidEventPatternError(`Unsupported pattern value ${JSON.stringify(p)}`);
  const keys = Object.keys(p);
  const [op] = keys;
  if (keys.length !== 1 || op === undefined) {
    throw new InvalidEventPatternError(`A filter must have exactly one operator: ${JSON.stringify(p)}`);
  }
  const arg = p[op];
  switch (op) {
    case 'prefix':
      return affix(arg, v, (s, a) => s.startsWith(a));
    case 'suffix':
      return affix(arg, v, (s, a) => s.endsWith(a));
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === requireString(arg, op).toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && wildcardRegex(requireString(arg, op)).test(v);
    case 'numeric':
      return typeof v === 'number' && numericMatch(arg, v);
    case 'cidr':
      return typeof v === 'string' && cidrMatch(requireString(arg, op), v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      throw new InvalidEventPatternError(`Unsupported operator '${op}'`);
  }
}

function requireString(arg: unknown, op: string): string {
  if (typeof arg !== 'string') throw new InvalidEventPatternError(`${op} takes a string`);
  return arg;
}

/** prefix/suffix with a string, or `{"equals-ignore-case": "..."}` for a case-insensitive comparison. */
function affix(arg: unknown, v: unknown, test: (s: string, a: string) => boolean): boolean {
  if (typeof v !== 'string') return false;
  if (typeof arg === 'string') return test(v, arg);
  if (isObj(arg) && typeof arg['equals-ignore-case'] === 'string') {
    return test(v.toLowerCase(), arg['equals-ignore-case'].toLowerCase());
  }
  throw new InvalidEventPatternError('prefix/suffix take a string or {"equals-ignore-case": string}');
}

function anythingBut(arg: unknown, v: unknown): boolean {
  if (typeof arg === 'string' || typeof arg === 'number') return v !== arg;
  if (Array.isArray(arg)) {
    if (!arg.every((a) => typeof a === 'string' || typeof a === 'number')) {
      throw new InvalidEventPatternError('anything-but lists hold only strings or only numbers');
    }
    return !(arg as unknown[]).includes(v);
  }
  if (isObj(arg)) {
    const [op, ...rest] = Object.keys(arg);
    if (op === undefined || rest.length > 0)
      throw new InvalidEventPatternError('anything-but takes one operator');
    const inner = arg[op];
    const values = Array.isArray(inner) ? inner : [inner];
    if (!values.every((x) => typeof x === 'string'))
      throw new InvalidEventPatternError(`anything-but ${op} takes strings`);
    const strings = values as string[];
    if (typeof v !== 'string') return true; // not a string, so not one of the excluded strings
    switch (op) {
      case 'prefix':
        return !strings.some((s) => v.startsWith(s));
      case 'suffix':
        return !strings.some((s) => v.endsWith(s));
      case 'equals-ignore-case':
        return !strings.some((s) => s.toLowerCase() === v.toLowerCase());
      case 'wildcard':
        return !strings.some((s) => wildcardRegex(s).test(v));
      default:
        throw new InvalidEventPatternError(`Unsupported anything-but operator '${op}'`);
    }
  }
  throw new InvalidEventPatternError('Invalid anything-but value');
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericMatch(arg: unknown, v: number): boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) {
    throw new InvalidEventPatternError('numeric takes [op, number] or [op, number, op, number]');
  }
  for (let i = 0; i < arg.length; i += 2) {
    const cmp = NUMERIC_OPS[String(arg[i])];
    const bound = arg[i + 1];
    if (!cmp || typeof bound !== 'number')
      throw new InvalidEventPatternError(`Bad numeric filter ${JSON.stringify(arg)}`);
    if (!cmp(v, bound)) return false;
  }
  return true;
}

function wildcardRegex(glob: string): RegExp {
  // '*' matches any run of characters; '\*' is a literal star.
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\' && glob[i + 1] === '*') {
      re += '\\*';
      i++;
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

function cidrMatch(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const baseInt = ipv4ToInt(base ?? '');
  if (baseInt === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new InvalidEventPatternError(`Unsupported cidr '${cidr}' (IPv4 only locally)`);
  }
  const ipInt = ipv4ToInt(ip);
  if (ipInt === undefined) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ipInt / size) === Math.floor(baseInt / size);
}

// ---------------------------------------------------------------------------------------------------
// The bus

export interface RuleTarget {
  id: string;
  arn: string;
  /** Constant JSON text delivered instead of the event (the target's `Input`). */
  input?: string;
  /** Simple `$.a.b` path selecting what to deliver (the target's `InputPath`). */
  inputPath?: string;
  deadLetterArn?: string;
}

export interface EventRule {
  name: string;
  eventBusName: string;
  eventPattern: unknown;
  targets: RuleTarget[];
}

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface PutEventsEntryInput {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date | string | number;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** One message in the local queue store: a dead-lettered event, or a body sent with sendToQueue. */
export interface QueueRecord {
  at: string;
  queueArn: string;
  ruleName?: string;
  targetId?: string;
  event?: EventEnvelope;
  error?: string;
  messageId?: string;
  body?: string;
}

export interface LocalEventBridgeOptions {
  rules: EventRule[];
  /**
   * Delivers to one target. `payload` is what AWS would deliver (the event, or the target's Input /
   * InputPath selection); `event` is always the full envelope. A throw counts as a failed attempt.
   */
  deliver(target: RuleTarget, payload: unknown, event: EventEnvelope): Promise<void> | void;
  /** JSON-lines file for queue records, appended on write and loaded on start. */
  dlqFile?: string;
  /** Buses that exist; defaults to 'default' plus the buses the rules name. */
  eventBusNames?: string[];
  /** Delivery attempts (default 3) and the first backoff in ms (default 100, doubled each time). */
  retry?: { attempts?: number; baseDelayMs?: number };
  account?: string;
  region?: string;
}

export interface LocalEventBridge {
  putEvents(entries: PutEventsEntryInput[]): Promise<PutEventsResponse>;
  sendToQueue(queueUrlOrArn: string, body: string): Promise<void>;
  /** The messages on one queue (by ARN or URL). */
  messages(queueUrlOrArn: string): QueueRecord[];
  /** Records on the rules' dead-letter queues only, optionally one of them (by ARN or URL). */
  dlq(queueUrlOrArn?: string): QueueRecord[];
  /** Resolves once every delivery in flight has finished (delivered or dead-lettered). */
  idle(): Promise<void>;
}

/** Thrown for a malformed request as a whole (AWS answers 400 ValidationException). */
export class EventsValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** The queue name identifies a queue whether given as ARN or URL. */
function queueKey(queueUrlOrArn: string): string {
  const parts = queueUrlOrArn.startsWith('arn:') ? queueUrlOrArn.split(':') : queueUrlOrArn.split('/');
  return parts.at(-1) ?? queueUrlOrArn;
}

function busName(nameOrArn: string): string {
  const i = nameOrArn.indexOf(':event-bus/');
  return nameOrArn.startsWith('arn:') && i >= 0 ? nameOrArn.slice(i + ':event-bus/'.length) : nameOrArn;
}

function selectPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.')) throw new Error(`Unsupported InputPath '${path}'`);
  let node: unknown = value;
  for (const key of path.slice(2).split('.')) node = isObj(node) ? node[key] : undefined;
  return node;
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createLocalEventBridge(opts: LocalEventBridgeOptions): LocalEventBridge {
  const account = opts.account ?? '000000000000';
  const region = opts.region ?? 'us-east-1';
  const attempts = Math.max(1, opts.retry?.attempts ?? 3);
  const baseDelayMs = opts.retry?.baseDelayMs ?? 100;
  const buses = new Set(opts.eventBusNames ?? ['default', ...opts.rules.map((r) => busName(r.eventBusName))]);
  const inFlight = new Set<Promise<void>>();
  const store: QueueRecord[] = [];

  // Reject a bad rule at start rather than at the first event.
  for (const rule of opts.rules) {
    try {
      validatePattern(rule.eventPattern);
    } catch (err) {
      throw new InvalidEventPatternError(`Rule '${rule.name}': ${(err as Error).message}`);
    }
  }

  if (opts.dlqFile && existsSync(opts.dlqFile)) {
    for (const line of readFileSync(opts.dlqFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const rec: unknown = JSON.parse(line);
        if (isObj(rec) && typeof rec.queueArn === 'string') store.push(rec as unknown as QueueRecord);
      } catch {
        // a torn last line from a crash: skip it
      }
    }
  }

  function persist(rec: QueueRecord): void {
    store.push(rec);
    if (!opts.dlqFile) return;
    mkdirSync(dirname(opts.dlqFile), { recursive: true });
    appendFileSync(opts.dlqFile, `${JSON.stringify(rec)}\n`);
  }

  async function deliverWithRetry(rule: EventRule, target: RuleTarget, event: EventEnvelope): Promise<void> {
    let lastError = '';
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(baseDelayMs * 2 ** (attempt - 1));
      try {
        const payload =
          target.input !== undefined
            ? JSON.parse(target.input)
            : target.inputPath !== undefined
              ? selectPath(event, target.inputPath)
              : event;
        await opts.deliver(target, payload, event);
        return;
      } catch (err) {
        lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
    }
    if (target.deadLetterArn) {
      persist({
        at: new Date().toISOString(),
        queueArn: target.deadLetterArn,
        ruleName: rule.name,
        targetId: target.id,
        event,
        error: lastError,
      });
    } else {
      // AWS drops it; say so (ids only — the event may carry PHI).
      console.warn(`[local-eventbridge] dropped event ${event.id} for ${rule.name}/${target.id}: no DLQ`);
    }
  }

  function validate(entry: PutEventsEntryInput): { ErrorCode: string; ErrorMessage: string } | undefined {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      const v = entry[field];
      if (typeof v !== 'string' || v === '') {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        };
      }
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      detail = undefined;
    }
    if (!isObj(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const bus = busName(entry.EventBusName ?? 'default');
    if (!buses.has(bus)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    }
    return undefined;
  }

  function eventTime(t: PutEventsEntryInput['Time']): Date {
    const d =
      t === undefined
        ? new Date()
        : t instanceof Date
          ? t
          : typeof t === 'number'
            ? new Date(t * 1000)
            : new Date(t);
    return Number.isNaN(d.getTime()) ? new Date() : d;
  }

  return {
    async putEvents(entries) {
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
        throw new EventsValidationError(`Entries must hold 1 to ${MAX_ENTRIES} items`);
      }
      if (Buffer.byteLength(JSON.stringify(entries)) > MAX_REQUEST_BYTES) {
        throw new EventsValidationError('Total size of the entries in the request is over the limit.');
      }
      const results: PutEventsResultEntry[] = entries.map((raw) => {
        const entry: PutEventsEntryInput = isObj(raw) ? raw : {};
        const invalid = validate(entry);
        if (invalid) return invalid;
        const event: EventEnvelope = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType as string,
          source: entry.Source as string,
          account,
          time: isoSeconds(eventTime(entry.Time)),
          region,
          resources: Array.isArray(entry.Resources) ? [...entry.Resources] : [],
          detail: JSON.parse(entry.Detail as string),
        };
        const bus = busName(entry.EventBusName ?? 'default');
        for (const rule of opts.rules) {
          if (busName(rule.eventBusName) !== bus || !matchesPattern(rule.eventPattern, event)) continue;
          for (const target of rule.targets) {
            // Delivery is asynchronous, as on AWS: PutEvents answers before targets run.
            const p: Promise<void> = sleep(0)
              .then(() => deliverWithRetry(rule, target, event))
              .finally(() => inFlight.delete(p));
            inFlight.add(p);
          }
        }
        return { EventId: event.id };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },

    async sendToQueue(queueUrlOrArn, body) {
      persist({ at: new Date().toISOString(), queueArn: queueUrlOrArn, messageId: randomUUID(), body });
    },

    messages(queueUrlOrArn) {
      const key = queueKey(queueUrlOrArn);
      return store.filter((r) => queueKey(r.queueArn) === key);
    },

    dlq(queueUrlOrArn) {
      const keys = new Set(
        opts.rules.flatMap((r) =>
          r.targets.flatMap((t) => (t.deadLetterArn ? [queueKey(t.deadLetterArn)] : [])),
        ),
      );
      const only = queueUrlOrArn === undefined ? undefined : queueKey(queueUrlOrArn);
      return store.filter(
        (r) => keys.has(queueKey(r.queueArn)) && (only === undefined || only === queueKey(r.queueArn)),
      );
    },

    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** The AWS JSON protocol (awsJson1_1) front: `X-Amz-Target: AWSEvents.PutEvents`. */
export function createEventsProtocolHandler(bus: LocalEventBridge): AwsJsonHandler {
  return async (target, body) => {
    if (target !== 'AWSEvents.PutEvents') {
      return awsJsonError('UnknownOperationException', `Unsupported operation '${target}'`);
    }
    const entries =
      isObj(body) && Array.isArray(body.Entries) ? (body.Entries as PutEventsEntryInput[]) : undefined;
    if (!entries)
      return awsJsonError('ValidationException', "1 validation error: 'entries' must not be null");
    try {
      return { status: 200, body: await bus.putEvents(entries) };
    } catch (err) {
      if (err instanceof EventsValidationError) return awsJsonError('ValidationException', err.message);
      return awsJsonError('InternalException', err instanceof Error ? err.message : String(err), 500);
    }
  };
}

/**
 * In-process instrumentation of the local stack: every Lambda invocation (through the stack's
 * `aroundInvoke`), every DynamoDB operation with the capacity it consumed (SDK middleware on the
 * clients the bench instruments, `capacity.ts`, attributed to the invocation that issued it with
 * AsyncLocalStorage), and every event put on the bus (`onEvent`). Each record is keyed to the
 * referral (`ref:<referralId>`) or visit (`visit:<visitId>`) it served, read from the event the
 * handler got, so figures can be added up per determination and per visit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InvokeCall, InvokeKind } from '../../../infra/local/stack.js';
import { type CapacityObserver, instrumentDynamo } from './capacity.js';

export interface OpRecord {
  operation: string;
  read: number;
  write: number;
  input: unknown;
  start: number;
  ms: number;
}

export interface InvocationRecord {
  /** The handler folder, e.g. `wf-evaluate`. */
  fn: string;
  logicalId: string;
  kind: InvokeKind;
  /** `ref:<referralId>` or `visit:<visitId>`; undefined for setup calls. */
  key?: string;
  phase: string;
  start: number;
  ms: number;
  ops: OpRecord[];
  error?: string;
}

export type OutcomeKind = 'determined' | 'pended' | 'visit-recorded' | 'visit-review' | 'failed';

export interface Outcome {
  kind: OutcomeKind;
  at: number;
  /** The referral status or re-review action the handler reported. */
  detail?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The referral or visit a workflow task's event is about. */
function keyOfState(value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  const detail = value.detail;
  if (isObj(detail) && isObj(detail.visit) && typeof detail.visit.visitId === 'string') {
    return `visit:${detail.visit.visitId}`;
  }
  if (isObj(value.reReview) && typeof value.reReview.visitId === 'string') {
    return `visit:${value.reReview.visitId}`;
  }
  if (isObj(value.state)) return keyOfState(value.state);
  if (typeof value.referralId === 'string') return `ref:${value.referralId}`;
  return undefined;
}

function keyOfApiCall(event: unknown, result: unknown): string | undefined {
  if (!isObj(event)) return undefined;
  const route = `${event.httpMethod} ${event.resource}`;
  try {
    if (route === 'POST /referrals' && isObj(result) && typeof result.body === 'string') {
      const body = JSON.parse(result.body) as Obj;
      return typeof body.referralId === 'string' ? `ref:${body.referralId}` : undefined;
    }
    if (route === 'POST /referrals/{id}/visits' && typeof event.body === 'string') {
      const body = JSON.parse(event.body) as Obj;
      return typeof body.visitId === 'string' ? `visit:${body.visitId}` : undefined;
    }
    if (isObj(event.pathParameters) && typeof event.pathParameters.id === 'string') {
      return `ref:${event.pathParameters.id}`;
    }
  } catch {
    // not JSON: not one of ours
  }
  return undefined;
}

export interface Collector {
  aroundInvoke(call: InvokeCall, run: () => Promise<unknown>): Promise<unknown>;
  onEvent(entries: readonly { Detail?: string }[]): void;
  /** Starts a named phase: later records carry it. */
  phase(name: string): void;
  readonly invocations: InvocationRecord[];
  /** DynamoDB operations outside any invocation (seeding, recovery, the bench's own setup). */
  readonly looseOps: OpRecord[];
  /** Events per key. */
  readonly events: Map<string, number>;
  outcome(key: string): Outcome | undefined;
  /** Counts every call `client` makes from now on (the handlers' client, the stack's own). */
  instrument(client: DynamoDBClient): void;
  /** Resolves with the first outcome of `key` (at once when already known). */
  waitFor(key: string, timeoutMs: number): Promise<Outcome | undefined>;
  detach(): void;
}

export function createCollector(functionNames: Map<string, string>): Collector {
  const als = new AsyncLocalStorage<InvocationRecord>();
  const invocations: InvocationRecord[] = [];
  const looseOps: OpRecord[] = [];
  const events = new Map<string, number>();
  const outcomes = new Map<string, Outcome>();
  const waiters = new Map<string, ((o: Outcome) => void)[]>();
  let phase = 'setup';

  const settle = (key: string | undefined, outcome: Outcome) => {
    if (!key || outcomes.has(key)) return;
    outcomes.set(key, outcome);
    for (const w of waiters.get(key) ?? []) w(outcome);
    waiters.delete(key);
  };

  const observer: CapacityObserver = (operation, read, write, call) => {
    const op: OpRecord = {
      operation,
      read,
      write,
      input: call.input,
      ms: call.ms,
      start: performance.now() - call.ms,
    };
    const inv = als.getStore();
    (inv ? inv.ops : looseOps).push(op);
  };
  const detachers = new Map<DynamoDBClient, () => void>();

  return {
    async aroundInvoke(call, run) {
      const fn = functionNames.get(call.functionLogicalId) ?? call.functionLogicalId;
      const rec: InvocationRecord = {
        fn,
        logicalId: call.functionLogicalId,
        kind: call.kind,
        phase,
        start: performance.now(),
        ms: 0,
        ops: [],
      };
      const key = call.kind === 'api' ? undefined : keyOfState(call.event);
      if (key) rec.key = key;
      invocations.push(rec);
      let result: unknown;
      try {
        result = await als.run(rec, run);
      } catch (err) {
        rec.ms = performance.now() - rec.start;
        rec.error = err instanceof Error ? err.name : String(err);
        throw err;
      }
      const end = performance.now();
      rec.ms = end - rec.start;
      if (call.kind === 'api') {
        const k = keyOfApiCall(call.event, result);
        if (k) rec.key = k;
      }
      const r = isObj(result) ? result : {};
      const ev = isObj(call.event) ? call.event : {};
      switch (fn) {
        case 'wf-record-determination':
          settle(rec.key, { kind: 'determined', at: end, detail: String(r.status) });
          break;
        case 'wf-open-review':
          settle(rec.key, {
            kind: ev.kind === 'INITIAL' ? 'pended' : 'visit-review',
            at: end,
            detail: 'REVIEW',
          });
          break;
        case 'wf-record-continuation':
          settle(rec.key, { kind: 'visit-recorded', at: end, detail: String(r.action) });
          break;
        case 'wf-record-failure':
          settle(rec.key, { kind: 'failed', at: end });
          break;
      }
      return result;
    },

    onEvent(entries) {
      for (const entry of entries) {
        let key = 'unattributed';
        try {
          const detail = JSON.parse(entry.Detail ?? '{}') as Obj;
          key = keyOfState({ detail }) ?? keyOfState(detail) ?? key;
        } catch {
          // malformed detail: the bus refuses it; still a request
        }
        events.set(key, (events.get(key) ?? 0) + 1);
      }
    },

    phase(name) {
      phase = name;
    },

    invocations,
    looseOps,
    events,
    outcome: (key) => outcomes.get(key),

    instrument(client) {
      if (!detachers.has(client)) detachers.set(client, instrumentDynamo(client, observer));
    },

    waitFor(key, timeoutMs) {
      const known = outcomes.get(key);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        const list = waiters.get(key) ?? [];
        list.push((o) => {
          clearTimeout(timer);
          resolve(o);
        });
        waiters.set(key, list);
      });
    },

    detach() {
      for (const detach of detachers.values()) detach();
      detachers.clear();
    },
  };
}

/**
 * EventBridge for the local stack: PutEvents (the one call the handlers make), the template's rules
 * with exact-value patterns (SUPPORTED.eventPatternOperators), and asynchronous delivery to each
 * matching target with retries, then to the target's dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import type { PutEventsRequest, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AwsJsonHandler } from './sfn-endpoint.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalEventRule, type RuleTarget } from './template.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * True when `event` matches `pattern`: every field of the pattern matches (nested objects
 * recursively), and a field matches when its value, or one element of it, is among the listed
 * values. Exact values are all the templates use (test/local/supported.test.ts checks it).
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return Object.entries(pattern as Obj).every(([key, expected]) => {
    const value = isObj(event) ? event[key] : undefined;
    if (!Array.isArray(expected)) return matchesPattern(expected, value);
    return (Array.isArray(value) ? value : [value]).some((v) => v !== undefined && expected.includes(v));
  });
}

export type EventRule = Pick<LocalEventRule, 'name' | 'eventBusName' | 'eventPattern' | 'targets'>;

export type EventEnvelope = ReturnType<typeof envelope>;

/** The event as EventBridge delivers it to a target. */
function envelope(entry: PutEventsRequestEntry) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': String(entry.DetailType),
    source: String(entry.Source),
    account: LOCAL_ACCOUNT_ID,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: entry.Resources ?? [],
    detail: JSON.parse(String(entry.Detail)) as unknown,
  };
}

export interface LocalEventBridgeOptions {
  rules: EventRule[];
  /** Delivers the event to one target (starts an execution, sends to a queue). */
  deliver(target: RuleTarget, event: EventEnvelope): Promise<void> | void;
  /** Where an event goes when its delivery failed (the target's DLQ); without one it is dropped. */
  deadLetter?(queueArn: string, body: string): void;
  onPutEvents?(entries: readonly PutEventsRequestEntry[]): void;
}

export type LocalEventBridge = ReturnType<typeof createLocalEventBridge>;

export function createLocalEventBridge(opts: LocalEventBridgeOptions) {
  const inFlight = new Set<Promise<void>>();

  // No retries (the template's RetryPolicy): a local target fails only when the template is broken.
  async function deliver(rule: EventRule, target: RuleTarget, event: EventEnvelope): Promise<void> {
    try {
      await opts.deliver(target, event);
    } catch (err) {
      // Ids only in the log: the event may carry PHI.
      console.warn(`[local-eventbridge] event ${event.id} for ${rule.name}/${target.id} failed: ${err}`);
      if (target.deadLetterArn) opts.deadLetter?.(target.deadLetterArn, JSON.stringify(event));
    }
  }

  return {
    async putEvents(entries: readonly PutEventsRequestEntry[]) {
      opts.onPutEvents?.(entries);
      const results = entries.map((entry) => {
        const event = envelope(entry);
        const bus = entry.EventBusName ?? 'default';
        for (const rule of opts.rules) {
          if (rule.eventBusName !== bus || !matchesPattern(rule.eventPattern, event)) continue;
          for (const target of rule.targets) {
            // Asynchronous, as on AWS: PutEvents answers before the targets run.
            const p: Promise<void> = new Promise<void>((next) => setImmediate(next))
              .then(() => deliver(rule, target, event))
              .finally(() => inFlight.delete(p));
            inFlight.add(p);
          }
        }
        return { EventId: event.id };
      });
      return { FailedEntryCount: 0 as const, Entries: results };
    },

    /** Resolves once every delivery in flight has finished (delivered or dead-lettered). */
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** The AWS JSON protocol front: `X-Amz-Target: AWSEvents.PutEvents`. */
export function createEventsProtocolHandler(bus: LocalEventBridge): AwsJsonHandler {
  return async (_target, body) => ({
    status: 200,
    body: await bus.putEvents((body as PutEventsRequest).Entries ?? []),
  });
}

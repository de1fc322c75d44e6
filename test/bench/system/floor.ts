/**
 * The floor: the DynamoDB operations each automatic determination issued during the run, replayed
 * directly against DynamoDB Local (no HTTP gateway, no handlers, no state machine) at the same
 * concurrency. Operations a handler issued together (overlapping in time, e.g. the evaluation's
 * parallel reads) are replayed together; everything else in order. Each replay writes under a fresh
 * referral id (and idempotency key), so its conditional writes behave as the originals did.
 */
import { performance } from 'node:perf_hooks';
import {
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { InvocationRecord, OpRecord } from './collector.js';
import { coresBetween, cpuSample, settle } from './cpu.js';
import { pool } from './load.js';
import { type Percentiles, percentiles } from './stats.js';

export interface RecordedDetermination {
  referralId: string;
  idempotencyKey?: string;
  /** The invocations that served it, in start order. */
  invocations: InvocationRecord[];
}

interface Replayable {
  /** Groups run one after another; the operations of a group run together. */
  groups: { operation: string; text: string }[][];
  referralId: string;
  idempotencyKey?: string;
}

export interface FloorResult {
  determinations: number;
  operationsPerDetermination: number;
  latency: Percentiles;
  perSecond: number;
  errors: number;
  firstError?: string;
  /** Cores busy while replaying: this process (the SDK calls) and DynamoDB Local. */
  cores: { node: number; dynamodb: number; other: number };
  /**
   * CPU milliseconds per replayed determination, counted as the system's are (the stack let settle
   * afterwards): the SDK calls, and the outbox work their writes cause in the running stack.
   */
  cpuMsPerDetermination: { node: number; dynamodb: number };
}

/** Splits an invocation's operations into groups of concurrent ones. */
export function concurrentGroups(ops: readonly OpRecord[]): OpRecord[][] {
  const sorted = [...ops].sort((a, b) => a.start - b.start);
  const groups: OpRecord[][] = [];
  let groupEnd = Number.NEGATIVE_INFINITY;
  for (const op of sorted) {
    const current = groups.at(-1);
    if (current && op.start < groupEnd) {
      current.push(op);
      groupEnd = Math.max(groupEnd, op.start + op.ms);
    } else {
      groups.push([op]);
      groupEnd = op.start + op.ms;
    }
  }
  return groups;
}

function toReplayable(d: RecordedDetermination): Replayable {
  const groups = d.invocations
    .flatMap((inv) => concurrentGroups(inv.ops))
    .map((g) => g.map((op) => ({ operation: op.operation, text: JSON.stringify(op.input) })));
  return { groups, referralId: d.referralId, idempotencyKey: d.idempotencyKey };
}

function command(operation: string, input: Record<string, unknown>) {
  switch (operation) {
    case 'GetItem':
      return new GetItemCommand(input as never);
    case 'PutItem':
      return new PutItemCommand(input as never);
    case 'UpdateItem':
      return new UpdateItemCommand(input as never);
    case 'Query':
      return new QueryCommand(input as never);
    case 'TransactWriteItems':
      return new TransactWriteItemsCommand(input as never);
    case 'BatchGetItem':
      return new BatchGetItemCommand(input as never);
    default:
      throw new Error(`The floor cannot replay ${operation}`);
  }
}

/**
 * Replays through `client`: the handlers' own DynamoDB client, so each call goes through the same
 * configuration and middleware (and costs the same) as the system's.
 */
export async function measureFloor(
  client: DynamoDBClient,
  recorded: readonly RecordedDetermination[],
  concurrency: number,
  runId: string,
): Promise<FloorResult> {
  // Serialised now, before anything else can touch the recorded inputs.
  const replays = recorded.map(toReplayable);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpu0 = cpuSample();
  await pool(replays.length, concurrency, async (i) => {
    const r = replays[i]!;
    const newId = `ref-floor-${runId}-${i}`;
    const newKey = `floor-${runId}-${i}`;
    const rewrite = (text: string) => {
      let out = text.split(r.referralId).join(newId);
      if (r.idempotencyKey) out = out.split(r.idempotencyKey).join(newKey);
      return JSON.parse(out) as Record<string, unknown>;
    };
    const t0 = performance.now();
    for (const group of r.groups) {
      await Promise.all(
        group.map(async (op) => {
          try {
            await client.send(command(op.operation, rewrite(op.text)) as never);
          } catch (err) {
            errors += 1;
            firstError ??= `${op.operation}: ${(err as Error).name}`;
          }
        }),
      );
    }
    latencies.push(performance.now() - t0);
  });
  const cores = coresBetween(cpu0, cpuSample());
  const wall = (performance.now() - started) / 1000;
  await settle();
  const cpu1 = cpuSample();
  const perReplay = (a: number, b: number) => ((b - a) * 1000) / Math.max(1, replays.length);
  const ops = replays.reduce((s, r) => s + r.groups.reduce((g, x) => g + x.length, 0), 0);
  return {
    determinations: replays.length,
    operationsPerDetermination: replays.length ? ops / replays.length : 0,
    latency: percentiles(latencies),
    perSecond: replays.length / wall,
    errors,
    cores,
    cpuMsPerDetermination: {
      node: perReplay(cpu0.node, cpu1.node),
      dynamodb: perReplay(cpu0.dynamodb, cpu1.dynamodb),
    },
    ...(firstError ? { firstError } : {}),
  };
}

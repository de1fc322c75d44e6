/**
 * The table client: sends commands to the one table and maps DynamoDB's failures onto the system's
 * errors, reads batches until no key is left unprocessed, pages queries and builds update
 * expressions. It knows no entity: `repository.ts` maps records onto items and back.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '../errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type Item = Record<string, unknown>;
export type Key = { PK: string; SK: string };

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
]);

const cancellationCodes = (err: Error): string[] =>
  ((err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code ?? '');

function isConditionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ConditionalCheckFailedException') return true;
  return (
    err.name === 'TransactionCanceledException' && cancellationCodes(err).includes('ConditionalCheckFailed')
  );
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (TRANSIENT.has(err.name) || TRANSIENT.has((err as { code?: string }).code ?? '')) return true;
  // A transaction that lost a race with another transaction is worth another try.
  return (
    err.name === 'TransactionCanceledException' &&
    cancellationCodes(err).some((c) => c === 'TransactionConflict' || c === 'ThrottlingError')
  );
}

/** Thrown when a conditional write found the item changed or already present. */
export class ConditionFailedError extends ConflictError {
  override readonly name: string = 'ConditionFailedError';
  constructor(cause?: unknown) {
    super('CONCURRENT_UPDATE', 'The record changed while it was being updated; try again.', cause);
  }
}

/**
 * Changes to an item's attributes, applied in place by an UpdateItem (no read first). Paths are
 * attribute names, nested with further elements: `['authorization', 'status']`.
 */
export interface ItemChanges {
  set?: [path: string[], value: unknown][];
  /** `path = path + n` */
  increment?: [path: string[], n: number][];
  remove?: string[][];
}

/** An UpdateItem's expression, names and values; `path`/`value` alias more of them for a condition. */
export function updateExpression(changes: ItemChanges) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const nameOf = new Map<string, string>();
  const path = (parts: string[]) =>
    parts
      .map((part) => {
        let alias = nameOf.get(part);
        if (!alias) {
          alias = `#n${nameOf.size}`;
          nameOf.set(part, alias);
          names[alias] = part;
        }
        return alias;
      })
      .join('.');
  const value = (v: unknown) => {
    const alias = `:v${Object.keys(values).length}`;
    values[alias] = v;
    return alias;
  };
  const sets = [
    ...(changes.set ?? []).map(([p, v]) => `${path(p)} = ${value(v)}`),
    ...(changes.increment ?? []).map(([p, n]) => `${path(p)} = ${path(p)} + ${value(n)}`),
  ];
  const removes = (changes.remove ?? []).map(path);
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { expression, names, values, path, value };
}

const keyId = (k: Item) => `${k.PK}\u0000${k.SK}`;

/** The one table, through the document client. */
export class TableClient {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(key: Key): Promise<Item | undefined> {
    const res = await this.send<GetCommandOutput>(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
      'GetItem',
    );
    return res.Item;
  }

  /**
   * Items by key (duplicates allowed), strongly consistent, in as few BatchGetItem calls as it takes;
   * keys DynamoDB leaves unprocessed (throttling, the 16 MB limit) are asked for again, with backoff.
   * The result is keyed by `keyOf`.
   */
  async getMany(wanted: readonly Key[]): Promise<Map<string, Item>> {
    const unique = [...new Map(wanted.map((k) => [keyId(k), k])).values()];
    const found = new Map<string, Item>();
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Item[] = unique.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 5) throw new TransientError('DynamoDB BatchGetItem left keys unprocessed');
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        const res = await this.send<BatchGetCommandOutput>(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
          'BatchGetItem',
        );
        for (const item of res.Responses?.[this.name] ?? []) found.set(keyId(item), item);
        pending = res.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Every page of a query (or the first `limit` items). */
  async query(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Item[]> {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const res = await this.send<QueryCommandOutput>(
        new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: start }),
        'Query',
      );
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  async put(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    await this.send(new PutCommand({ ...input, TableName: this.name }), 'PutItem');
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<void> {
    await this.send(new UpdateCommand({ ...input, TableName: this.name }), 'UpdateItem');
  }

  /** Writes that all happen or none. */
  async transact(items: readonly TransactItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.send(new TransactWriteCommand({ TransactItems: [...items] }), 'TransactWriteItems');
  }

  private async send<O = unknown>(command: { input: object }, operation: string): Promise<O> {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the document client's overloads do not accept a union of commands
      return (await this.doc.send(command as any)) as O;
    } catch (err) {
      if (isConditionFailure(err)) throw new ConditionFailedError(err);
      if (isTransient(err)) throw new TransientError(`DynamoDB ${operation} failed transiently`, err);
      throw err;
    }
  }
}

/** The key `getMany` files an item under. */
export const keyOf = (k: Key) => keyId(k);

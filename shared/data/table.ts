/**
 * The table client: sends commands to the one table and maps DynamoDB's failures onto the system's
 * errors, reads batches until no key is left unprocessed, pages queries and builds update
 * expressions. It knows no entity: `repository.ts` and `notifications.ts` map records onto items and back.
 *
 * It takes and returns plain JavaScript items and marshals them itself (`@aws-sdk/util-dynamodb`, the
 * document client's own marshaller) onto the plain client's commands. The document client cannot share
 * a client that resolves each command type's middleware once (`cacheMiddleware`): its resolved handler
 * closes over the first command and would send that command's input again. Without the document
 * client the cache is safe, and a call costs a quarter less Node CPU (docs/performance.md).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type ReturnValue,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError, TransientError } from '../errors.js';

export type Item = Record<string, unknown>;
export type Key = { PK: string; SK: string };

/** A condition or update's expression attributes, with plain values. */
interface Expressions {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}
export interface PutInput extends Expressions {
  Item: Item;
}
export interface UpdateInput extends Expressions {
  Key: Key;
  UpdateExpression: string;
  ReturnValues?: ReturnValue;
}
export interface DeleteInput extends Expressions {
  Key: Key;
  ReturnValues?: 'ALL_OLD' | 'NONE';
}
export interface QueryInput {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
  ConsistentRead?: boolean;
}
/** One write of a transaction, on a named table: a Put or an Update (the system deletes nothing in one). */
export type TransactItem =
  | { Put: PutInput & { TableName: string }; Update?: never }
  | { Update: Omit<UpdateInput, 'ReturnValues'> & { TableName: string }; Put?: never };

// Undefined attributes are left out, as the document client was told to (`removeUndefinedValues`).
const MARSHALL = { removeUndefinedValues: true } as const;
const toItem = (item: Item) => marshall(item, MARSHALL);
const fromItem = (item: Record<string, AttributeValue>) => unmarshall(item);
/** An answer's item or attributes, when it has them. */
const itemOf = (item: Record<string, AttributeValue> | undefined) => (item ? fromItem(item) : undefined);
const values = (v: Record<string, unknown> | undefined) => (v ? marshall(v, MARSHALL) : undefined);

/** A write's expressions with their values marshalled. */
function expressions(e: Expressions) {
  return {
    ConditionExpression: e.ConditionExpression,
    ExpressionAttributeNames: e.ExpressionAttributeNames,
    ExpressionAttributeValues: values(e.ExpressionAttributeValues),
  };
}

function transactWrite({ Put, Update }: TransactItem): TransactWriteItem {
  if (Put) return { Put: { TableName: Put.TableName, Item: toItem(Put.Item), ...expressions(Put) } };
  return {
    Update: {
      TableName: Update.TableName,
      Key: toItem(Update.Key),
      UpdateExpression: Update.UpdateExpression,
      ...expressions(Update),
    },
  };
}

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

/** The one table, through the plain client. */
export class TableClient {
  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const res = await this.send(
      () =>
        this.client.send(
          new GetItemCommand({ TableName: this.name, Key: toItem(key), ConsistentRead: true }),
        ),
      'GetItem',
    );
    return itemOf(res.Item);
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
      let pending = unique.slice(i, i + 100).map(toItem);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 5) throw new TransientError('DynamoDB BatchGetItem left keys unprocessed');
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        const keys = pending;
        const res = await this.send(
          () =>
            this.client.send(
              new BatchGetItemCommand({
                RequestItems: { [this.name]: { Keys: keys, ConsistentRead: true } },
              }),
            ),
          'BatchGetItem',
        );
        for (const raw of res.Responses?.[this.name] ?? []) {
          const item = fromItem(raw);
          found.set(keyId(item), item);
        }
        pending = res.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Every page of a query (or the first `limit` items). */
  async query(input: QueryInput, limit = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const out: Item[] = [];
    const ExpressionAttributeValues = values(input.ExpressionAttributeValues);
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await this.send(
        () =>
          this.client.send(
            new QueryCommand({
              ...input,
              ExpressionAttributeValues,
              TableName: this.name,
              ExclusiveStartKey: start,
            }),
          ),
        'Query',
      );
      for (const raw of res.Items ?? []) out.push(fromItem(raw));
      start = res.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out.slice(0, Number.isFinite(limit) ? limit : undefined);
  }

  async put(input: PutInput): Promise<void> {
    await this.send(
      () =>
        this.client.send(
          new PutItemCommand({ TableName: this.name, Item: toItem(input.Item), ...expressions(input) }),
        ),
      'PutItem',
    );
  }

  /** Changes an item in place; the attributes `ReturnValues` asks for, if any. */
  async update(input: UpdateInput): Promise<Item | undefined> {
    const res = await this.send(
      () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.name,
            Key: toItem(input.Key),
            UpdateExpression: input.UpdateExpression,
            ReturnValues: input.ReturnValues,
            ...expressions(input),
          }),
        ),
      'UpdateItem',
    );
    return itemOf(res.Attributes);
  }

  /** Deletes an item; the old item when `ReturnValues` is ALL_OLD and there was one. */
  async delete(input: DeleteInput): Promise<Item | undefined> {
    const res = await this.send(
      () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.name,
            Key: toItem(input.Key),
            ReturnValues: input.ReturnValues,
            ...expressions(input),
          }),
        ),
      'DeleteItem',
    );
    return itemOf(res.Attributes);
  }

  /** Writes that all happen or none. */
  async transact(items: readonly TransactItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.send(
      () => this.client.send(new TransactWriteItemsCommand({ TransactItems: items.map(transactWrite) })),
      'TransactWriteItems',
    );
  }

  private async send<O>(call: () => Promise<O>, operation: string): Promise<O> {
    try {
      return await call();
    } catch (err) {
      if (isConditionFailure(err)) throw new ConditionFailedError(err);
      if (isTransient(err)) throw new TransientError(`DynamoDB ${operation} failed transiently`, err);
      throw err;
    }
  }
}

/** The key `getMany` files an item under. */
export const keyOf = (k: Key) => keyId(k);

/**
 * Capacity accounting for the bench, as SDK middleware: the product's DynamoDB calls do not ask for
 * their consumed capacity; the bench adds `ReturnConsumedCapacity: 'TOTAL'` to every call of a client
 * it instruments and reports what each call consumed, with its input (attribute values, as the table
 * client marshalled them) and duration.
 */
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type CapacityObserver = (
  operation: string,
  read: number,
  write: number,
  call: { input: unknown; ms: number },
) => void;

const NAME = 'benchConsumedCapacity';
const COUNTED = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'TransactWriteItems',
]);

/** Adds the accounting middleware to `client` (once); returns a function that removes it. */
export function instrumentDynamo(client: DynamoDBClient, observer: CapacityObserver): () => void {
  client.middlewareStack.remove(NAME);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      if (!COUNTED.has(operation)) return next(args);
      const input = args.input as Record<string, unknown>;
      // Before the serializer: the request DynamoDB receives asks for its capacity.
      input.ReturnConsumedCapacity = 'TOTAL';
      const started = performance.now();
      const res = await next(args);
      const consumed = (res.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      let read = 0;
      let write = 0;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        read += c.ReadCapacityUnits ?? 0;
        write += c.WriteCapacityUnits ?? 0;
        if (c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined) {
          // DynamoDB reports only CapacityUnits for some operations: attribute by operation kind.
          if (/Get|Query/.test(operation)) read += c.CapacityUnits ?? 0;
          else write += c.CapacityUnits ?? 0;
        }
      }
      observer(operation, read, write, { input, ms: performance.now() - started });
      return res;
    },
    { step: 'serialize', priority: 'high', name: NAME },
  );
  return () => client.middlewareStack.remove(NAME);
}

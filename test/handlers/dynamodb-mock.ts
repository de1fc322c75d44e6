/**
 * The handler tests' DynamoDB. The product sends the plain client's commands and marshals items itself
 * (`shared/data/table.ts`); the tests arrange answers and assert calls in plain items, the way a
 * reader thinks of them. This mock joins the two: every plain command the product sends is
 * unmarshalled with `@aws-sdk/util-dynamodb`, handed to a mock of the document client (aws-sdk-client-mock,
 * where the tests' `.on(GetCommand)…` answers and `commandCalls(PutCommand)` live), and the answer is
 * marshalled back. A call the product marshals wrongly fails here as it would at DynamoDB: the
 * unmarshaller refuses what is not an attribute value.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand as PlainQueryCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Wire = Record<string, any>;
type Plain = Record<string, any>;

/** A copy with the undefined fields left out (the product spreads optional expressions). */
const defined = (o: Wire): Wire => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A command's input, from attribute values to plain values, field by field. */
function fromWire(input: Wire): Plain {
  const out = defined(input);
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey']) {
    if (out[field]) out[field] = unmarshall(out[field]);
  }
  if (out.RequestItems) {
    const requests = out.RequestItems as BatchGetItemCommandInput['RequestItems'] & object;
    out.RequestItems = Object.fromEntries(
      Object.entries(requests).map(([table, r]) => [
        table,
        { ...r, Keys: (r.Keys ?? []).map((k) => unmarshall(k)) },
      ]),
    );
  }
  if (out.TransactItems) {
    out.TransactItems = (out.TransactItems as Wire[]).map((t) =>
      Object.fromEntries(Object.entries(t).map(([kind, write]) => [kind, fromWire(write)])),
    );
  }
  return out;
}

/** An answer, from plain values to attribute values. */
function toWire(output: Plain | undefined): Wire {
  const out: Wire = { ...(output ?? {}) };
  for (const field of ['Item', 'Attributes', 'LastEvaluatedKey']) {
    if (out[field]) out[field] = marshall(out[field], { removeUndefinedValues: true });
  }
  if (out.Items) out.Items = (out.Items as Plain[]).map((i) => marshall(i, { removeUndefinedValues: true }));
  if (out.Responses) {
    out.Responses = Object.fromEntries(
      Object.entries(out.Responses as Record<string, Plain[]>).map(([table, items]) => [
        table,
        items.map((i) => marshall(i, { removeUndefinedValues: true })),
      ]),
    );
  }
  if (out.UnprocessedKeys) {
    out.UnprocessedKeys = Object.fromEntries(
      Object.entries(out.UnprocessedKeys as Record<string, { Keys: Plain[] }>).map(([table, r]) => [
        table,
        { ...r, Keys: r.Keys.map((k) => marshall(k)) },
      ]),
    );
  }
  return out;
}

/**
 * Mocks DynamoDB for a test file; returns the document-client mock the tests program and inspect.
 * Its `reset()` clears the tests' answers and history; the routing from the plain client stays.
 */
export function mockDynamoDb() {
  const doc = mockClient(DynamoDBDocumentClient);
  const plain = mockClient(DynamoDBClient);
  // Its `send` is the document-client mock's.
  const target = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const routes = [
    [GetItemCommand, GetCommand],
    [PutItemCommand, PutCommand],
    [UpdateItemCommand, UpdateCommand],
    [DeleteItemCommand, DeleteCommand],
    [PlainQueryCommand, QueryCommand],
    [BatchGetItemCommand, BatchGetCommand],
    [TransactWriteItemsCommand, TransactWriteCommand],
  ] as const;
  for (const [Wired, Doc] of routes) {
    plain.on(Wired as never).callsFake(async (input: Wire) => {
      const answer = await target.send(
        new (Doc as unknown as new (i: Plain) => GetCommand)(fromWire(input)) as never,
      );
      return toWire(answer as Plain | undefined);
    });
  }
  return doc;
}

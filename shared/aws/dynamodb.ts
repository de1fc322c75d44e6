import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SDK_COMMAND_CLIENT_CONFIG } from './sdk-config.js';

/**
 * The DynamoDB client, built once per module (cold start) so every invocation reuses its connections.
 * One module per SDK client: a function bundles only the clients it imports. The repository and the
 * notification store send the plain client's commands (`shared/data/table.ts`), so its middleware is
 * resolved once per command type (`SDK_COMMAND_CLIENT_CONFIG`).
 */
let dynamo: DynamoDBClient | undefined;

export const dynamoClient = () => {
  dynamo ??= new DynamoDBClient(SDK_COMMAND_CLIENT_CONFIG);
  return dynamo;
};

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SDK_CLIENT_CONFIG } from './sdk-config.js';

/**
 * The DynamoDB client, built once per module (cold start) so every invocation reuses its connections.
 * One module per SDK client: a function bundles only the clients it imports.
 */
let dynamo: DynamoDBClient | undefined;

export const dynamoClient = () => {
  dynamo ??= new DynamoDBClient(SDK_CLIENT_CONFIG);
  return dynamo;
};

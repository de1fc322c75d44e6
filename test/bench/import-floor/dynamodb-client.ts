// The DynamoDB client as every table-reading function builds it, and nothing else.
import { dynamoClient } from '../../../shared/aws/dynamodb.js';

const client = dynamoClient();
export const handler = async () => client.config.region;

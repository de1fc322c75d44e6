import { Repository } from '../data/repository.js';
import { readEnv, TableEnv } from '../env.js';
import { systemClock } from '../model.js';
import { dynamoClient } from './dynamodb.js';

/** The table repository every handler shares, built once at cold start from TABLE_NAME. */
export function tableRepository(): Repository {
  const env = readEnv(TableEnv);
  return new Repository(dynamoClient(), env.TABLE_NAME);
}

export { systemClock };

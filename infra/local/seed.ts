import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Repository } from '../../shared/data/repository.js';
import { upsertMember, upsertProvider } from '../../shared/usecases/directory.js';
import { DEMO_MEMBERS, DEMO_PROVIDERS } from './demo-data.js';

/** Loads the demo members and providers through the same use cases as the admin API, once per data directory. */
export async function seedDemoData(dynamo: DynamoDBClient, tableName: string, dataDir: string) {
  const marker = resolve(dataDir, 'demo-data-loaded');
  if (existsSync(marker)) return;
  const repo = new Repository(dynamo, tableName);
  for (const [id, member] of Object.entries(DEMO_MEMBERS)) await upsertMember(repo, id, member);
  for (const [npi, provider] of Object.entries(DEMO_PROVIDERS)) await upsertProvider(repo, npi, provider);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

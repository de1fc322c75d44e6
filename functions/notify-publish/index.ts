import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { SDK_COMMAND_CLIENT_CONFIG } from '../../shared/aws/sdk-config.js';
import { readEnv } from '../../shared/env.js';
import {
  NOTIFICATION_DETAIL_TYPE,
  NOTIFICATION_SOURCE,
  notificationsForChange,
} from '../../shared/notify/events.js';
import { logger } from '../../shared/observability.js';

const env = readEnv({ EVENT_BUS_NAME: z.string().min(1) });
const events = new EventBridgeClient(SDK_COMMAND_CLIENT_CONFIG);

type Image = Parameters<typeof notificationsForChange>[0];
type Wire = Record<string, AttributeValue>;
/**
 * The head's attributes the notifications read. The rest of the image (criteria, evidence, notes)
 * is never unmarshalled: it is most of the item, and PHI this function has no use for.
 */
const IMAGE_FIELDS = Object.keys({
  referralId: true,
  portalId: true,
  status: true,
  reasons: true,
  version: true,
  decidedAt: true,
  authorization: true,
  appeals: true,
  // Every field the notifications read, and no other: a field added to their image type fails here.
} satisfies Record<keyof NonNullable<Image>, true>);
const image = (raw: unknown): Image => {
  if (raw === undefined) return undefined;
  const picked: Wire = {};
  for (const field of IMAGE_FIELDS) {
    const value = (raw as Wire)[field];
    if (value !== undefined) picked[field] = value;
  }
  return unmarshall(picked) as Image;
};

/**
 * The outbox's publisher: each change to a referral item on the table's stream becomes the
 * notifications it announces, put on the bus. The images hold PHI; only ids, statuses and codes
 * leave this function. A failure throws, so Lambda retries the batch (event ids are stable).
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const entries: PutEventsRequestEntry[] = [];
  for (const record of event.Records) {
    const when = record.dynamodb?.ApproximateCreationDateTime;
    const occurredAt = when ? new Date(when * 1000).toISOString() : new Date().toISOString();
    for (const detail of notificationsForChange(
      image(record.dynamodb?.OldImage),
      image(record.dynamodb?.NewImage),
      occurredAt,
    )) {
      entries.push({
        EventBusName: env.EVENT_BUS_NAME,
        Source: NOTIFICATION_SOURCE,
        DetailType: NOTIFICATION_DETAIL_TYPE,
        Detail: JSON.stringify(detail),
        Resources: [],
      });
    }
  }
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    const res = await events.send(new PutEventsCommand({ Entries: batch }));
    if (res.FailedEntryCount) throw new Error(`PutEvents refused ${res.FailedEntryCount} notification(s)`);
  }
  if (entries.length) logger.info('notifications published', { count: entries.length });
};

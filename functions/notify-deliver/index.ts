import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { dynamoClient } from '../../shared/aws/dynamodb.js';
import { kmsSecretBox, sqsDeliveryQueue } from '../../shared/aws/notify-clients.js';
import { tableRepository } from '../../shared/aws/runtime.js';
import { NotificationStore } from '../../shared/data/notifications.js';
import { readEnv, TableEnv } from '../../shared/env.js';
import { systemClock } from '../../shared/model.js';
import { postJson } from '../../shared/notify/http-post.js';
import { logger } from '../../shared/observability.js';
import {
  endpointsPerBatch,
  handleNotificationMessage,
  pasSubscriptionPayload,
} from '../../shared/usecases/notifications.js';

const env = readEnv({
  ...TableEnv,
  NOTIFICATION_QUEUE_URL: z.string().min(1),
  SECRET_KEY_ID: z.string().min(1),
  ALLOW_LOOPBACK_ENDPOINTS: z.enum(['true', 'false']),
});
const deps = {
  store: new NotificationStore(dynamoClient(), env.TABLE_NAME),
  clock: systemClock,
  policy: { allowLoopback: env.ALLOW_LOOPBACK_ENDPOINTS === 'true' },
  secrets: kmsSecretBox(env.SECRET_KEY_ID),
  queue: sqsDeliveryQueue(env.NOTIFICATION_QUEUE_URL),
  post: postJson,
  fhirPayload: pasSubscriptionPayload(tableRepository(), systemClock),
};

/**
 * Notification queue consumer: partial batch failures, so one endpoint's retry leaves the rest alone.
 * The records of a batch are independent (each is one event for one endpoint, or one fan-out), so they
 * run side by side: a batch costs its slowest receiver, not the sum of them.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchDeps = { ...deps, endpoints: endpointsPerBatch(deps.store) };
  const failed = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const outcome = await handleNotificationMessage(batchDeps, record.body, {
          receiptHandle: record.receiptHandle,
          receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
        });
        return outcome === 'retry';
      } catch (err) {
        logger.error('notification message failed', { messageId: record.messageId, error: err as Error });
        return true;
      }
    }),
  );
  return {
    batchItemFailures: event.Records.filter((_, i) => failed[i]).map((r) => ({
      itemIdentifier: r.messageId,
    })),
  };
};

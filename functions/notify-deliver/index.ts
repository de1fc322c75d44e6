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
import { handleNotificationMessage, pasSubscriptionPayload } from '../../shared/usecases/notifications.js';

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

/** Notification queue consumer: partial batch failures, so one endpoint's retry leaves the rest alone. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const outcome = await handleNotificationMessage(deps, record.body, {
        receiptHandle: record.receiptHandle,
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
      });
      if (outcome === 'retry') batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch (err) {
      logger.error('notification message failed', { messageId: record.messageId, error: err as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

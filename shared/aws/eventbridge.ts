import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../errors.js';
import type { EventPublisher } from '../ports.js';
import { SDK_COMMAND_CLIENT_CONFIG } from './sdk-config.js';

/** The EventBridge adapter. The client is built once per module (cold start), on first use. */
let events: EventBridgeClient | undefined;
const eventsClient = () => {
  events ??= new EventBridgeClient(SDK_COMMAND_CLIENT_CONFIG);
  return events;
};

export function eventBridgePublisher(eventBusName: string): EventPublisher {
  return {
    async publish(source, detailType, detail) {
      const res = await eventsClient().send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if (res.FailedEntryCount) {
        throw new TransientError(`PutEvents refused the event: ${res.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
      }
    },
  };
}

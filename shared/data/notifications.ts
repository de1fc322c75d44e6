import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { NotificationEvent, NotificationType } from '../notify/events.js';
import { ConditionFailedError, type Item, TableClient } from './table.js';

/**
 * A portal's notification endpoints and the delivery ledger, in the system's table under the
 * portal's partition (docs/table-design.md): `PORTAL#<id>` with `WEBHOOK`, `SUBSCRIPTION#<id>`
 * and `DELIVERY#<eventId>#<endpointId>` items. Deliveries expire after 30 days (TTL).
 */
export const notificationKeys = {
  partition: (portalId: string) => `PORTAL#${portalId}`,
  webhook: (portalId: string) => ({ PK: `PORTAL#${portalId}`, SK: 'WEBHOOK' }),
  subscription: (portalId: string, id: string) => ({ PK: `PORTAL#${portalId}`, SK: `SUBSCRIPTION#${id}` }),
  delivery: (portalId: string, eventId: string, endpointId: string) => ({
    PK: `PORTAL#${portalId}`,
    SK: `DELIVERY#${eventId}#${endpointId}`,
  }),
};

const DELIVERY_TTL_SECONDS = 30 * 24 * 3600;

export interface WebhookRecord {
  portalId: string;
  url: string;
  /** Types sent; all when absent. */
  events?: NotificationType[];
  /** The secret, encrypted under the data key (KMS ciphertext, base64). Never returned by the API. */
  secretCiphertext: string;
  createdAt: string;
}

export interface SubscriptionRecord {
  portalId: string;
  subscriptionId: string;
  status: 'requested' | 'active' | 'error' | 'off';
  endpoint: string;
  /** The FHIR Subscription resource as stored (what GET returns). */
  resource: Record<string, unknown>;
  eventsSinceSubscriptionStart: number;
  createdAt: string;
}

/** `webhook` or `subscription:<id>`: one endpoint of a portal. */
export type EndpointId = string;

export type DeliveryStatus = 'QUEUED' | 'RETRYING' | 'DELIVERED' | 'DEAD_LETTERED' | 'CANCELLED';

export interface DeliveryAttempt {
  at: string;
  outcome: 'DELIVERED' | 'FAILED';
  /** HTTP status, or the failure's kind (TIMEOUT, REFUSED, REDIRECT, NETWORK). */
  result: string;
  ms: number;
}

export interface DeliveryRecord {
  portalId: string;
  eventId: string;
  endpointId: EndpointId;
  type: NotificationType;
  referralId: string;
  status: DeliveryStatus;
  createdAt: string;
  updatedAt: string;
  attempts: DeliveryAttempt[];
  nextRetryAt?: string;
  event: NotificationEvent;
}

/** A portal's notification endpoints. */
export interface PortalEndpoints {
  webhook: WebhookRecord | undefined;
  subscriptions: SubscriptionRecord[];
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { PK: _pk, SK: _sk, expiresAt: _e, ...rest } = item;
  return rest as T;
}

export class NotificationStore {
  private readonly db: TableClient;

  constructor(
    client: DynamoDBClient,
    readonly table: string,
  ) {
    this.db = new TableClient(client, table);
  }

  async putWebhook(record: WebhookRecord): Promise<void> {
    await this.db.put({ Item: { ...notificationKeys.webhook(record.portalId), ...record } });
  }

  async getWebhook(portalId: string): Promise<WebhookRecord | undefined> {
    return strip<WebhookRecord>(await this.db.get(notificationKeys.webhook(portalId)));
  }

  async putSubscription(record: SubscriptionRecord): Promise<void> {
    await this.db.put({
      Item: { ...notificationKeys.subscription(record.portalId, record.subscriptionId), ...record },
    });
  }

  async getSubscription(portalId: string, id: string): Promise<SubscriptionRecord | undefined> {
    return strip<SubscriptionRecord>(await this.db.get(notificationKeys.subscription(portalId, id)));
  }

  async deleteSubscription(portalId: string, id: string): Promise<boolean> {
    const old = await this.db.delete({
      Key: notificationKeys.subscription(portalId, id),
      ReturnValues: 'ALL_OLD',
    });
    return old !== undefined;
  }

  /**
   * Where a portal's notifications go — its webhook and its FHIR Subscriptions — in one Query:
   * the items sort `SUBSCRIPTION#…` then `WEBHOOK` in the portal's partition (deliveries, `DELIVERY#…`,
   * sort before), so the fan-out of every event costs one read instead of a GetItem and a Query.
   */
  async getEndpoints(portalId: string): Promise<PortalEndpoints> {
    const items = await this.query(portalId, 'PK = :pk AND SK BETWEEN :from AND :to', {
      ':from': 'SUBSCRIPTION#',
      ':to': 'WEBHOOK',
    });
    return {
      webhook: strip<WebhookRecord>(items.find((i) => i.SK === 'WEBHOOK')),
      subscriptions: items
        .filter((i) => String(i.SK).startsWith('SUBSCRIPTION#'))
        .flatMap((i) => strip<SubscriptionRecord>(i) ?? []),
    };
  }

  /**
   * Counts one more event on the subscription (the status Parameters' eventsSinceSubscriptionStart);
   * undefined when the subscription is gone (deleted since the delivery was read).
   */
  async countSubscriptionEvent(portalId: string, id: string): Promise<number | undefined> {
    try {
      const updated = await this.db.update({
        Key: notificationKeys.subscription(portalId, id),
        UpdateExpression: 'ADD eventsSinceSubscriptionStart :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      });
      return Number(updated?.eventsSinceSubscriptionStart ?? 1);
    } catch (err) {
      if (err instanceof ConditionFailedError) return undefined;
      throw err;
    }
  }

  /**
   * Opens the ledger entry of one event for one endpoint. False when it is already there and has
   * been attempted (a duplicate event: the delivery under way owns it).
   */
  async openDelivery(record: DeliveryRecord): Promise<boolean> {
    try {
      await this.db.put({
        Item: {
          ...notificationKeys.delivery(record.portalId, record.eventId, record.endpointId),
          ...record,
          expiresAt: Math.floor(Date.parse(record.createdAt) / 1000) + DELIVERY_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR size(attempts) = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      });
      return true;
    } catch (err) {
      if (err instanceof ConditionFailedError) return false;
      throw err;
    }
  }

  async getDelivery(
    portalId: string,
    eventId: string,
    endpointId: string,
  ): Promise<DeliveryRecord | undefined> {
    return strip<DeliveryRecord>(await this.db.get(notificationKeys.delivery(portalId, eventId, endpointId)));
  }

  async recordAttempt(
    key: { portalId: string; eventId: string; endpointId: string },
    attempt: DeliveryAttempt | undefined,
    status: DeliveryStatus,
    nextRetryAt: string | undefined,
  ): Promise<void> {
    const sets = ['#status = :status', 'updatedAt = :now'];
    const values: Record<string, unknown> = {
      ':status': status,
      ':now': attempt?.at ?? new Date().toISOString(),
    };
    if (attempt) {
      sets.push('attempts = list_append(if_not_exists(attempts, :empty), :attempt)');
      values[':attempt'] = [attempt];
      values[':empty'] = [];
    }
    if (nextRetryAt) {
      sets.push('nextRetryAt = :next');
      values[':next'] = nextRetryAt;
    }
    await this.db.update({
      Key: notificationKeys.delivery(key.portalId, key.eventId, key.endpointId),
      UpdateExpression: `SET ${sets.join(', ')}${nextRetryAt ? '' : ' REMOVE nextRetryAt'}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
  }

  /** The portal's recent deliveries, newest first. */
  async listDeliveries(portalId: string, limit = 100): Promise<DeliveryRecord[]> {
    const items = (
      await this.query(portalId, 'PK = :pk AND begins_with(SK, :prefix)', { ':prefix': 'DELIVERY#' })
    ).flatMap((i) => strip<DeliveryRecord>(i) ?? []);
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }

  /** The portal partition's items (keys kept) matching a sort-key condition on `:pk` and `values`, at most 1,000. */
  private query(portalId: string, condition: string, values: Record<string, string>): Promise<Item[]> {
    return this.db.query(
      {
        KeyConditionExpression: condition,
        ExpressionAttributeValues: { ':pk': notificationKeys.partition(portalId), ...values },
        ConsistentRead: true,
      },
      1000,
    );
  }
}

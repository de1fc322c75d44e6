import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type {
  DeliveryRecord,
  NotificationStore,
  PortalEndpoints,
  SubscriptionRecord,
} from '../data/notifications.js';
import type { Repository } from '../data/repository.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Caller, Clock } from '../model.js';
import { MAX_ATTEMPTS, retryDelaySeconds } from '../notify/backoff.js';
import { checkEndpointUrl, type EndpointPolicy, resolveEndpoint } from '../notify/endpoint-safety.js';
import {
  NOTIFICATION_TYPES,
  type NotificationDetail,
  NotificationDetailSchema,
  type NotificationEvent,
  NotificationEventSchema,
} from '../notify/events.js';
import {
  makeSubscriptionNotification,
  notificationBundle,
  type PasEntry,
  payloadContent,
  SubscriptionRequestSchema,
  statusParameters,
  subscriptionResource,
} from '../notify/fhir-subscriptions.js';
import type { PostResult } from '../notify/http-post.js';
import {
  type DeliveriesResponseSchema,
  WebhookRequestSchema,
  type WebhookResponseSchema,
} from '../notify/schemas.js';
import { newWebhookSecret, signatureHeader } from '../notify/signing.js';
import { parseOrThrow } from '../schemas.js';
import { currentPasResponse } from './pas.js';

/** Encrypts and decrypts webhook secrets (KMS under the data key on AWS). */
export interface SecretBox {
  seal(plaintext: string, context: Record<string, string>): Promise<string>;
  open(ciphertext: string, context: Record<string, string>): Promise<string>;
}

/** The notification queue, as the delivery function uses it. */
export interface DeliveryQueue {
  send(message: DeliveryMessage): Promise<void>;
  /** Hides a received message for `seconds` (the per-endpoint backoff). */
  retryLater(receiptHandle: string, seconds: number): Promise<void>;
}

export type Poster = (
  target: Parameters<typeof import('../notify/http-post.js').postJson>[0],
  body: string,
  headers: Record<string, string>,
) => Promise<PostResult>;

/** Builds a FHIR notification Bundle for one subscription (shared/notify/fhir-subscriptions.ts). */
export type SubscriptionPayload = (
  subscription: { subscriptionId: string; resource: Record<string, unknown> },
  event: NotificationEvent,
  eventNumber: number,
) => Promise<Record<string, unknown>>;

/**
 * SPEC 9's full-resource FHIR notification: the status Parameters, then the PAS response Bundle's
 * entries for the referral as it stands when the notification is sent (the same builder as `$submit`
 * and `$inquire`). A referral that cannot be read fails the attempt, which is retried.
 */
export function pasSubscriptionPayload(repo: Repository, clock: Clock): SubscriptionPayload {
  return makeSubscriptionNotification(async (event): Promise<PasEntry[]> => {
    const bundle = await currentPasResponse(repo, event.referralId, clock.now().toISOString());
    if (!bundle) throw new NotFoundError(`Referral ${event.referralId}`);
    return (bundle.entry ?? []).map((e) => ({
      fullUrl: e.fullUrl ?? `urn:uuid:${randomUUID()}`,
      resource: e.resource as PasEntry['resource'],
    }));
  });
}

export interface NotifyDeps {
  store: NotificationStore;
  clock: Clock;
  policy: EndpointPolicy;
}

/**
 * A portal's endpoints, read once per queue batch: the events of one batch are fanned out against
 * the same read (a batch is handled at one moment), so ten events of one portal cost one Query.
 */
export function endpointsPerBatch(store: NotificationStore): (portalId: string) => Promise<PortalEndpoints> {
  const seen = new Map<string, Promise<PortalEndpoints>>();
  return (portalId) => {
    let read = seen.get(portalId);
    if (!read) {
      read = store.getEndpoints(portalId);
      seen.set(portalId, read);
    }
    return read;
  };
}

// ---------- webhooks (SPEC 9, JSON) ----------

function assertOwnPortal(caller: Caller, portalId: string): void {
  if (!caller.roles.includes('portal') || caller.portalId !== portalId) {
    throw new ForbiddenError('Only the portal itself may manage its notifications.');
  }
}

export async function registerWebhook(
  deps: NotifyDeps & { secrets: SecretBox },
  caller: Caller,
  portalId: string,
  body: unknown,
): Promise<z.infer<typeof WebhookResponseSchema>> {
  assertOwnPortal(caller, portalId);
  const request = parseOrThrow(WebhookRequestSchema, body);
  const shape = checkEndpointUrl(request.url, deps.policy);
  if (!shape.ok) throw new ValidationError([{ field: 'url', message: shape.reason }]);
  const resolved = await resolveEndpoint(request.url, deps.policy);
  if (!resolved.ok) throw new ValidationError([{ field: 'url', message: resolved.reason }]);
  const secret = newWebhookSecret();
  const secretCiphertext = await deps.secrets.seal(secret, { portalId });
  await deps.store.putWebhook({
    portalId,
    url: request.url,
    ...(request.events ? { events: request.events } : {}),
    secretCiphertext,
    createdAt: deps.clock.now().toISOString(),
  });
  return { portalId, url: request.url, events: request.events ?? [...NOTIFICATION_TYPES], secret };
}

export async function listDeliveries(
  deps: NotifyDeps,
  caller: Caller,
  portalId: string,
): Promise<z.infer<typeof DeliveriesResponseSchema>> {
  assertOwnPortal(caller, portalId);
  const items = await deps.store.listDeliveries(portalId);
  return {
    items: items.map((d) => ({
      eventId: d.eventId,
      type: d.type,
      referralId: d.referralId,
      endpoint: d.endpointId,
      status: d.status,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      attempts: d.attempts ?? [],
      ...(d.nextRetryAt ? { nextRetryAt: d.nextRetryAt } : {}),
    })),
  };
}

// ---------- the queue's messages ----------

/** One event for one endpoint of a portal: what is retried (per endpoint) until it is delivered. */
export const DeliveryMessageSchema = z.object({
  kind: z.literal('delivery'),
  portalId: z.string().min(1),
  endpointId: z.string().min(1),
  event: NotificationEventSchema,
});
export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;

/** What the EventBridge rule puts on the queue: the bus event around a NotificationRaised detail. */
const BusEnvelopeSchema = z.object({ 'detail-type': z.string(), detail: NotificationDetailSchema });

export type QueueOutcome = 'done' | 'retry';

/**
 * One message of the notification queue. A bus event fans out into one delivery message per
 * endpoint of the portal (so each endpoint has its own backoff); a delivery message is one attempt.
 */
export async function handleNotificationMessage(
  deps: NotifyDeps & {
    secrets: SecretBox;
    queue: DeliveryQueue;
    post: Poster;
    fhirPayload: SubscriptionPayload;
    /** The portal's endpoints (`endpointsPerBatch`); read from the store when not given. */
    endpoints?: (portalId: string) => Promise<PortalEndpoints>;
  },
  body: string,
  receipt: { receiptHandle: string; receiveCount: number },
): Promise<QueueOutcome> {
  const parsed: unknown = JSON.parse(body);
  const envelope = BusEnvelopeSchema.safeParse(parsed);
  if (envelope.success) {
    await fanOut(deps, envelope.data.detail);
    return 'done';
  }
  const message = DeliveryMessageSchema.parse(parsed);
  return deliverOne(deps, message, receipt);
}

async function fanOut(
  deps: NotifyDeps & { queue: DeliveryQueue; endpoints?: (portalId: string) => Promise<PortalEndpoints> },
  detail: NotificationDetail,
): Promise<void> {
  const { portalId, event } = detail;
  const endpoints: string[] = [];
  const { webhook, subscriptions } = await (deps.endpoints ?? ((p) => deps.store.getEndpoints(p)))(portalId);
  if (webhook && (!webhook.events || webhook.events.includes(event.type))) endpoints.push('webhook');
  for (const s of subscriptions) {
    if (s.status === 'active' || s.status === 'requested') endpoints.push(`subscription:${s.subscriptionId}`);
  }
  const now = deps.clock.now().toISOString();
  for (const endpointId of endpoints) {
    const record: DeliveryRecord = {
      portalId,
      eventId: event.id,
      endpointId,
      type: event.type,
      referralId: event.referralId,
      status: 'QUEUED',
      createdAt: now,
      updatedAt: now,
      attempts: [],
      event,
    };
    // A repeated event (same id) whose delivery already began is that delivery's business.
    if (!(await deps.store.openDelivery(record))) continue;
    await deps.queue.send({ kind: 'delivery', portalId, endpointId, event });
  }
}

async function deliverOne(
  deps: NotifyDeps & {
    secrets: SecretBox;
    queue: DeliveryQueue;
    post: Poster;
    fhirPayload: SubscriptionPayload;
  },
  message: DeliveryMessage,
  receipt: { receiptHandle: string; receiveCount: number },
): Promise<QueueOutcome> {
  const { portalId, endpointId, event } = message;
  const key = { portalId, eventId: event.id, endpointId };
  const existing = await deps.store.getDelivery(portalId, event.id, endpointId);
  if (existing?.status === 'DELIVERED' || existing?.status === 'CANCELLED') return 'done';

  let url: string;
  let body: string;
  const headers: Record<string, string> = { 'x-event-id': event.id, 'x-event-type': event.type };
  const started = deps.clock.now();
  if (endpointId === 'webhook') {
    const webhook = await deps.store.getWebhook(portalId);
    if (!webhook || (webhook.events && !webhook.events.includes(event.type))) {
      await deps.store.recordAttempt(key, undefined, 'CANCELLED', undefined);
      return 'done';
    }
    url = webhook.url;
    body = JSON.stringify(event);
    const secret = await deps.secrets.open(webhook.secretCiphertext, { portalId });
    headers['x-signature'] = signatureHeader(secret, body, Math.floor(started.getTime() / 1000));
  } else {
    const subscriptionId = endpointId.slice('subscription:'.length);
    const subscription = await deps.store.getSubscription(portalId, subscriptionId);
    if (!subscription || subscription.status === 'off') {
      await deps.store.recordAttempt(key, undefined, 'CANCELLED', undefined);
      return 'done';
    }
    url = subscription.endpoint;
    const number = await deps.store.countSubscriptionEvent(portalId, subscriptionId);
    if (number === undefined) {
      // Deleted between the read and the count: nothing more goes to it.
      await deps.store.recordAttempt(key, undefined, 'CANCELLED', undefined);
      return 'done';
    }
    body = JSON.stringify(await deps.fhirPayload(subscription, event, number));
    headers['content-type'] = 'application/fhir+json';
  }

  const target = await resolveEndpoint(url, deps.policy);
  const result: PostResult = target.ok
    ? await deps.post(target, body, headers)
    : { ok: false, result: 'REFUSED', ms: 0 };
  const attempt = {
    at: started.toISOString(),
    outcome: result.ok ? ('DELIVERED' as const) : ('FAILED' as const),
    result: result.result,
    ms: result.ms,
  };
  if (result.ok) {
    await deps.store.recordAttempt(key, attempt, 'DELIVERED', undefined);
    return 'done';
  }
  if (receipt.receiveCount >= MAX_ATTEMPTS) {
    // The queue's redrive policy moves it to the dead-letter queue on the next receive.
    await deps.store.recordAttempt(key, attempt, 'DEAD_LETTERED', undefined);
    return 'retry';
  }
  const delay = retryDelaySeconds(receipt.receiveCount);
  const next = new Date(deps.clock.now().getTime() + delay * 1000).toISOString();
  await deps.store.recordAttempt(key, attempt, 'RETRYING', next);
  await deps.queue.retryLater(receipt.receiptHandle, delay);
  return 'retry';
}

// ---------- FHIR Subscriptions (SPEC 9, R4 Backport) ----------

export async function createSubscription(
  deps: NotifyDeps & { handshake?: (record: SubscriptionRecord) => Promise<boolean> },
  caller: Caller,
  body: unknown,
): Promise<Record<string, unknown>> {
  if (!caller.roles.includes('portal') || !caller.portalId) throw new ForbiddenError();
  const request = parseOrThrow(SubscriptionRequestSchema, body);
  if (payloadContent(request) !== 'full-resource') {
    throw new ValidationError([
      { field: 'channel._payload.extension', message: 'only full-resource content is offered' },
    ]);
  }
  const shape = checkEndpointUrl(request.channel.endpoint, deps.policy);
  if (!shape.ok) throw new ValidationError([{ field: 'channel.endpoint', message: shape.reason }]);
  const resolved = await resolveEndpoint(request.channel.endpoint, deps.policy);
  if (!resolved.ok) throw new ValidationError([{ field: 'channel.endpoint', message: resolved.reason }]);
  const subscriptionId = `sub-${randomUUID()}`;
  const record: SubscriptionRecord = {
    portalId: caller.portalId,
    subscriptionId,
    status: 'requested',
    endpoint: request.channel.endpoint,
    resource: subscriptionResource(subscriptionId, request, 'requested'),
    eventsSinceSubscriptionStart: 0,
    createdAt: deps.clock.now().toISOString(),
  };
  // The IG's handshake: a status bundle to the endpoint; a 2xx makes the subscription active.
  const accepted = deps.handshake ? await deps.handshake(record) : true;
  record.status = accepted ? 'active' : 'error';
  record.resource = subscriptionResource(subscriptionId, request, record.status);
  await deps.store.putSubscription(record);
  return record.resource;
}

export async function readSubscription(
  deps: NotifyDeps,
  caller: Caller,
  id: string,
): Promise<Record<string, unknown>> {
  if (!caller.roles.includes('portal') || !caller.portalId) throw new ForbiddenError();
  const found = await deps.store.getSubscription(caller.portalId, id);
  if (!found) throw new NotFoundError(`Subscription ${id}`);
  return found.resource;
}

export async function deleteSubscription(deps: NotifyDeps, caller: Caller, id: string): Promise<void> {
  if (!caller.roles.includes('portal') || !caller.portalId) throw new ForbiddenError();
  if (!(await deps.store.deleteSubscription(caller.portalId, id)))
    throw new NotFoundError(`Subscription ${id}`);
}

/** Sends the handshake bundle; true when the endpoint answered 2xx. */
export function makeHandshake(policy: EndpointPolicy, post: Poster) {
  return async (record: SubscriptionRecord): Promise<boolean> => {
    const target = await resolveEndpoint(record.endpoint, policy);
    if (!target.ok) return false;
    const bundle = notificationBundle(
      statusParameters({ subscriptionId: record.subscriptionId, status: 'requested' }, 'handshake', 0),
      [],
      new Date().toISOString(),
    );
    const res = await post(target, JSON.stringify(bundle), { 'content-type': 'application/fhir+json' });
    return res.ok;
  };
}

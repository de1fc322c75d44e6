import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { NotificationEvent } from './events.js';

/** SPEC 9: the one topic the desk offers. */
export const PAS_TOPIC = 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const PAYLOAD_CONTENT_URL = `${BACKPORT}/backport-payload-content`;

/**
 * What an R4 Backport `Subscription` must say to be accepted: the PAS topic as `criteria`, a
 * `rest-hook` channel with an endpoint, `application/fhir+json`, and full-resource content.
 */
export const SubscriptionRequestSchema = z.object({
  resourceType: z.literal('Subscription'),
  status: z.enum(['requested', 'active']).optional(),
  reason: z.string().optional(),
  criteria: z.literal(PAS_TOPIC),
  end: z.string().optional(),
  channel: z.object({
    type: z.literal('rest-hook'),
    endpoint: z.string().min(1).max(2048),
    payload: z.literal('application/fhir+json').optional(),
    header: z.array(z.string()).optional(),
    _payload: z
      .object({
        extension: z.array(z.object({ url: z.string(), valueCode: z.string().optional() })).optional(),
      })
      .optional(),
  }),
});
export type SubscriptionRequest = z.infer<typeof SubscriptionRequestSchema>;

export function payloadContent(request: SubscriptionRequest): string {
  return (
    request.channel._payload?.extension?.find((e) => e.url === PAYLOAD_CONTENT_URL)?.valueCode ??
    'full-resource'
  );
}

/** The stored Subscription resource: the request as given, with the server's id and status. */
export function subscriptionResource(
  id: string,
  request: SubscriptionRequest,
  status: 'requested' | 'active' | 'error' | 'off',
): Record<string, unknown> {
  return {
    ...request,
    resourceType: 'Subscription',
    id,
    status,
    reason: request.reason ?? 'Prior-authorization updates',
    channel: {
      ...request.channel,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: PAYLOAD_CONTENT_URL, valueCode: 'full-resource' }] },
    },
  };
}

/** One entry of the PAS response Bundle: its resource and the fullUrl its references resolve against. */
export interface PasEntry {
  fullUrl: string;
  resource: Record<string, unknown> & { resourceType: string; id?: string };
}

/**
 * The resources a full-resource notification carries after the status Parameters: the PAS
 * response Bundle's entries for the event's referral (ClaimResponse first), as shared/fhir builds
 * them for `$submit` and `$inquire` (wired in shared/usecases/notifications.ts).
 */
export type PasResources = (event: NotificationEvent) => Promise<PasEntry[]>;

/** SubscriptionStatus `Parameters` (Backport IG, R4) for one event-notification or handshake. */
export function statusParameters(
  subscription: { subscriptionId: string; status: string },
  type: 'event-notification' | 'handshake' | 'heartbeat',
  eventNumber: number,
  focus?: { reference: string; timestamp: string },
): Record<string, unknown> {
  const parameter: Record<string, unknown>[] = [
    { name: 'subscription', valueReference: { reference: `Subscription/${subscription.subscriptionId}` } },
    { name: 'topic', valueCanonical: PAS_TOPIC },
    { name: 'status', valueCode: subscription.status },
    { name: 'type', valueCode: type },
    { name: 'events-since-subscription-start', valueString: String(eventNumber) },
  ];
  if (focus) {
    parameter.push({
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: String(eventNumber) },
        { name: 'timestamp', valueInstant: focus.timestamp },
        { name: 'focus', valueReference: { reference: focus.reference } },
      ],
    });
  }
  return { resourceType: 'Parameters', id: randomUUID(), parameter };
}

/**
 * A `history` Bundle: the status Parameters first, then the resources (full-resource content),
 * each with the request and response a history entry must carry (R4 bdl-3, bdl-4).
 */
export function notificationBundle(
  parameters: Record<string, unknown>,
  entries: readonly PasEntry[],
  timestamp: string,
): Record<string, unknown> {
  const subscription = (parameters.parameter as { valueReference?: { reference: string } }[])[0]
    ?.valueReference?.reference;
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'history',
    timestamp,
    entry: [
      {
        fullUrl: `urn:uuid:${parameters.id}`,
        resource: parameters,
        request: { method: 'GET', url: `${subscription}/$status` },
        response: { status: '200' },
      },
      ...entries.map(({ fullUrl, resource }) => ({
        fullUrl,
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
        response: { status: '200' },
      })),
    ],
  };
}

/** The notification a subscription receives for one event. */
export function makeSubscriptionNotification(pas: PasResources) {
  return async (
    subscription: { subscriptionId: string; resource: Record<string, unknown> },
    event: NotificationEvent,
    eventNumber: number,
  ): Promise<Record<string, unknown>> => {
    const entries = await pas(event);
    const focus = entries[0];
    const parameters = statusParameters(
      { subscriptionId: subscription.subscriptionId, status: 'active' },
      'event-notification',
      eventNumber,
      focus ? { reference: focus.fullUrl, timestamp: event.occurredAt } : undefined,
    );
    return notificationBundle(parameters, entries, event.occurredAt);
  };
}

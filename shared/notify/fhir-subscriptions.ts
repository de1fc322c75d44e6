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

/**
 * The resources a full-resource notification carries after the status Parameters: the PAS
 * response for the referral. The seam for shared/fhir's PAS response builder; until it is wired,
 * a ClaimResponse holding what the event says (ids, outcome and reason codes).
 */
export type PasResources = (event: NotificationEvent) => Promise<Record<string, unknown>[]>;

const REVIEW_ACTION: Record<string, string> = {
  APPROVED: 'A1',
  PARTIALLY_APPROVED: 'A2',
  DENIED: 'A3',
  PENDING_REVIEW: 'A4',
  PENDING_INFORMATION: 'A4',
};

export const eventClaimResponse: PasResources = async (event) => [
  {
    resourceType: 'ClaimResponse',
    id: event.referralId,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'preauthorization',
    patient: { identifier: { value: 'not-disclosed' } },
    created: event.occurredAt,
    insurer: { display: 'Health plan' },
    outcome: REVIEW_ACTION[event.status] === 'A4' ? 'queued' : 'complete',
    preAuthRef: event.referralId,
    extension: event.reasons.length
      ? event.reasons.map((code) => ({
          url: 'https://prior-auth.example/fhir/StructureDefinition/reason-code',
          valueCode: code,
        }))
      : undefined,
  },
];

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

/** A `history` Bundle: the status Parameters first, then the resources (full-resource content). */
export function notificationBundle(
  parameters: Record<string, unknown>,
  resources: Record<string, unknown>[],
  timestamp: string,
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'history',
    timestamp,
    entry: [
      {
        fullUrl: `urn:uuid:${parameters.id}`,
        resource: parameters,
        request: {
          method: 'GET',
          url: `Subscription/${(parameters.parameter as { valueReference?: { reference: string } }[])[0]?.valueReference?.reference.split('/')[1]}/$status`,
        },
        response: { status: '200' },
      },
      ...resources.map((r) => ({
        fullUrl: `urn:uuid:${r.id}`,
        resource: r,
        request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
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
    const resources = await pas(event);
    const focus = resources[0];
    const parameters = statusParameters(
      { subscriptionId: subscription.subscriptionId, status: 'active' },
      'event-notification',
      eventNumber,
      focus ? { reference: `${focus.resourceType}/${focus.id}`, timestamp: event.occurredAt } : undefined,
    );
    return notificationBundle(parameters, resources, event.occurredAt);
  };
}

export const subscriptionNotification = makeSubscriptionNotification(eventClaimResponse);

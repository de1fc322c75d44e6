/**
 * The JSON shapes of SPEC 9's webhook routes, apart from the use cases so the OpenAPI document can
 * name them without bundling the data layer.
 */
import * as z from 'zod';
import { NOTIFICATION_TYPES } from './events.js';

export const WebhookRequestSchema = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(z.enum(NOTIFICATION_TYPES)).min(1).optional(),
  })
  .strict();

export const WebhookResponseSchema = z.object({
  portalId: z.string(),
  url: z.string(),
  events: z.array(z.enum(NOTIFICATION_TYPES)),
  secret: z.string().describe('Shown once: store it to verify X-Signature. A new PUT rotates it.'),
});

export const DeliveryViewSchema = z.object({
  eventId: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  referralId: z.string(),
  endpoint: z.string().describe('`webhook` or `subscription:<id>`'),
  status: z.enum(['QUEUED', 'RETRYING', 'DELIVERED', 'DEAD_LETTERED', 'CANCELLED']),
  createdAt: z.string(),
  updatedAt: z.string(),
  attempts: z.array(
    z.object({
      at: z.string(),
      outcome: z.enum(['DELIVERED', 'FAILED']),
      result: z.string().describe('HTTP status, or TIMEOUT, NETWORK, REDIRECT, REFUSED'),
      ms: z.number(),
    }),
  ),
  nextRetryAt: z.string().optional(),
});
export const DeliveriesResponseSchema = z.object({ items: z.array(DeliveryViewSchema) });

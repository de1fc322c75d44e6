import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AppealRecord, ReferralRecord } from '../model.js';

/** SPEC 9's JSON webhook event types. */
export const NOTIFICATION_TYPES = [
  'referral.decided',
  'review.information-requested',
  'authorization.changed',
  'appeal.decided',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The bus source of notification events (docs/events.md). */
export const NOTIFICATION_SOURCE = 'prior-auth.notifications';
export const NOTIFICATION_DETAIL_TYPE = 'NotificationRaised';

/** Statuses an `authorization.changed` announces (PENDING_REVIEW is internal: a reviewer is looking). */
export const AUTHORIZATION_CHANGES = ['ACTIVE', 'EXTENDED', 'COMPLETED', 'STOPPED', 'EXHAUSTED'] as const;

const FINAL = new Set(['APPROVED', 'PARTIALLY_APPROVED', 'DENIED']);

/**
 * What a portal is told: ids, statuses and reason codes. Never names, dates of birth, diagnoses
 * or notes: the whole shape is here, and nothing else is copied from the referral.
 */
export const NotificationEventSchema = z.object({
  id: z.string().min(1),
  type: z.enum(NOTIFICATION_TYPES),
  occurredAt: z.string(),
  referralId: z.string().min(1),
  status: z.string().min(1),
  reasons: z.array(z.string()),
});
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

/** The `NotificationRaised` detail on the bus, version 1: the event plus whose portal it is. */
export const NotificationDetailSchema = z.object({
  schemaVersion: z.literal('1'),
  portalId: z.string().min(1),
  event: NotificationEventSchema,
});
export type NotificationDetail = z.infer<typeof NotificationDetailSchema>;

/** The referral item's fields the events read (a stream image may be an older record shape). */
type ReferralImage = Pick<ReferralRecord, 'referralId' | 'portalId' | 'reasons' | 'version' | 'decidedAt'> & {
  status: string;
  authorization?: Pick<
    NonNullable<ReferralRecord['authorization']>,
    'status' | 'reasons' | 'visitsAuthorized'
  >;
  appeals?: Pick<AppealRecord, 'appealId' | 'subject' | 'status' | 'decidedAt'>[];
};

/**
 * The id is a function of the referral, the item version that made the change and the type:
 * the same change seen twice (a retried stream batch, a re-driven publisher) has the same id.
 */
export function notificationId(referralId: string, version: number, type: NotificationType): string {
  const digest = createHash('sha256').update(`${referralId}|${version}|${type}`).digest('hex');
  return `evt-${digest.slice(0, 32)}`;
}

/**
 * The notifications one write to a referral item announces, from its images before and after
 * (pure: the stream publisher's whole judgement).
 */
export function notificationsForChange(
  before: ReferralImage | undefined,
  after: ReferralImage | undefined,
  occurredAt: string,
): NotificationDetail[] {
  if (!after) return [];
  const out: NotificationDetail[] = [];
  const raise = (type: NotificationType, status: string, reasons: readonly string[], at = occurredAt) =>
    out.push({
      schemaVersion: '1',
      portalId: after.portalId,
      event: {
        id: notificationId(after.referralId, after.version, type),
        type,
        occurredAt: at,
        referralId: after.referralId,
        status,
        reasons: [...reasons],
      },
    });

  if (FINAL.has(after.status) && before?.status !== after.status) {
    raise('referral.decided', after.status, after.reasons ?? [], after.decidedAt);
  }
  if (after.status === 'PENDING_INFORMATION' && before?.status !== 'PENDING_INFORMATION') {
    raise('review.information-requested', after.status, after.reasons ?? []);
  }
  const was = before?.authorization;
  const now = after.authorization;
  if (now) {
    const reasons = now.reasons ?? [];
    // More visits on an authorization that stayed in force (a re-review's EXTEND, a reviewer's
    // CONTINUE from PENDING_REVIEW) is an extension; any other new status is announced as itself.
    const extended =
      now.status === 'ACTIVE' &&
      (was?.status === 'ACTIVE' || was?.status === 'PENDING_REVIEW') &&
      now.visitsAuthorized > was.visitsAuthorized;
    if (extended) raise('authorization.changed', 'EXTENDED', reasons);
    else if (
      now.status !== was?.status &&
      (AUTHORIZATION_CHANGES as readonly string[]).includes(now.status)
    ) {
      raise('authorization.changed', now.status, reasons);
    }
  }
  // SPEC 11: an appeal that this write decided (OPEN before, OVERTURNED or UPHELD now).
  for (const appeal of after.appeals ?? []) {
    if (appeal.status === 'OPEN') continue;
    const prior = before?.appeals?.find((a) => a.appealId === appeal.appealId);
    if (prior && prior.status !== 'OPEN') continue;
    const reasons = appeal.subject === 'AUTHORIZATION_STOP' ? (now?.reasons ?? []) : (after.reasons ?? []);
    raise('appeal.decided', appeal.status, reasons, appeal.decidedAt ?? occurredAt);
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import type { PasEcho } from '../../shared/fhir/request.js';
import { pasResponseBundle } from '../../shared/fhir/response.js';
import type { ReferralRecord } from '../../shared/model.js';
import type { NotificationEvent } from '../../shared/notify/events.js';
import {
  makeSubscriptionNotification,
  notificationBundle,
  PAS_TOPIC,
  type PasEntry,
  SubscriptionRequestSchema,
  statusParameters,
  subscriptionResource,
} from '../../shared/notify/fhir-subscriptions.js';
import { determinationOf } from '../../shared/usecases/pas.js';
import { r4Issues, r4IssuesDeep } from '../fhir/validator.js';
import { referralBody } from '../fixtures.js';

const NOW = '2026-12-01T10:00:00.000Z';
const NOTE = 'member reports she cannot lift her grandson';

/** A referral as the table holds it: the whole clinical case, an information request and an appeal with notes. */
function record(over: Partial<ReferralRecord> = {}): ReferralRecord {
  const request = referralBody() as unknown as ReferralRecord['request'];
  return {
    referralId: 'ref-7',
    portalId: 'P-100',
    submittedBy: 'portal-user-1',
    receivedAt: '2026-11-30T09:00:00.000Z',
    status: 'APPROVED',
    request,
    reasons: ['REVIEWER_APPROVED'],
    criteria: [],
    lines: [
      {
        cpt: '97124',
        unitsPerVisit: 2,
        separatelyPayable: true,
        status: 'APPROVED',
        reasons: ['REVIEWER_APPROVED'],
      },
    ],
    recommendation: null,
    decisionDueAt: '2026-12-03T09:00:00.000Z',
    policyVersion: '1',
    decidedBy: { id: 'reviewer-7', credential: 'MD' },
    decidedAt: NOW,
    authorization: {
      visitsRequested: 8,
      visitsAuthorized: 6,
      visitsUsed: 0,
      validFrom: '2026-12-01',
      validTo: '2027-01-30',
      status: 'ACTIVE',
      reasons: [],
      approvedCpts: ['97124'],
    } as unknown as ReferralRecord['authorization'],
    reviewIds: ['rv-1'],
    informationRequests: [
      {
        round: 0,
        requestedAt: NOW,
        requestedBy: 'system',
        requested: [{ code: 'CLINICAL_NOTES', text: 'send the notes' }],
        dueAt: NOW,
        pausedDecisionDueAt: NOW,
        note: NOTE,
      } as unknown as NonNullable<ReferralRecord['informationRequests']>[number],
    ],
    version: 5,
    ...over,
  };
}
const echo: PasEcho = {
  claimIdentifiers: [{ system: 'urn:trnorg:1234567890', value: 'C-7' }],
  items: [{ sequence: 1, cpt: '97124' }],
  memberId: 'M-1001',
};
const event = (over: Partial<NotificationEvent> = {}): NotificationEvent => ({
  id: 'evt-0123456789abcdef0123456789abcdef',
  type: 'referral.decided',
  occurredAt: NOW,
  referralId: 'ref-7',
  status: 'APPROVED',
  reasons: ['REVIEWER_APPROVED'],
  ...over,
});

/** The deliverer's wiring without the table: the real PAS response builder over a record. */
const notify = (r: ReferralRecord) =>
  makeSubscriptionNotification(async () =>
    (pasResponseBundle(determinationOf(r), echo, { now: NOW }).entry ?? []).map((e) => ({
      fullUrl: e.fullUrl as string,
      resource: e.resource as unknown as PasEntry['resource'],
    })),
  );
const subscription = { subscriptionId: 'sub-1', resource: {} };
type Entry = {
  fullUrl: string;
  resource: { resourceType: string; id: string; parameter?: unknown[] } & Record<string, unknown>;
  request?: unknown;
  response?: unknown;
};

describe('full-resource FHIR notifications (R4 Backport, PAS topic)', () => {
  it('is a history Bundle: status Parameters first, then the PAS response; valid R4 throughout', async () => {
    const bundle = await notify(record())(subscription, event(), 3);
    expect(r4IssuesDeep(bundle)).toEqual([]);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history', timestamp: NOW });
    const entries = bundle.entry as Entry[];
    expect(entries.map((e) => e.resource.resourceType)).toEqual([
      'Parameters',
      'ClaimResponse',
      'Patient',
      'Organization',
      'Practitioner',
    ]);
    const claimResponse = entries[1];
    expect(claimResponse?.resource).toMatchObject({
      id: 'ref-7',
      use: 'preauthorization',
      outcome: 'complete',
      preAuthRef: 'ref-7',
      preAuthPeriod: { start: '2026-12-01', end: '2027-01-30' },
      identifier: echo.claimIdentifiers,
    });
    expect(entries[0]?.resource.parameter).toEqual([
      { name: 'subscription', valueReference: { reference: 'Subscription/sub-1' } },
      { name: 'topic', valueCanonical: PAS_TOPIC },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: '3' },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: '3' },
          { name: 'timestamp', valueInstant: NOW },
          // The focus is the ClaimResponse's entry (its fullUrl), so the receiver finds it in the Bundle.
          { name: 'focus', valueReference: { reference: claimResponse?.fullUrl } },
        ],
      },
    ]);
    // Every entry of a history Bundle says how it came to be.
    for (const e of entries) {
      expect(e.request).toBeDefined();
      expect(e.response).toEqual({ status: '200' });
    }
    // References inside the PAS response still resolve against the entries' fullUrls.
    const refs = entries.map((e) => e.fullUrl);
    for (const r of ['patient', 'insurer', 'requestor'] as const) {
      const relative = (claimResponse?.resource[r] as { reference: string }).reference;
      expect(refs.some((u) => u.endsWith(`/${relative}`))).toBe(true);
    }
  });

  it('carries the A4 pend and the questionnaire Task for a referral waiting for its clinical section', async () => {
    const { clinical: _c, ...noClinical } = referralBody();
    const pended = record({
      status: 'PENDING_INFORMATION',
      reasons: ['INFORMATION_REQUESTED'],
      lines: [
        {
          cpt: '97124',
          unitsPerVisit: 2,
          separatelyPayable: true,
          status: 'PENDING_REVIEW',
          reasons: ['INFORMATION_REQUESTED'],
        },
      ],
      request: noClinical as unknown as ReferralRecord['request'],
      decidedAt: undefined,
    });
    delete pended.authorization;
    const bundle = await notify(pended)(
      subscription,
      event({ type: 'review.information-requested', status: 'PENDING_INFORMATION' }),
      1,
    );
    expect(r4IssuesDeep(bundle)).toEqual([]);
    const entries = bundle.entry as Entry[];
    expect(entries.map((e) => e.resource.resourceType)).toEqual([
      'Parameters',
      'ClaimResponse',
      'Patient',
      'Organization',
      'Practitioner',
      'Task',
    ]);
    expect(entries[1]?.resource.outcome).toBe('queued');
    expect(JSON.stringify(entries[1]?.resource.item)).toContain('"A4"');
  });

  it('carries ids, statuses and codes: never names, diagnoses, clinical findings or notes', async () => {
    const appealed = record({
      appeals: [
        {
          appealId: 'ap-1',
          subject: 'DETERMINATION',
          urgency: 'standard',
          receivedAt: NOW,
          submittedBy: 'portal-user-1',
          note: NOTE,
          appealedStatus: 'DENIED',
          appealedDecisionBy: 'system',
          dueAt: NOW,
          reviewId: 'rv-2',
          status: 'OVERTURNED',
        },
      ],
    });
    const body = JSON.stringify(await notify(appealed)(subscription, event({ type: 'appeal.decided' }), 2));
    // What the record holds and the notification must not: diagnosis, clinical text, notes, the reviewer.
    for (const phi of ['M54', 'lumbar', 'sit longer', 'spasm', 'ODI', 'grandson', 'reviewer-7']) {
      expect(body).not.toContain(phi);
    }
    // What it does carry: the referral id, the member and provider identifiers the portal sent, codes.
    for (const id of ['ref-7', 'M-1001', '1234567893', 'A2', 'REVIEWER_APPROVED']) expect(body).toContain(id);
    // No person's name anywhere: the Patient and Practitioner are identifiers only.
    const entries = (JSON.parse(body) as { entry: Entry[] }).entry;
    for (const e of entries.filter((x) => ['Patient', 'Practitioner'].includes(x.resource.resourceType))) {
      expect(Object.keys(e.resource).sort()).toEqual(['id', 'identifier', 'resourceType']);
    }
  });

  it('handshake and heartbeat: status Parameters alone, valid R4, and the validator is real', () => {
    for (const type of ['handshake', 'heartbeat'] as const) {
      const bundle = notificationBundle(
        statusParameters({ subscriptionId: 'sub-1', status: 'active' }, type, 4),
        [],
        NOW,
      );
      expect(r4IssuesDeep(bundle)).toEqual([]);
      const entries = bundle.entry as Entry[];
      expect(entries).toHaveLength(1);
      expect(entries[0]?.resource.parameter).toContainEqual({ name: 'type', valueCode: type });
    }
    const broken = notificationBundle(
      statusParameters({ subscriptionId: 'sub-1', status: 'active' }, 'heartbeat', 0),
      [],
      NOW,
    );
    // A history entry without its request breaks R4's bdl-3: the validator checks invariants too.
    const [status] = broken.entry as Entry[];
    expect(r4Issues({ ...broken, entry: [{ ...status, request: undefined }] })).toEqual([
      expect.stringContaining('bdl-3'),
    ]);
  });
  it('declines a requested heartbeat visibly: the stored Subscription has no heartbeat period, and is valid R4', () => {
    const heartbeat = {
      url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period',
      valueUnsignedInt: 60,
    };
    const request = SubscriptionRequestSchema.parse({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'PAS updates',
      criteria: PAS_TOPIC,
      channel: { type: 'rest-hook', endpoint: 'https://clinic.example/fhir', extension: [heartbeat] },
    });
    const stored = subscriptionResource('sub-1', request, 'active');
    expect(r4Issues(stored)).toEqual([]);
    expect(JSON.stringify(stored)).not.toContain('heartbeat');
    expect(stored).toMatchObject({ id: 'sub-1', status: 'active', channel: { type: 'rest-hook' } });
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, retryDelaySeconds, retryWindowSeconds } from '../../shared/notify/backoff.js';
import {
  checkEndpointUrl,
  isNonPublicAddress,
  resolveEndpoint,
} from '../../shared/notify/endpoint-safety.js';
import { notificationsForChange } from '../../shared/notify/events.js';
import { signatureHeader, signPayload, verifySignature } from '../../shared/notify/signing.js';

const AWS = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"evt-1","type":"referral.decided"}';

  it('signs t + "." + body with HMAC-SHA256 (a known vector)', () => {
    // openssl: printf '1700000000.{"id":"evt-1","type":"referral.decided"}' | openssl dgst -sha256 -hmac whsec_test
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(header).toBe(`t=1700000000,v1=${signPayload(secret, 1_700_000_000, body)}`);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('verifies within five minutes and refuses stale, altered or malformed signatures', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(verifySignature(secret, header, body, 1_700_000_299)).toEqual({ ok: true });
    expect(verifySignature(secret, header, body, 1_700_000_301)).toEqual({ ok: false, reason: 'STALE' });
    expect(verifySignature(secret, header, `${body} `, 1_700_000_000)).toEqual({
      ok: false,
      reason: 'MISMATCH',
    });
    expect(verifySignature('other', header, body, 1_700_000_000)).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verifySignature(secret, 'v1=abc', body, 1_700_000_000)).toEqual({
      ok: false,
      reason: 'MALFORMED',
    });
  });
});

describe('endpoint safety (SSRF)', () => {
  it('takes https only on AWS, and http to loopback only where the stack allows it', () => {
    expect(checkEndpointUrl('https://clinic.example/hook', AWS).ok).toBe(true);
    expect(checkEndpointUrl('http://clinic.example/hook', AWS).ok).toBe(false);
    expect(checkEndpointUrl('http://127.0.0.1:9000/hook', AWS).ok).toBe(false);
    expect(checkEndpointUrl('https://localhost/hook', AWS).ok).toBe(false);
    expect(checkEndpointUrl('http://127.0.0.1:9000/hook', LOCAL).ok).toBe(true);
    expect(checkEndpointUrl('http://[::1]:9000/hook', LOCAL).ok).toBe(true);
    expect(checkEndpointUrl('http://clinic.example/hook', LOCAL).ok).toBe(false);
    expect(checkEndpointUrl('https://user:pw@clinic.example/hook', AWS).ok).toBe(false);
    expect(checkEndpointUrl('ftp://clinic.example/', AWS).ok).toBe(false);
    expect(checkEndpointUrl('not a url', AWS).ok).toBe(false);
  });

  it('knows private, link-local (instance metadata), shared and reserved ranges', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '127.0.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
    ]) {
      expect(isNonPublicAddress(ip), ip).toBe(true);
    }
    for (const ip of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111']) {
      expect(isNonPublicAddress(ip), ip).toBe(false);
    }
  });

  it('resolves the host and refuses a name that points inside, even for one of its addresses', async () => {
    const lookup = (answers: string[]) => async () =>
      answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    expect((await resolveEndpoint('https://hooks.clinic.example/x', AWS, lookup(['93.184.216.34']))).ok).toBe(
      true,
    );
    const inside = await resolveEndpoint('https://hooks.clinic.example/x', AWS, lookup(['169.254.169.254']));
    expect(inside).toEqual({ ok: false, reason: 'resolves to a private or reserved address' });
    expect(
      (await resolveEndpoint('https://hooks.clinic.example/x', AWS, lookup(['93.184.216.34', '10.0.0.5'])))
        .ok,
    ).toBe(false);
    expect((await resolveEndpoint('https://10.0.0.5/x', AWS, lookup([]))).ok).toBe(false);
    // The local stack allows loopback, not the rest of the private ranges.
    expect((await resolveEndpoint('http://127.0.0.1:9/x', LOCAL)).ok).toBe(true);
    expect((await resolveEndpoint('https://hooks.clinic.example/x', LOCAL, lookup(['192.168.0.2']))).ok).toBe(
      false,
    );
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await resolveEndpoint('https://nowhere.example/x', AWS, failing)).toEqual({
      ok: false,
      reason: 'host does not resolve',
    });
  });
});

describe('retry schedule', () => {
  it('backs off per endpoint and keeps trying for at least 24 hours before dead-lettering', () => {
    expect(retryDelaySeconds(1)).toBe(30);
    expect(retryDelaySeconds(2)).toBe(60);
    expect(retryDelaySeconds(12)).toBe(7200);
    expect(retryDelaySeconds(12)).toBeLessThanOrEqual(12 * 3600); // SQS's visibility limit
    expect(retryWindowSeconds(MAX_ATTEMPTS)).toBeGreaterThanOrEqual(24 * 3600);
  });
});

describe('notifications a referral change announces', () => {
  const base = { referralId: 'ref-1', portalId: 'P-100', reasons: [] as string[], version: 1 };
  const at = '2026-12-01T10:00:00.000Z';

  it('announces a decision once, with a stable id per change', () => {
    const before = { ...base, status: 'PENDING_REVIEW' };
    const after = {
      ...base,
      version: 4,
      status: 'APPROVED',
      reasons: ['CRITERIA_MET'],
      authorization: { status: 'ACTIVE' as const, reasons: [], visitsAuthorized: 8 },
    };
    const out = notificationsForChange(before as never, after as never, at);
    expect(out.map((d) => [d.event.type, d.event.status])).toEqual([
      ['referral.decided', 'APPROVED'],
      ['authorization.changed', 'ACTIVE'],
    ]);
    expect(out[0]?.portalId).toBe('P-100');
    expect(Object.keys(out[0]?.event ?? {}).sort()).toEqual([
      'id',
      'occurredAt',
      'reasons',
      'referralId',
      'status',
      'type',
    ]);
    expect(notificationsForChange(before as never, after as never, 'later')[0]?.event.id).toBe(
      out[0]?.event.id,
    );
    // The same status written again (a visit recorded) announces nothing.
    expect(notificationsForChange(after as never, { ...after, version: 5 } as never, at)).toEqual([]);
  });

  it('announces EXTENDED when an active authorization gains visits, and terminal statuses, not PENDING_REVIEW', () => {
    const active = {
      ...base,
      status: 'APPROVED',
      authorization: { status: 'ACTIVE', reasons: [], visitsAuthorized: 8 },
    };
    const extended = {
      ...active,
      version: 2,
      authorization: { status: 'ACTIVE', reasons: [], visitsAuthorized: 12 },
    };
    expect(notificationsForChange(active as never, extended as never, at).map((d) => d.event.status)).toEqual(
      ['EXTENDED'],
    );
    const pending = {
      ...active,
      version: 3,
      authorization: { status: 'PENDING_REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'], visitsAuthorized: 8 },
    };
    expect(notificationsForChange(active as never, pending as never, at)).toEqual([]);
    const stopped = {
      ...active,
      version: 4,
      authorization: { status: 'STOPPED', reasons: ['NO_MEANINGFUL_PROGRESS'], visitsAuthorized: 8 },
    };
    const out = notificationsForChange(pending as never, stopped as never, at);
    expect(out.map((d) => [d.event.type, d.event.status, d.event.reasons])).toEqual([
      ['authorization.changed', 'STOPPED', ['NO_MEANINGFUL_PROGRESS']],
    ]);
  });
  it('announces a reviewer CONTINUE with more visits as EXTENDED, one without as ACTIVE', () => {
    const pending = {
      ...base,
      status: 'APPROVED',
      authorization: { status: 'PENDING_REVIEW', reasons: ['NO_MEANINGFUL_PROGRESS'], visitsAuthorized: 8 },
    };
    const more = {
      ...pending,
      version: 2,
      authorization: { status: 'ACTIVE', reasons: ['REVIEWER_CONTINUED'], visitsAuthorized: 12 },
    };
    expect(
      notificationsForChange(pending as never, more as never, at).map((d) => [
        d.event.status,
        d.event.reasons,
      ]),
    ).toEqual([['EXTENDED', ['REVIEWER_CONTINUED']]]);
    const same = { ...more, authorization: { ...more.authorization, visitsAuthorized: 8 } };
    expect(notificationsForChange(pending as never, same as never, at).map((d) => d.event.status)).toEqual([
      'ACTIVE',
    ]);
    // Reinstated after a stop (an appeal overturned) is ACTIVE again, not an extension.
    const stopped = { ...pending, authorization: { ...pending.authorization, status: 'STOPPED' } };
    expect(notificationsForChange(stopped as never, more as never, at).map((d) => d.event.status)).toEqual([
      'ACTIVE',
    ]);
  });

  it('announces an appeal decision once: the outcome with its reason codes, beside the new determination', () => {
    const appeal = {
      appealId: 'ap-1',
      subject: 'DETERMINATION',
      status: 'OPEN',
      note: 'the member can barely sit',
    };
    const denied = {
      ...base,
      version: 3,
      status: 'DENIED',
      reasons: ['CRITERIA_NOT_MET'],
      appeals: [appeal],
    };
    const overturned = {
      ...denied,
      version: 4,
      status: 'APPROVED',
      reasons: ['APPEAL_OVERTURNED'],
      appeals: [{ ...appeal, status: 'OVERTURNED', decidedAt: '2026-12-02T09:00:00.000Z' }],
    };
    const out = notificationsForChange(denied as never, overturned as never, at);
    expect(out.map((d) => [d.event.type, d.event.status, d.event.reasons, d.event.occurredAt])).toEqual([
      ['referral.decided', 'APPROVED', ['APPEAL_OVERTURNED'], at],
      ['appeal.decided', 'OVERTURNED', ['APPEAL_OVERTURNED'], '2026-12-02T09:00:00.000Z'],
    ]);
    expect(new Set(out.map((d) => d.event.id)).size).toBe(2);
    expect(JSON.stringify(out)).not.toContain('sit');
    // Filing it announced nothing; a later write leaves the decided appeal alone.
    expect(notificationsForChange({ ...denied, appeals: [] } as never, denied as never, at)).toEqual([]);
    expect(notificationsForChange(overturned as never, { ...overturned, version: 5 } as never, at)).toEqual(
      [],
    );

    // A stop upheld: the decision stands, the reasons are the authorization's.
    const stop = { ...appeal, subject: 'AUTHORIZATION_STOP' };
    const stopped = {
      ...base,
      status: 'APPROVED',
      authorization: { status: 'STOPPED', reasons: ['REVIEWER_STOPPED'], visitsAuthorized: 8 },
      appeals: [stop],
    };
    const upheld = {
      ...stopped,
      version: 2,
      authorization: { ...stopped.authorization, reasons: ['REVIEWER_STOPPED', 'APPEAL_UPHELD'] },
      appeals: [{ ...stop, status: 'UPHELD' }],
    };
    expect(
      notificationsForChange(stopped as never, upheld as never, at).map((d) => [
        d.event.type,
        d.event.status,
        d.event.reasons,
      ]),
    ).toEqual([['appeal.decided', 'UPHELD', ['REVIEWER_STOPPED', 'APPEAL_UPHELD']]]);
  });
});

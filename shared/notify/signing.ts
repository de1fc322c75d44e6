import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Receivers refuse a signature whose timestamp is further than this from their clock (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new webhook secret: 32 random bytes, shown to the portal once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** HMAC-SHA256 of `t + "." + body`, hex. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `X-Signature` header value: `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'MALFORMED' | 'STALE' | 'MISMATCH' };

/** What a receiver does: parse the header, check the timestamp window, compare in constant time. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): VerifyResult {
  const parts = Object.fromEntries(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || typeof v1 !== 'string' || !/^[0-9a-f]{64}$/.test(v1)) {
    return { ok: false, reason: 'MALFORMED' };
  }
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, reason: 'STALE' };
  const expected = Buffer.from(signPayload(secret, t, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? { ok: true } : { ok: false, reason: 'MISMATCH' };
}

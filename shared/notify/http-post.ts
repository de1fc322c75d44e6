import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { EndpointCheck } from './endpoint-safety.js';

/** A receiver has this long to answer; a slow one is retried later, not waited for. */
export const DELIVERY_TIMEOUT_MS = 5000;

export interface PostResult {
  ok: boolean;
  /** HTTP status, or TIMEOUT, NETWORK, REDIRECT. */
  result: string;
  ms: number;
}

/**
 * POSTs to the address `resolveEndpoint` checked (the socket connects to that address; the
 * Host header and TLS name stay the URL's). Redirects are not followed: a 3xx is a failure.
 * Only 2xx counts as delivered; the response body is read and thrown away.
 */
export function postJson(
  target: Extract<EndpointCheck, { ok: true }>,
  body: string,
  headers: Record<string, string>,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<PostResult> {
  const started = Date.now();
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, result: string) => {
      if (settled) return;
      settled = true;
      resolve({ ok, result, ms: Date.now() - started });
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'prior-auth-notifications/1',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () => {
          if (status >= 300 && status < 400) done(false, 'REDIRECT');
          else done(status >= 200 && status < 300, String(status));
        });
        res.on('error', () => done(false, 'NETWORK'));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done(false, 'TIMEOUT');
    });
    req.on('error', () => done(false, 'NETWORK'));
    req.end(body);
  });
}

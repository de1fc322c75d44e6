import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenService, loadOrCreateSecret } from '../../infra/local/tokens.js';
import { UnauthorizedError, ValidationError } from '../../shared/errors.js';

const SECRET = 'test-secret-0123456789abcdef';

function clock(start: number) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('local tokens', () => {
  it('round-trips a portal token with Cognito-style claims', () => {
    const c = clock(Date.UTC(2026, 10, 22, 10));
    const tokens = createTokenService({ secret: SECRET, ttlSeconds: 600, now: c.now });
    const token = tokens.issue({ role: 'portal', sub: 'user-1', portalId: 'P-7' });
    expect(token.split('.')).toHaveLength(3);
    const claims = tokens.verify(token);
    expect(claims).toEqual({
      sub: 'user-1',
      'cognito:groups': ['portal'],
      'custom:portalId': 'P-7',
      token_use: 'id',
      iss: 'local',
      iat: Date.UTC(2026, 10, 22, 10) / 1000,
      exp: Date.UTC(2026, 10, 22, 10) / 1000 + 600,
    });
  });

  it('carries the reviewer credential', () => {
    const tokens = createTokenService({ secret: SECRET });
    const claims = tokens.verify(tokens.issue({ role: 'reviewer', sub: 'r-1', credential: 'MD' }));
    expect(claims['cognito:groups']).toEqual(['reviewer']);
    expect(claims['custom:credential']).toBe('MD');
    expect(claims['custom:portalId']).toBeUndefined();
  });

  it('rejects a tampered payload or signature, and a token from another secret', () => {
    const tokens = createTokenService({ secret: SECRET });
    const token = tokens.issue({ role: 'portal', sub: 'user-1', portalId: 'P-7' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...tokens.verify(token), 'cognito:groups': ['admin'] }),
    ).toString('base64url');
    // Change the first character: the last one has bits base64 decoding ignores.
    const flipped = `${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    const other = createTokenService({ secret: 'another-secret-0123456789' });

    for (const bad of [`${h}.${forgedPayload}.${s}`, `${h}.${p}.${flipped}`, `${h}.${p}`, 'garbage']) {
      expect(failure(() => tokens.verify(bad))).toBeInstanceOf(UnauthorizedError);
    }
    expect(failure(() => other.verify(token))).toBeInstanceOf(UnauthorizedError);
  });

  it('rejects an expired token with a 401 error', () => {
    const c = clock(Date.UTC(2026, 0, 1));
    const tokens = createTokenService({ secret: SECRET, ttlSeconds: 60, now: c.now });
    const token = tokens.issue({ role: 'admin', sub: 'a-1' });
    c.advance(59_000);
    expect(tokens.verify(token).sub).toBe('a-1');
    c.advance(1_000);
    const err = failure(() => tokens.verify(token)) as UnauthorizedError;
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/expired/);
  });

  it.each([
    [{ role: 'superuser', sub: 'x' }, 'role'],
    [{ role: 'portal', sub: 'x' }, 'portalId'],
    [{ role: 'reviewer', sub: 'x' }, 'credential'],
    [{ role: 'admin', sub: '' }, 'sub'],
    [{ role: 'admin', sub: 'x', extra: 1 }, '(body)'],
  ])('rejects the token request %j naming %s', (input, field) => {
    const tokens = createTokenService({ secret: SECRET });
    const err = failure(() => tokens.issue(input)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.status).toBe(422);
    expect(err.details?.map((d) => d.field)).toContain(field);
  });
});

describe('token secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is created once and reused, so tokens survive a restart', () => {
    const first = loadOrCreateSecret(join(dir, 'nested'));
    const token = createTokenService({ secret: first }).issue({ role: 'admin', sub: 'a' });
    const second = loadOrCreateSecret(join(dir, 'nested'));
    expect(second).toBe(first);
    expect(readFileSync(join(dir, 'nested', 'token-secret'), 'utf8').trim()).toBe(first);
    expect(createTokenService({ secret: second }).verify(token).sub).toBe('a');
  });
});

/**
 * Local stand-in for the Cognito user pool: signs and verifies HS256 JWTs that carry the same
 * claims a Cognito ID token would (SPEC 2 and 3). Only `npm start` uses this; it is never deployed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UnauthorizedError } from '../../shared/errors.js';
import { parseOrThrow } from '../../shared/schemas.js';

const Id = z.string().trim().min(1).max(128);

/**
 * Body of `POST /_local/token`. A portal user must name its portal (the API scopes referrals by
 * it) and a reviewer must name a credential (it is recorded with each decision). The other
 * attribute is accepted for any role, as Cognito would carry whatever attributes a user has.
 */
const TokenRequestSchema = z
  .object({
    role: z.enum(['portal', 'reviewer', 'admin']),
    sub: Id,
    portalId: Id.optional(),
    credential: z
      .string()
      .trim()
      .regex(/^[A-Z]{2,8}$/, { message: 'must be a credential such as MD or PT' })
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.role === 'portal' && v.portalId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['portalId'], message: 'is required for the portal role' });
    }
    if (v.role === 'reviewer' && v.credential === undefined) {
      ctx.addIssue({ code: 'custom', path: ['credential'], message: 'is required for the reviewer role' });
    }
  });

/** The ID-token claims, as Cognito names them. */
export interface Claims {
  sub: string;
  'cognito:groups': string[];
  'custom:portalId'?: string;
  'custom:credential'?: string;
  token_use: 'id';
  iss: 'local';
  iat: number;
  exp: number;
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Issues and verifies tokens; `now` is a clock in epoch milliseconds (tests pass a fake one). */
export function createTokenService(options: { secret: string; ttlSeconds?: number; now?: () => number }) {
  const { secret, ttlSeconds = 3600, now = Date.now } = options;
  const sign = (data: string) => createHmac('sha256', secret).update(data).digest();

  return {
    /** Validates `input` (throws `ValidationError`) and returns a compact JWS. */
    issue(input: unknown): string {
      const req = parseOrThrow(TokenRequestSchema, input);
      const iat = Math.floor(now() / 1000);
      const claims: Claims = {
        sub: req.sub,
        'cognito:groups': [req.role],
        ...(req.portalId === undefined ? {} : { 'custom:portalId': req.portalId }),
        ...(req.credential === undefined ? {} : { 'custom:credential': req.credential }),
        token_use: 'id',
        iss: 'local',
        iat,
        exp: iat + ttlSeconds,
      };
      const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
      return `${signingInput}.${sign(signingInput).toString('base64url')}`;
    },

    /** The claims of a valid, unexpired token; throws `UnauthorizedError` otherwise. */
    verify(token: string): Claims {
      const parts = token.split('.');
      if (parts.length !== 3) throw new UnauthorizedError('The bearer token is malformed.');
      const [header, payload, signature] = parts as [string, string, string];
      // Only our own header is accepted, which also rules out `alg: none` tricks.
      if (header !== HEADER) throw new UnauthorizedError('The bearer token is malformed.');
      const expected = sign(`${header}.${payload}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new UnauthorizedError('The bearer token signature is not valid.');
      }
      // Signed by this service, so the payload is the claims it issued.
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
      if (claims.exp <= Math.floor(now() / 1000))
        throw new UnauthorizedError('The bearer token has expired.');
      return claims;
    },
  };
}

/** A random 256-bit secret in `<dataDir>/<name>`, so issued tokens (and sealed values) survive a restart. */
export function loadOrCreateSecret(dataDir: string, name = 'token-secret'): string {
  const file = join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

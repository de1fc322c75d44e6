import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createGateway,
  createRouter,
  type GatewayRoute,
  parseJsonBody,
} from '../../infra/local/http-gateway.js';
import { createTokenService } from '../../infra/local/tokens.js';
import { ValidationError } from '../../shared/errors.js';

const routes: GatewayRoute[] = [
  { method: 'GET', path: '/health', authorizationType: 'NONE', functionLogicalId: 'ApiFn' },
  {
    method: 'GET',
    path: '/referrals/{id}',
    authorizationType: 'COGNITO_USER_POOLS',
    functionLogicalId: 'ApiFn',
  },
  {
    method: 'GET',
    path: '/referrals/mine',
    authorizationType: 'COGNITO_USER_POOLS',
    functionLogicalId: 'MineFn',
  },
  {
    method: 'POST',
    path: '/referrals/{id}/visits',
    authorizationType: 'COGNITO_USER_POOLS',
    functionLogicalId: 'ApiFn',
  },
  { method: 'GET', path: '/boom', authorizationType: 'NONE', functionLogicalId: 'BoomFn' },
];

interface Echo {
  fn: string;
  event: APIGatewayProxyEvent;
}

describe('HTTP gateway', () => {
  const tokens = createTokenService({ secret: 'gateway-test-secret-0123456789' });
  let server: Server;
  let base = '';
  let invocations = 0;

  beforeAll(async () => {
    const gateway = createGateway({
      routes,
      tokens,
      invoke: async (fn: string, event: APIGatewayProxyEvent) => {
        invocations++;
        if (fn === 'BoomFn') throw new Error('kaboom');
        const echo: Echo = { fn, event };
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'x-handler': fn },
          body: JSON.stringify(echo),
        };
      },
      localRoutes: { 'POST /_local/token': (body) => ({ token: tokens.issue(parseJsonBody(body)) }) },
    });
    server = createServer(gateway.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const token = (input: object) =>
    fetch(`${base}/_local/token`, { method: 'POST', body: JSON.stringify(input) })
      .then((r) => r.json() as Promise<{ token: string }>)
      .then((b) => b.token);

  it('routes a public route and builds a REST API proxy event', async () => {
    const res = await fetch(`${base}/health`, { headers: { 'X-Trace': 'abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-handler')).toBe('ApiFn');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const { fn, event } = (await res.json()) as Echo;
    expect(fn).toBe('ApiFn');
    expect(event).toMatchObject({
      resource: '/health',
      path: '/health',
      httpMethod: 'GET',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      stageVariables: null,
      requestContext: { accountId: '000000000000', apiId: 'local', stage: 'local', resourcePath: '/health' },
    });
    expect(event.requestContext.authorizer).toBeNull();
    expect(event.headers['X-Trace'] ?? event.headers['x-trace']).toBe('abc');
    expect(event.requestContext.requestId).toBe(res.headers.get('x-amzn-requestid'));
  });

  it('passes decoded path parameters, query strings and Cognito-style claims', async () => {
    const bearer = await token({ role: 'portal', sub: 'user-1', portalId: 'P 7' });
    const res = await fetch(`${base}/referrals/R%201/visits?x=1&x=2&y=hello%20there`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ visitId: 'v1' }),
    });
    expect(res.status).toBe(200);
    const { event } = (await res.json()) as Echo;
    expect(event.resource).toBe('/referrals/{id}/visits');
    expect(event.pathParameters).toEqual({ id: 'R 1' });
    expect(event.queryStringParameters).toEqual({ x: '2', y: 'hello there' });
    expect(event.multiValueQueryStringParameters).toEqual({ x: ['1', '2'], y: ['hello there'] });
    expect(JSON.parse(event.body ?? '')).toEqual({ visitId: 'v1' });
    const claims = (event.requestContext.authorizer as { claims: Record<string, string> }).claims;
    expect(claims).toMatchObject({
      sub: 'user-1',
      'cognito:groups': 'portal',
      'custom:portalId': 'P 7',
      token_use: 'id',
    });
    for (const value of Object.values(claims)) expect(typeof value).toBe('string');
  });

  it('prefers a literal segment over a path parameter', async () => {
    const bearer = await token({ role: 'reviewer', sub: 'r-1', credential: 'MD' });
    const auth = { authorization: `Bearer ${bearer}` };
    const mine = (await (await fetch(`${base}/referrals/mine`, { headers: auth })).json()) as Echo;
    const other = (await (await fetch(`${base}/referrals/abc`, { headers: auth })).json()) as Echo;
    expect(mine.fn).toBe('MineFn');
    expect(other.fn).toBe('ApiFn');
    expect(other.event.pathParameters).toEqual({ id: 'abc' });
  });

  it('answers 401 in the error shape without or with a bad token, invoking nothing', async () => {
    const before = invocations;
    const missing = await fetch(`${base}/referrals/abc`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    const bad = await fetch(`${base}/referrals/abc`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect(invocations).toBe(before);
  });

  it('answers 413 for a body over 256 KiB without invoking the handler', async () => {
    const bearer = await token({ role: 'portal', sub: 'user-1', portalId: 'P-7' });
    const before = invocations;
    const res = await fetch(`${base}/referrals/abc/visits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      body: 'x'.repeat(300 * 1024),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(invocations).toBe(before);
  });

  it('also stops a chunked body (no Content-Length) at the limit', async () => {
    const bearer = await token({ role: 'portal', sub: 'user-1', portalId: 'P-7' });
    const before = invocations;
    const chunk = new TextEncoder().encode('y'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 19) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${base}/referrals/abc/visits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(invocations).toBe(before);
  });

  it('answers 404 in the error shape for an unknown path or method', async () => {
    const unknown = await fetch(`${base}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /nope' } });
    const wrongMethod = await fetch(`${base}/health`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
    expect(((await wrongMethod.json()) as { error: { message: string } }).error.message).toBe(
      'No route for DELETE /health',
    );
  });

  it('answers 502 INTERNAL when the handler throws, and logs the error', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await fetch(`${base}/boom`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INTERNAL');
      expect(log).toHaveBeenCalledWith(
        expect.stringContaining('GET /boom'),
        expect.objectContaining({ message: 'kaboom' }),
      );
    } finally {
      log.mockRestore();
    }
  });

  it('turns a local route error into the SPEC error shape', async () => {
    const malformed = await fetch(`${base}/_local/token`, { method: 'POST', body: '{' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('MALFORMED_JSON');
    const invalid = await fetch(`${base}/_local/token`, {
      method: 'POST',
      body: '{"role":"portal","sub":"u"}',
    });
    expect(invalid.status).toBe(422);
    const body = (await invalid.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe(new ValidationError([]).code);
    expect(body.error.details.map((d) => d.field)).toEqual(['portalId']);
  });
});

describe('router', () => {
  it('treats `$submit` as a literal path part, as API Gateway does (SPEC 8 operations)', () => {
    const router = createRouter([
      { method: 'POST', path: '/fhir/Claim/$submit' },
      { method: 'POST', path: '/fhir/Claim/$inquire' },
      { method: 'GET', path: '/fhir/ClaimResponse/{id}' },
    ]);
    expect(router.match('POST', '/fhir/Claim/$submit')).toMatchObject({
      route: { path: '/fhir/Claim/$submit' },
      pathParameters: {},
    });
    expect(router.match('POST', '/fhir/Claim/%24inquire')).toMatchObject({
      route: { path: '/fhir/Claim/$inquire' },
    });
    expect(router.match('POST', '/fhir/Claim/submit')).toBeUndefined();
    expect(router.match('POST', '/fhir/Claim/$validate')).toBeUndefined();
    expect(router.match('GET', '/fhir/ClaimResponse/ref-1')).toMatchObject({
      pathParameters: { id: 'ref-1' },
    });
  });
});

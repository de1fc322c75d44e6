/**
 * API Gateway (REST API, Lambda proxy integration) for the local stack: routes the synthesized
 * template's methods to in-process handlers, with the Cognito authorizer's claims, the 256 KiB body
 * limit of SPEC 4, and errors in the SPEC's shape.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  AppError,
  MalformedRequestError,
  PayloadTooLargeError,
  toErrorResponse,
  UnauthorizedError,
} from '../../shared/errors.js';
import { MAX_BODY_BYTES } from '../../shared/http.js';
import { type ApiRoute, LOCAL_ACCOUNT_ID } from './template.js';
import type { Claims } from './tokens.js';

export type GatewayRoute = Pick<ApiRoute, 'method' | 'path' | 'authorizationType' | 'functionLogicalId'>;

export interface GatewayOptions {
  routes: readonly GatewayRoute[];
  invoke(functionLogicalId: string, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
  tokens: { verify(token: string): Claims };
  /** Local-only routes served ahead of the template's, by `METHOD /path`: the body text in, JSON out. */
  localRoutes?: Record<string, (body: string) => unknown>;
}

export function createGateway(options: GatewayOptions): { handle: RequestListener } {
  const router = createRouter(options.routes);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://local');
    try {
      const local = options.localRoutes?.[`${method} ${url.pathname}`];
      if (local) {
        sendJson(res, 200, local(await readBody(req)));
        return;
      }
      const found = router.match(method, url.pathname);
      if (!found) throw new AppError(404, 'NOT_FOUND', `No route for ${method} ${url.pathname}`);
      // Fail closed: any authorization type other than NONE needs a valid token.
      const claims = found.route.authorizationType === 'NONE' ? undefined : authorize(req, options.tokens);
      const event = proxyEvent(req, url, found, await readBody(req), claims, requestId);
      const result = await options.invoke(found.route.functionLogicalId, event);
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
      if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json');
      res.statusCode = result.statusCode;
      res.end(result.body ?? '');
    } catch (err) {
      if (err instanceof AppError) {
        const { status, body } = toErrorResponse(err);
        sendJson(res, status, body);
      } else {
        // Ids only in the log: the request itself may carry PHI.
        console.error(`[gateway] ${method} ${url.pathname} (request ${requestId}) failed:`, err);
        sendJson(res, 502, {
          error: { code: 'INTERNAL', message: 'The handler failed; see the local server log.' },
        });
      }
    } finally {
      // After an early answer, discard whatever body the client is still sending.
      if (!req.complete) req.resume();
    }
  }

  return { handle: (req, res) => void handle(req, res) };
}

export type RouteMatch<R> = { route: R; pathParameters: Record<string, string> };

/**
 * Matches `/a/{id}/b` style templates against a decoded path. Like API Gateway, a literal segment
 * wins over a parameter: '{' sorts after the characters of a literal, so literals are tried first.
 */
export function createRouter<R extends { method: string; path: string }>(routes: readonly R[]) {
  const sorted = [...routes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    match(method: string, pathname: string): RouteMatch<R> | undefined {
      const parts = pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decode);
      for (const route of sorted) {
        const segments = route.path.split('/').filter((s) => s !== '');
        if (segments.length !== parts.length) continue;
        const pathParameters: Record<string, string> = {};
        const matches = segments.every((segment, i) => {
          const name = /^\{(.+)\}$/.exec(segment)?.[1];
          if (name) pathParameters[name] = parts[i] ?? '';
          return name !== undefined || segment === parts[i];
        });
        if (matches && route.method === method) return { route, pathParameters };
      }
      return undefined;
    },
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function authorize(req: IncomingMessage, tokens: GatewayOptions['tokens']): Claims {
  const header = req.headers.authorization;
  if (!header) throw new UnauthorizedError('An Authorization: Bearer <token> header is required.');
  // Cognito authorizers take the raw token; accept it with or without the Bearer prefix.
  return tokens.verify(header.replace(/^Bearer\s+/i, '').trim());
}

/** Reads the body, refusing (413) as soon as it passes the limit; the rest is discarded unread. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
      reject(new PayloadTooLargeError(MAX_BODY_BYTES));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else {
        req.off('data', onData);
        reject(new PayloadTooLargeError(MAX_BODY_BYTES));
      }
    };
    req
      .on('data', onData)
      .once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      .once('error', reject);
  });
}

/** Parses a JSON body: malformed or empty → 400 `MALFORMED_JSON`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new MalformedRequestError('The request body is empty; JSON is expected.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MalformedRequestError(undefined, err);
  }
}

/** The REST API proxy event; API Gateway hands Cognito claims over as strings, groups comma-joined. */
function proxyEvent(
  req: IncomingMessage,
  url: URL,
  { route, pathParameters }: RouteMatch<GatewayRoute>,
  body: string,
  claims: Claims | undefined,
  requestId: string,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // rawHeaders keeps the case the client sent, as API Gateway does.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string];
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = [...url.searchParams.keys()];
  const now = Date.now();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: query.length ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters: query.length
      ? Object.fromEntries(query.map((k) => [k, url.searchParams.getAll(k)]))
      : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      stage: 'local',
      requestId,
      resourceId: 'local',
      resourcePath: route.path,
      httpMethod: req.method ?? 'GET',
      path: `/local${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestTimeEpoch: now,
      requestTime: new Date(now).toISOString(),
      // The other identity fields are null behind a user-pool authorizer, and no handler reads them.
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      authorizer: claims
        ? { claims: Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)])) }
        : null,
    },
  };
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(value));
}

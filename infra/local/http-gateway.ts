/**
 * API Gateway (REST API, Lambda proxy integration) emulation for the local stack: routes the
 * synthesized template's methods to in-process handlers, with the Cognito authorizer's claims,
 * the 256 KiB body limit of SPEC 4, and errors in the SPEC's shape.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  AppError,
  MalformedRequestError,
  PayloadTooLargeError,
  toErrorResponse,
  UnauthorizedError,
} from '../../shared/errors.js';
import { type ApiRoute, LOCAL_ACCOUNT_ID, lambdaArn } from './template.js';
import type { Claims } from './tokens.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export type GatewayRoute = Pick<ApiRoute, 'method' | 'path' | 'authorizationType' | 'functionLogicalId'>;

export type InvokeFn = (
  functionLogicalId: string,
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** A local-only route served ahead of the template's routes; `body` is already read (UTF-8). */
export interface ExtraRoute {
  method: string;
  path: string;
  handle(req: IncomingMessage, body: string, res: ServerResponse): void | Promise<void>;
}

export interface GatewayOptions {
  routes: readonly GatewayRoute[];
  invoke: InvokeFn;
  tokens: { verify(token: string): Claims };
  maxBodyBytes?: number;
  extraRoutes?: readonly ExtraRoute[];
  /** API Gateway gives up on an integration after 29 s and answers 504. */
  integrationTimeoutMs?: number;
}

export interface Gateway {
  handle: RequestListener;
}

export function createGateway(options: GatewayOptions): Gateway {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 29_000;
  const routes = createRouter(options.routes);
  const extras = createRouter(options.extraRoutes ?? []);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    try {
      const extra = extras.match(method, url.pathname);
      if (extra.kind === 'match') {
        const body = await readBody(req, maxBodyBytes);
        await extra.route.handle(req, body.toString('utf8'), res);
        return;
      }
      const found = routes.match(method, url.pathname);
      if (found.kind !== 'match') {
        const allowed =
          found.kind === 'wrong-method' ? ` (the path accepts ${found.allowed.join(', ')})` : '';
        sendError(req, res, 404, 'NOT_FOUND', `No route for ${method} ${url.pathname}${allowed}`);
        return;
      }
      // Fail closed: any authorization type other than NONE needs a valid token.
      const claims = found.route.authorizationType === 'NONE' ? undefined : authorize(req, options.tokens);
      const body = await readBody(req, maxBodyBytes);
      const event = buildEvent({ req, url, method, route: found, body, claims, requestId });
      const context = createLambdaContext({
        functionName: found.route.functionLogicalId,
        awsRequestId: requestId,
        timeoutMs: integrationTimeoutMs,
      });
      const result = await withTimeout(
        options.invoke(found.route.functionLogicalId, event, context),
        integrationTimeoutMs,
      );
      if (result === TIMED_OUT) {
        sendError(
          req,
          res,
          504,
          'GATEWAY_TIMEOUT',
          `The handler did not answer within ${integrationTimeoutMs} ms.`,
        );
        return;
      }
      writeResult(req, res, result, found.route.functionLogicalId, requestId);
    } catch (err) {
      if (err instanceof AppError) {
        const { status, body } = toErrorResponse(err);
        sendJson(res, status, body);
      } else {
        // Ids only in the log: the request itself may carry PHI.
        console.error(`[gateway] ${method} ${url.pathname} (request ${requestId}) failed:`, err);
        sendError(req, res, 502, 'INTERNAL', 'The handler failed; see the local server log.');
      }
      drain(req);
    }
  }

  return { handle: (req, res) => void handle(req, res) };
}

// ---------- routing ----------

type Segment = { kind: 'literal'; value: string } | { kind: 'param' | 'greedy'; name: string };
interface Compiled<R> {
  route: R;
  method: string;
  segments: Segment[];
}
export type RouteMatch<R> =
  | { kind: 'match'; route: R; pathParameters: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

/**
 * Matches `/a/{id}/b` style templates (and a trailing `{proxy+}`). Like API Gateway, literal
 * segments win over parameters, and parameters over a greedy tail; `ANY` matches every method.
 */
export function createRouter<R extends { method: string; path: string }>(routes: readonly R[]) {
  const compiled: Compiled<R>[] = routes.map((route) => ({
    route,
    method: route.method.toUpperCase(),
    segments: splitPath(route.path).map(compileSegment),
  }));
  // Most specific first, so the first hit is the best one.
  compiled.sort((a, b) => compareSpecificity(a.segments, b.segments));

  return {
    match(method: string, pathname: string): RouteMatch<R> {
      const parts = splitPath(pathname);
      const allowed = new Set<string>();
      for (const c of compiled) {
        const params = matchSegments(c.segments, parts);
        if (!params) continue;
        if (c.method === method || c.method === 'ANY')
          return { kind: 'match', route: c.route, pathParameters: params };
        allowed.add(c.method);
      }
      return allowed.size > 0 ? { kind: 'wrong-method', allowed: [...allowed].sort() } : { kind: 'none' };
    },
  };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function compileSegment(s: string): Segment {
  const m = /^\{([^{}]+?)(\+)?\}$/.exec(s);
  if (!m) return { kind: 'literal', value: s };
  return { kind: m[2] ? 'greedy' : 'param', name: m[1] ?? '' };
}

const RANK = { literal: 0, param: 1, greedy: 2 } as const;

function compareSpecificity(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = RANK[a[i]!.kind] - RANK[b[i]!.kind];
    if (d !== 0) return d;
  }
  return b.length - a.length;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'greedy') {
      if (i >= parts.length) return undefined;
      params[seg.name] = parts.slice(i).map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (decode(part) !== seg.value) return undefined;
    } else {
      params[seg.name] = decode(part);
    }
  }
  return segments.length === parts.length ? params : undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------- authorizer ----------

function authorize(req: IncomingMessage, tokens: GatewayOptions['tokens']): Claims {
  const header = req.headers.authorization;
  if (!header) throw new UnauthorizedError('An Authorization: Bearer <token> header is required.');
  // Cognito authorizers take the raw token; accept it with or without the Bearer prefix.
  const token = header.replace(/^Bearer\s+/i, '').trim();
  return tokens.verify(token);
}

/** API Gateway hands Cognito claims to the function as strings; groups comma-joined. */
export function claimsForApiGateway(claims: Claims): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

// ---------- request ----------

/** Reads the body, refusing (413) as soon as it passes `maxBytes`; the rest is discarded unread. */
export function readBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new PayloadTooLargeError(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        reject(new PayloadTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
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

/** Reads and parses a JSON body with the gateway's 413 and 400 answers (as `AppError`s). */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<unknown> {
  return parseJsonBody((await readBody(req, maxBytes)).toString('utf8'));
}

interface EventInput {
  req: IncomingMessage;
  url: URL;
  method: string;
  route: Extract<RouteMatch<GatewayRoute>, { kind: 'match' }>;
  body: Buffer;
  claims: Claims | undefined;
  requestId: string;
}

function buildEvent({ req, url, method, route, body, claims, requestId }: EventInput): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // rawHeaders keeps the case the client sent, as API Gateway does.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const hasParams = Object.keys(route.pathParameters).length > 0;
  const now = Date.now();

  return {
    resource: route.route.path,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: hasParams ? route.pathParameters : null,
    stageVariables: null,
    body: body.length > 0 ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      stage: 'local',
      requestId,
      extendedRequestId: requestId,
      resourceId: 'local',
      resourcePath: route.route.path,
      httpMethod: method,
      path: `/local${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestTimeEpoch: now,
      requestTime: new Date(now).toISOString(),
      domainName: req.headers.host ?? 'localhost',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      authorizer: claims ? { claims: claimsForApiGateway(claims) } : null,
    },
  };
}

export interface LambdaContextInput {
  functionName: string;
  awsRequestId?: string;
  timeoutMs?: number;
  memoryMb?: number;
}

/** A Lambda `Context` for an in-process invocation. */
export function createLambdaContext({
  functionName,
  awsRequestId = randomUUID(),
  timeoutMs = 30_000,
  memoryMb = 1024,
}: LambdaContextInput): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('The callback-style context methods are not supported locally; return a promise.');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: lambdaArn(functionName),
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

// ---------- response ----------

function writeResult(
  req: IncomingMessage,
  res: ServerResponse,
  result: unknown,
  functionLogicalId: string,
  requestId: string,
): void {
  if (!isProxyResult(result)) {
    console.error(`[gateway] ${functionLogicalId} (request ${requestId}) returned a malformed proxy result.`);
    sendError(req, res, 502, 'INTERNAL', 'The handler returned a malformed response.');
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    res.setHeader(name, values.map(String));
  }
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json');
  res.statusCode = result.statusCode;
  res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
  drain(req);
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const { statusCode, body, headers, multiValueHeaders } = value as Record<string, unknown>;
  return (
    typeof statusCode === 'number' &&
    Number.isInteger(statusCode) &&
    statusCode >= 100 &&
    statusCode <= 599 &&
    (body == null || typeof body === 'string') &&
    (headers == null || typeof headers === 'object') &&
    (multiValueHeaders == null ||
      (typeof multiValueHeaders === 'object' && Object.values(multiValueHeaders).every(Array.isArray)))
  );
}

/** Writes a JSON answer (the helper extra routes use too). */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(JSON.stringify(value));
}

function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) {
  sendJson(res, status, { error: { code, message } });
  drain(req);
}

/** After answering early, discard whatever body the client is still sending. */
function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

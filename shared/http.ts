import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  AppError,
  ForbiddenError,
  MalformedRequestError,
  PayloadTooLargeError,
  toErrorResponse,
  toOperationOutcome,
  UnauthorizedError,
} from './errors.js';
import type { Caller } from './model.js';
import { logger } from './observability.js';

/** SPEC 4: bodies over 256 KiB are refused. API Gateway's own limit is 10 MB, so the handlers enforce ours. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpRequest {
  method: string;
  /** The route template, e.g. `/referrals/{id}`. */
  resource: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  caller: Caller | undefined;
  requestId: string;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text (e.g. the console's HTML) instead of JSON. */
  text?: string;
}

export type Route = (req: HttpRequest) => Promise<HttpResponse>;

/** The Cognito authorizer's claims, as API Gateway passes them (all strings, groups comma-joined). */
export function callerFromEvent(event: APIGatewayProxyEvent): Caller | undefined {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const groups = claims['cognito:groups'];
  const roles = Array.isArray(groups)
    ? groups.map(String)
    : typeof groups === 'string'
      ? groups
          .replace(/^\[|\]$/g, '')
          .split(/[,\s]+/)
          .filter(Boolean)
      : [];
  const caller: Caller = { sub: claims.sub, roles };
  if (typeof claims['custom:portalId'] === 'string') caller.portalId = claims['custom:portalId'];
  if (typeof claims['custom:credential'] === 'string') caller.credential = claims['custom:credential'];
  return caller;
}

export function requireRole(caller: Caller | undefined, ...roles: string[]): Caller {
  if (!caller) throw new UnauthorizedError();
  if (!roles.some((r) => caller.roles.includes(r))) throw new ForbiddenError();
  return caller;
}

function parseBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new MalformedRequestError(undefined, err);
  }
}

function lowerKeys(input: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function toResult(res: HttpResponse): APIGatewayProxyResult {
  if (res.text !== undefined) {
    return { statusCode: res.status, headers: { ...SECURITY_HEADERS, ...res.headers }, body: res.text };
  }
  return {
    statusCode: res.status,
    headers: { 'content-type': 'application/json', ...SECURITY_HEADERS, ...res.headers },
    body: res.body === undefined ? '' : JSON.stringify(res.body),
  };
}

/**
 * Turns a table of routes (`'GET /referrals/{id}'`) into a Lambda handler: body limits and JSON
 * parsing, the caller's claims, and the one mapping from errors to the SPEC 4 error shape.
 */
export function httpHandler(routes: Record<string, Route>, options: { errors?: 'json' | 'fhir' } = {}) {
  // SPEC 8: /fhir answers errors as an OperationOutcome; the one mapping in errors.ts makes both shapes.
  const mapError =
    options.errors === 'fhir'
      ? (err: unknown) => {
          const { status, body } = toOperationOutcome(err);
          return { status, body, headers: { 'content-type': 'application/fhir+json' } };
        }
      : (err: unknown) => toErrorResponse(err);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const key = `${event.httpMethod} ${event.resource}`;
    const requestId = event.requestContext?.requestId ?? 'unknown';
    logger.appendKeys({ requestId, route: key });
    try {
      const route = routes[key];
      if (!route) throw new AppError(404, 'NOT_FOUND', `No route for ${key}.`);
      const req: HttpRequest = {
        method: event.httpMethod,
        resource: event.resource,
        params: Object.fromEntries(
          Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
        ),
        // Query parameter names keep their case (lineOfBusiness): only headers are case-insensitive.
        query: Object.fromEntries(
          Object.entries(event.queryStringParameters ?? {}).filter(
            (e): e is [string, string] => e[1] !== undefined,
          ),
        ),
        headers: lowerKeys(event.headers),
        body: parseBody(event),
        caller: callerFromEvent(event),
        requestId,
      };
      const res = await route(req);
      logger.info('request handled', { status: res.status });
      return toResult(res);
    } catch (err) {
      const mapped = mapError(err);
      const { status } = mapped;
      if (status >= 500) logger.error('request failed', { status, error: err as Error });
      else logger.info('request refused', { status, code: err instanceof AppError ? err.code : 'INTERNAL' });
      return toResult(mapped);
    } finally {
      logger.removeKeys(['requestId', 'route']);
    }
  };
}

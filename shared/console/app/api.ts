/** Calls to the API (same origin, bearer token, no cookies), and its errors as SPEC 4 shapes them. */
import { token } from './session.js';

export interface ErrorDetail {
  field?: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** The console already dealt with it (a 401 signs the reviewer out): show nothing more. */
  readonly handled: boolean;

  constructor(status: number, body: unknown, handled = false) {
    const error =
      body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object'
        ? (body.error as { code?: unknown; message?: unknown; details?: unknown })
        : {};
    super(typeof error.message === 'string' ? error.message : `The API answered ${status}.`);
    this.status = status;
    this.code = typeof error.code === 'string' ? error.code : '';
    this.details = Array.isArray(error.details) ? (error.details as ErrorDetail[]) : [];
    this.handled = handled;
  }
}

/** The API lives where the console does: `/prod/console` → `/prod`. */
const base = location.pathname.replace(/\/console\/?$/, '');

let onUnauthorized: () => void = () => {};
/** What a 401 does (sign out): set once by the app. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  options: { anonymous?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const bearer = token();
  if (bearer && !options.anonymous) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, {
      error: {
        code: 'NETWORK',
        message: 'The API could not be reached. Check the connection and try again.',
      },
    });
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.status === 401 && !options.anonymous) {
    onUnauthorized();
    throw new ApiError(401, json, true);
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json as T;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * One error hierarchy for the whole system. `status` is the HTTP answer; `name` is what a Lambda
 * reports as its error type, so the workflows' Retry (TransientError only) and Catch (the wf-rereview
 * task dead-letters ValidationError, NotFoundError and ConflictError) see it. Each class spells its
 * name out rather than taking it from the class: bundlers minify class names.
 */
export interface ErrorDetail {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options?: { cause?: unknown; details?: ErrorDetail[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options?.details;
  }
}

export class MalformedRequestError extends AppError {
  override readonly name: string = 'MalformedRequestError';
  constructor(message = 'The request body is not valid JSON.', cause?: unknown) {
    super(400, 'MALFORMED_JSON', message, { cause });
  }
}
export class UnauthorizedError extends AppError {
  override readonly name: string = 'UnauthorizedError';
  constructor(message = 'A valid bearer token is required.') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends AppError {
  override readonly name: string = 'ForbiddenError';
  constructor(message = 'Your role may not use this route.', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  override readonly name: string = 'NotFoundError';
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} was not found.`);
  }
}
export class ConflictError extends AppError {
  override readonly name: string = 'ConflictError';
  constructor(code: string, message: string, cause?: unknown) {
    super(409, code, message, { cause });
  }
}
export class PayloadTooLargeError extends AppError {
  override readonly name: string = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limitBytes} bytes.`);
  }
}
export class ValidationError extends AppError {
  override readonly name: string = 'ValidationError';
  constructor(details: ErrorDetail[], message = 'The request is not valid.') {
    super(422, 'VALIDATION_FAILED', message, { details });
  }
}
/** A failure worth retrying (throttling, a lost connection). The only error the workflows retry. */
export class TransientError extends AppError {
  override readonly name: string = 'TransientError';
  constructor(message: string, cause?: unknown) {
    super(503, 'SERVICE_UNAVAILABLE', message, { cause });
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/** The single mapping from any thrown value to the SPEC section 4 error shape. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details) body.error.details = err.details;
    return { status: err.status, body };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'An unexpected error occurred.' } } };
}

/** FHIR `OperationOutcome.issue.code` for each status the desk answers (SPEC 8: the same 4xx as SPEC 4). */
const ISSUE_CODES: Record<number, string> = {
  400: 'structure',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-long',
  422: 'invalid',
  501: 'not-supported',
  503: 'transient',
};

export interface OperationOutcomeBody {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'error' | 'fatal';
    code: string;
    details: { coding?: { system: string; code: string }[]; text: string };
    diagnostics?: string;
    expression?: string[];
  }[];
}

/** Code system of the desk's error codes (SPEC 4's `error.code`) inside an OperationOutcome. */
export const ERROR_CODE_SYSTEM = 'https://prior-auth.example.org/fhir/CodeSystem/error-code';

/**
 * The same mapping for /fhir (SPEC 8): status and code as `toErrorResponse` gives them, as an
 * OperationOutcome with one issue per bad element (`expression`) or one for the whole request.
 */
export function toOperationOutcome(err: unknown): { status: number; body: OperationOutcomeBody } {
  const { status, body } = toErrorResponse(err);
  const code = ISSUE_CODES[status] ?? (status >= 500 ? 'exception' : 'processing');
  const coding = [{ system: ERROR_CODE_SYSTEM, code: body.error.code }];
  const severity = status >= 500 ? 'fatal' : 'error';
  const issues: OperationOutcomeBody['issue'] = body.error.details?.length
    ? body.error.details.map((d) => ({
        severity,
        code,
        details: { coding, text: d.message },
        diagnostics: body.error.message,
        expression: [d.field],
      }))
    : [{ severity, code, details: { coding, text: body.error.message } }];
  return { status, body: { resourceType: 'OperationOutcome', issue: issues } };
}

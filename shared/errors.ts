/**
 * One error hierarchy for the whole system. `status` is the HTTP answer, `name` is the
 * Step Functions error name (the state machines Catch domain errors by these names and
 * retry only `TransientError`).
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
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'MalformedRequestError';
  constructor(message = 'The request body is not valid JSON.', cause?: unknown) {
    super(400, 'MALFORMED_JSON', message, { cause });
  }
}
export class UnauthorizedError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'UnauthorizedError';
  constructor(message = 'A valid bearer token is required.') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'ForbiddenError';
  constructor(message = 'Your role may not use this route.', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'NotFoundError';
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} was not found.`);
  }
}
export class ConflictError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'ConflictError';
  constructor(code: string, message: string, cause?: unknown) {
    super(409, code, message, { cause });
  }
}
export class PayloadTooLargeError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limitBytes} bytes.`);
  }
}
export class ValidationError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
  override readonly name: string = 'ValidationError';
  constructor(details: ErrorDetail[], message = 'The request is not valid.') {
    super(422, 'VALIDATION_FAILED', message, { details });
  }
}
/** A failure worth retrying (throttling, a lost connection). The only error the workflows retry. */
export class TransientError extends AppError {
  // Spelled out, not taken from the class: bundlers minify class names, and the state machines match on this.
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

/** Error name as the state machines see it: domain errors by class name, anything else is transient. */
export function toStepFunctionsErrorName(err: unknown): string {
  if (err instanceof AppError) return err.name;
  return 'TransientError';
}

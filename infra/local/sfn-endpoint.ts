// The AWS JSON protocol (awsJson1_0) front of the local Step Functions, so handlers keep using the
// unchanged @aws-sdk/client-sfn with only `endpoint` pointed here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LocalStepFunctions, SfnServiceError } from './stepfunctions.js';

export interface AwsJsonResponse {
  status: number;
  body: unknown;
}

/** `target` is the X-Amz-Target header (e.g. `AWSStepFunctions.StartExecution`), `body` the parsed JSON. */
export type AwsJsonHandler = (target: string, body: unknown) => Promise<AwsJsonResponse>;

// The SDK takes the error name from the part of `__type` after '#'.
const SFN_ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model#';

type Obj = Record<string, unknown>;

const epochSeconds = (d: Date) => d.getTime() / 1000;

function str(body: Obj, field: string, required: true): string;
function str(body: Obj, field: string, required?: false): string | undefined;
function str(body: Obj, field: string, required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required)
      throw new SfnServiceError('ValidationException', `1 validation error: '${field}' must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SfnServiceError('ValidationException', `'${field}' must be a string`);
  return v;
}

export function createSfnProtocolHandler(service: LocalStepFunctions): AwsJsonHandler {
  // Only what the handlers call (SUPPORTED.sdkOperations); tests use the in-process API for the rest.
  const operations: Record<string, (body: Obj) => Obj> = {
    StartExecution(body) {
      const req: { stateMachineArn: string; name?: string; input?: string } = {
        stateMachineArn: str(body, 'stateMachineArn', true),
      };
      const name = str(body, 'name');
      const input = str(body, 'input');
      if (name !== undefined) req.name = name;
      if (input !== undefined) req.input = input;
      const { executionArn, startDate } = service.startExecution(req);
      return { executionArn, startDate: epochSeconds(startDate) };
    },
    SendTaskSuccess(body) {
      service.sendTaskSuccess(str(body, 'taskToken', true), str(body, 'output', true));
      return {};
    },
  };

  return async (target, body) => {
    const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const fn = Object.hasOwn(operations, op) ? operations[op] : undefined;
    if (!fn) return awsJsonError('UnknownOperationException', `Unsupported operation '${target}'`);
    try {
      return { status: 200, body: fn(typeof body === 'object' && body !== null ? (body as Obj) : {}) };
    } catch (err) {
      if (err instanceof SfnServiceError) {
        return awsJsonError(`${SFN_ERROR_NAMESPACE}${err.name}`, err.message);
      }
      return awsJsonError('InternalFailure', err instanceof Error ? err.message : String(err), 500);
    }
  };
}

export function awsJsonError(type: string, message: string, status = 400): AwsJsonResponse {
  return { status, body: { __type: type, message } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Adapts an AWS JSON protocol handler to Node's http server. `body` may be given when the caller has
 * already read it (string, Buffer or parsed JSON); otherwise the request stream is read.
 */
export function serveAwsJson(
  handler: AwsJsonHandler,
): (req: IncomingMessage, res: ServerResponse, body?: unknown) => Promise<void> {
  return async (req, res, body) => {
    const requestType = req.headers['content-type'];
    const contentType =
      typeof requestType === 'string' && requestType.startsWith('application/x-amz-json')
        ? requestType
        : 'application/x-amz-json-1.0';
    const target = req.headers['x-amz-target'];
    let result: AwsJsonResponse;
    try {
      const raw = body === undefined ? await readBody(req) : body;
      const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
      const parsed: unknown = text === undefined ? raw : text.trim() === '' ? {} : JSON.parse(text);
      result =
        typeof target === 'string'
          ? await handler(target, parsed)
          : awsJsonError('UnknownOperationException', 'Missing X-Amz-Target header');
    } catch (err) {
      result = awsJsonError('SerializationException', err instanceof Error ? err.message : String(err));
    }
    const payload = JSON.stringify(result.body);
    res.writeHead(result.status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(payload);
  };
}

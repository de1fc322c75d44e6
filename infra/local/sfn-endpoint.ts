// The AWS JSON protocol (awsJson1_0) front of the local services, so handlers keep using the unchanged
// SDK clients with only `endpoint` pointed here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-gateway.js';
import { type LocalStepFunctions, SfnServiceError } from './stepfunctions.js';

export interface AwsJsonResponse {
  status: number;
  body: unknown;
}

/** `target` is the X-Amz-Target header (e.g. `AWSStepFunctions.StartExecution`), `body` the parsed JSON. */
export type AwsJsonHandler = (target: string, body: unknown) => Promise<AwsJsonResponse>;

export function awsJsonError(type: string, message: string, status = 400): AwsJsonResponse {
  return { status, body: { __type: type, message } };
}

/** `AWSStepFunctions.StartExecution | SendTaskSuccess` (SUPPORTED.sdkOperations): what the handlers call. */
export function createSfnProtocolHandler(service: LocalStepFunctions): AwsJsonHandler {
  return async (target, body) => {
    const input = body as {
      stateMachineArn: string;
      name?: string;
      input?: string;
      taskToken: string;
      output: string;
    };
    try {
      if (target === 'AWSStepFunctions.SendTaskSuccess') {
        service.sendTaskSuccess(input.taskToken, input.output);
        return { status: 200, body: {} };
      }
      const { executionArn, startDate } = service.startExecution(input);
      return { status: 200, body: { executionArn, startDate: startDate.getTime() / 1000 } };
    } catch (err) {
      // The SDK takes the error name from the part of `__type` after '#'.
      if (err instanceof SfnServiceError)
        return awsJsonError(`com.amazonaws.swf.service.v2.model#${err.name}`, err.message);
      return awsJsonError('InternalFailure', err instanceof Error ? err.message : String(err), 500);
    }
  };
}

/** Adapts an AWS JSON protocol handler to Node's http server. */
export function serveAwsJson(
  handler: AwsJsonHandler,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const target = req.headers['x-amz-target'];
    let result: AwsJsonResponse;
    try {
      const text = await readBody(req);
      result = await handler(String(target), text.trim() === '' ? {} : JSON.parse(text));
    } catch (err) {
      result = awsJsonError('SerializationException', err instanceof Error ? err.message : String(err));
    }
    const payload = JSON.stringify(result.body);
    res.writeHead(result.status, {
      'content-type': req.headers['content-type'] ?? 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(payload);
  };
}

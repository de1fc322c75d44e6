import './polyfills.js';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MalformedRequestError, toErrorResponse } from '../../shared/errors.js';
import { logger } from '../../shared/observability.js';
import { buildApp } from '../build-app.js';
import { ALLOW_LOOPBACK_CONTEXT } from '../constructs/notifications.js';
import { DEMO_REVIEWERS } from './demo-data.js';
import { type DynamoDbLocal, ensureTables, localDynamoDbConfig, startDynamoDbLocal } from './dynamodb.js';
import {
  type RunningSource,
  startSqsMapping,
  startStreamMapping,
  streamsClientFor,
} from './event-sources.js';
import {
  createEventsProtocolHandler,
  createLocalEventBridge,
  type LocalEventBridge,
  type PutEventsEntryInput,
} from './eventbridge.js';
import { createGateway, createLambdaContext, sendJson } from './http-gateway.js';
import { createKmsProtocolHandler, loadOrCreateKmsKey } from './kms.js';
import { recoverInFlightWork } from './recovery.js';
import { seedDemoData } from './seed.js';
import { createSfnProtocolHandler, serveAwsJson } from './sfn-endpoint.js';
import { createLocalSqs, createSqsProtocolHandler, type LocalSqs } from './sqs.js';
import { createLocalStepFunctions, type LocalStepFunctions } from './stepfunctions.js';
import { buildLocalModel, LOCAL_ACCOUNT_ID, type LocalModel, queueUrl } from './template.js';
import { createTokenService, loadOrCreateSecret } from './tokens.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface LocalStackOptions {
  /** 0 picks a free port. Default: PORT or 3000. */
  port?: number;
  host?: string;
  /** Where DynamoDB Local keeps its data and the token secret lives. Default `.local/`. */
  dataDir?: string;
  /** Load the demo members and providers on first start. Default true. */
  seed?: boolean;
  /** Scales Step Functions waits and timeouts (tests). Default 1. */
  timeScale?: number;
  log?: (line: string) => void;
  /**
   * Instrumentation (the system bench): wraps every in-process Lambda invocation. `run` calls the
   * handler with the (JSON) event and resolves to its result; absent, handlers are called directly.
   */
  aroundInvoke?(call: InvokeCall, run: () => Promise<unknown>): Promise<unknown>;
  /** Instrumentation (the system bench): sees every PutEvents request the local bus receives. */
  onEvent?(entries: readonly PutEventsEntryInput[]): void;
}

/** How a function was invoked: by the API, by a state machine task, or by an event rule. */
export type InvokeKind = 'api' | 'task' | 'event';
export interface InvokeCall {
  functionLogicalId: string;
  kind: InvokeKind;
  event: unknown;
}

export interface LocalStack {
  url: string;
  port: number;
  dataDir: string;
  model: LocalModel;
  sfn: LocalStepFunctions;
  bus: LocalEventBridge;
  sqs: LocalSqs;
  dynamo: DynamoDBClient;
  tableName: string;
  stop(): Promise<void>;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * A queue URL names the SQS endpoint that serves it (the SDK sends to the URL's host): locally that
 * is this stack's AWS endpoint, which exists only once it listens, after the template was read.
 */
function localQueueUrls(env: Record<string, string>, awsEndpoint: string): Record<string, string> {
  const placeholder = queueUrl('');
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      v.startsWith(placeholder) ? `${awsEndpoint}/${LOCAL_ACCOUNT_ID}/${v.slice(placeholder.length)}` : v,
    ]),
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok((server.address() as AddressInfo).port));
  });
}

/**
 * The embedded local stack: synthesizes the CDK app in-process and runs what it describes on one
 * machine — DynamoDB Local with the template's tables, the synthesized state machines on
 * aws-local-stepfunctions, the template's event rules and API routes — with the real handlers.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  // The Lambda runtime is Node 22; this machine may run Node 20, which the SDK warns about once per client.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir ?? resolve(REPO_ROOT, '.local'));
  mkdirSync(dataDir, { recursive: true });

  // 1. The app, synthesized in-process (no bundling: the handlers run from source here).
  // The assembly goes in the data directory, so repeated starts (and tests) leave nothing in /tmp.
  // The one setting that differs from AWS: webhooks and subscriptions may point at loopback
  // receivers on this machine (by context, as any stack could be configured).
  const { app } = buildApp({
    bundling: false,
    nag: false,
    outdir: resolve(dataDir, 'cdk.out'),
    context: { [ALLOW_LOOPBACK_CONTEXT]: true },
  });
  const assembly = app.synth();
  const model = buildLocalModel(
    assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
  );
  const table = model.tables[0];
  if (!table) throw new Error('The synthesized app has no DynamoDB table.');

  // 2. DynamoDB Local with the template's tables.
  const dynamoLocal: DynamoDbLocal = await startDynamoDbLocal({ dataDir: resolve(dataDir, 'dynamodb') });
  const dynamo = new DynamoDBClient(localDynamoDbConfig(dynamoLocal.endpoint));
  await ensureTables(dynamo, model.tables);

  // 3. AWS protocol endpoints (Step Functions, EventBridge) on their own port, so the unchanged SDK
  //    clients reach them through the standard AWS_ENDPOINT_URL_* variables.
  const awsServer = createServer();
  const awsPort = await listen(awsServer, 0, host);
  const awsEndpoint = `http://${host}:${awsPort}`;

  // 4. The handlers' environment: every function's resolved variables (they agree on shared names),
  //    plus local endpoints and dummy credentials.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal.endpoint,
    AWS_ENDPOINT_URL_SFN: awsEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: awsEndpoint,
    AWS_ENDPOINT_URL_SQS: awsEndpoint,
    AWS_ENDPOINT_URL_KMS: awsEndpoint,
    ...localQueueUrls(
      Object.assign({}, ...[...model.functions.values()].map((f) => f.environment)),
      awsEndpoint,
    ),
    // The console's page offers these as demo sign-ins (its token route is local only).
    CONSOLE_DEMO_REVIEWERS: JSON.stringify(DEMO_REVIEWERS),
  });
  // The handlers share this process's one logger; keep the console readable unless asked otherwise.
  logger.setLogLevel((process.env.LOCAL_LOG_LEVEL ?? 'WARN') as 'WARN');

  const handlers = new Map<string, Promise<Handler>>();
  const handlerFor = (logicalId: string): Promise<Handler> => {
    let h = handlers.get(logicalId);
    if (!h) {
      const fn = model.functions.get(logicalId);
      if (!fn?.entry) throw new Error(`No local handler for function ${logicalId}`);
      const file = pathToFileURL(resolve(REPO_ROOT, fn.entry)).href;
      h = import(file).then((m) => m[fn.handler ?? 'handler'] as Handler);
      handlers.set(logicalId, h);
    }
    return h;
  };
  const aroundInvoke = options.aroundInvoke;
  const invoke = async (logicalId: string, event: unknown, kind: InvokeKind) => {
    const fn = model.functions.get(logicalId);
    const handler = await handlerFor(logicalId);
    const context = createLambdaContext({
      functionName: logicalId,
      timeoutMs: (fn?.timeoutSeconds ?? 30) * 1000,
      memoryMb: fn?.memoryMb ?? 512,
    });
    // Lambda serialises events and results as JSON: do the same so nothing but JSON crosses the
    // boundary. The Step Functions engine already does it for its tasks (toJson both ways).
    const asJson = kind !== 'task';
    const input = asJson ? JSON.parse(JSON.stringify(event ?? null)) : (event ?? null);
    const result = aroundInvoke
      ? await aroundInvoke({ functionLogicalId: logicalId, kind, event: input }, () =>
          handler(input, context),
        )
      : await handler(input, context);
    if (result === undefined) return null;
    return asJson ? JSON.parse(JSON.stringify(result)) : result;
  };
  const logicalIdFromArn = (arnOrName: string) => arnOrName.split(':').pop() ?? arnOrName;

  // 5. Step Functions: the synthesized definitions, Lambda tasks mapped to the handlers.
  let bus: LocalEventBridge | undefined;
  const sfn = createLocalStepFunctions({
    invokeLambda: (arn, payload) => invoke(logicalIdFromArn(arn), payload, 'task'),
    sendSqsMessage: async (queue, body) => bus!.sendToQueue(queue, body),
    timeScale: options.timeScale ?? 1,
    onExecutionEnd: (e) => {
      if (e.status !== 'SUCCEEDED') log(`execution ${e.name} ${e.status}${e.error ? `: ${e.error}` : ''}`);
    },
  });
  for (const sm of model.stateMachines)
    sfn.register({ name: sm.name, arn: sm.arn, definition: sm.definition });

  // 6. SQS: the template's queues with their visibility timeouts and redrive, journaled on disk.
  const sqs = createLocalSqs({
    queues: model.queues,
    journalFile: resolve(dataDir, 'sqs', 'journal.jsonl'),
    timeScale: options.timeScale ?? 1,
  });

  // 6b. EventBridge: the template's rules; state-machine targets start local executions.
  bus = createLocalEventBridge({
    rules: model.eventRules.map((r) => ({
      name: r.name,
      eventBusName: r.eventBusName,
      eventPattern: r.eventPattern,
      targets: r.targets.map((t) => ({
        id: t.id,
        arn: t.arn,
        ...(t.input === undefined ? {} : { input: t.input }),
        ...(t.deadLetterQueueLogicalId
          ? {
              deadLetterArn:
                model.queues.find((q) => q.logicalId === t.deadLetterQueueLogicalId)?.arn ??
                t.deadLetterQueueLogicalId,
            }
          : {}),
      })),
    })),
    deliver: async (target, payload) => {
      if (target.arn.includes(':states:')) {
        sfn.startExecution({ stateMachineArn: target.arn, input: JSON.stringify(payload) });
        return;
      }
      if (target.arn.includes(':lambda:')) {
        await invoke(logicalIdFromArn(target.arn), payload, 'event');
        return;
      }
      if (target.arn.includes(':sqs:')) {
        sqs.send(target.arn, JSON.stringify(payload));
        return;
      }
      throw new Error(`The local stack cannot deliver to ${target.arn}`);
    },
    dlqFile: resolve(dataDir, 'dead-letters.jsonl'),
  });
  const onEvent = options.onEvent;
  if (onEvent) {
    const { putEvents } = bus;
    bus.putEvents = (entries) => {
      onEvent(entries);
      return putEvents(entries);
    };
  }
  const sfnProtocol = serveAwsJson(createSfnProtocolHandler(sfn));
  const eventsProtocol = serveAwsJson(createEventsProtocolHandler(bus));
  const sqsProtocol = serveAwsJson(createSqsProtocolHandler(sqs));
  const keyIds = [...model.functions.values()]
    .map((f) => f.environment.SECRET_KEY_ID)
    .filter((k) => k !== undefined);
  const kmsProtocol = serveAwsJson(
    createKmsProtocolHandler(loadOrCreateKmsKey(resolve(dataDir, 'kms-key')), [...new Set(keyIds)]),
  );
  awsServer.on('request', (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.startsWith('AWSEvents.')) void eventsProtocol(req, res);
    else if (target.startsWith('AmazonSQS.')) void sqsProtocol(req, res);
    else if (target.startsWith('TrentService.')) void kmsProtocol(req, res);
    else void sfnProtocol(req, res);
  });

  // 7. The API: the template's routes, Cognito claims from local tokens.
  const tokens = createTokenService({ secret: loadOrCreateSecret(dataDir) });
  const gateway = createGateway({
    routes: model.apiRoutes,
    invoke: async (logicalId, event) => (await invoke(logicalId, event, 'api')) as never,
    tokens,
    extraRoutes: [
      {
        method: 'POST',
        path: '/_local/token',
        handle: async (_req, body, res) => {
          try {
            const parsed = body.trim() === '' ? {} : JSON.parse(body);
            sendJson(res, 200, { token: tokens.issue(parsed) });
          } catch (err) {
            const e = toErrorResponse(err instanceof SyntaxError ? new MalformedRequestError() : err);
            sendJson(res, e.status, e.body);
          }
        },
      },
      {
        method: 'GET',
        path: '/_local/dead-letters',
        handle: (_req, _body, res) => sendJson(res, 200, { items: bus!.dlq() }),
      },
    ],
  });
  const server = createServer(gateway.handle);
  // Outlive pooled clients' idle sockets (Node's 5 s default raced them: ECONNRESET on a reused socket).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const wanted = options.port ?? Number(process.env.PORT ?? 3000);
  const port = await listen(server, wanted, host);
  const url = `http://${host}:${port}`;

  // 8. Demo data on first start, then finish what a crash interrupted.
  const tableName = table.tableName;
  if (options.seed !== false) await seedDemoData(dynamo, tableName, dataDir);
  await recoverInFlightWork({ dynamo, tableName, sfn, model, log });

  // 9. The template's event source mappings: the table's stream and the notification queue.
  const streams = streamsClientFor(dynamoLocal.endpoint, localDynamoDbConfig(dynamoLocal.endpoint) as never);
  const sources: RunningSource[] = model.eventSourceMappings.map((mapping) =>
    mapping.kind === 'dynamodb-stream'
      ? startStreamMapping({
          mapping,
          dynamo,
          streamsClient: streams,
          checkpointFile: resolve(dataDir, 'streams', `${mapping.logicalId}.json`),
          invoke: (id, event) => invoke(id, event, 'event'),
          sqs,
          // PutEvents is durable once it answers on AWS; the local bus is once its targets ran.
          beforeCheckpoint: () => bus!.idle(),
          log,
        })
      : startSqsMapping({ mapping, sqs, invoke: (id, event) => invoke(id, event, 'event'), log }),
  );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(sources.map((src) => src.stop()));
    streams.destroy();
    await sfn.shutdown();
    await new Promise<void>((ok) => server.close(() => ok()));
    server.closeAllConnections?.();
    await new Promise<void>((ok) => awsServer.close(() => ok()));
    awsServer.closeAllConnections?.();
    dynamo.destroy();
    await dynamoLocal.stop();
  };
  return { url, port, dataDir, model, sfn, bus, sqs, dynamo, tableName, stop };
}

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { logger } from '../../shared/observability.js';
import { buildApp } from '../build-app.js';
import { ALLOW_LOOPBACK_CONTEXT } from '../constructs/notifications.js';
import { DEMO_REVIEWERS } from './demo-data.js';
import { ensureTables, listen, localDynamoDbConfig, startDynamoDbLocal } from './dynamodb.js';
import { startEventSources } from './event-sources.js';
import { createEventsProtocolHandler, createLocalEventBridge } from './eventbridge.js';
import { createGateway, parseJsonBody } from './http-gateway.js';
import { createKmsProtocolHandler } from './kms.js';
import { recoverInFlightWork } from './recovery.js';
import { seedDemoData } from './seed.js';
import { type AwsJsonHandler, awsJsonError, createSfnProtocolHandler, serveAwsJson } from './sfn-endpoint.js';
import { createLocalSqs, createSqsProtocolHandler } from './sqs.js';
import { createLocalStepFunctions } from './stepfunctions.js';
import { SUPPORTED } from './supported.js';
import { buildLocalModel, LOCAL_ACCOUNT_ID, queueUrl } from './template.js';
import { createTokenService, loadOrCreateSecret } from './tokens.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface LocalStackOptions {
  /** 0 picks a free port. Default: PORT or 3000. */
  port?: number;
  /** Where DynamoDB Local keeps its data and the token secret lives. Default `.local/`. */
  dataDir?: string;
  /** Scales Step Functions waits and timeouts, and queue timeouts (tests). Default 1. */
  timeScale?: number;
  log?: (line: string) => void;
  /** Instrumentation (the system bench): wraps every Lambda invocation; `run` calls the handler. */
  aroundInvoke?(call: InvokeCall, run: () => Promise<unknown>): Promise<unknown>;
  /** Instrumentation (the system bench): sees every PutEvents request the local bus receives. */
  onEvent?(entries: readonly PutEventsRequestEntry[]): void;
  /**
   * Run the template's event source mappings (the table's stream, the notification queue). Default
   * true; the system bench's `--no-outbox` turns them off to measure what the outbox costs.
   */
  eventSources?: boolean;
}

/** How a function was invoked: by the API, by a state machine task, or by an event rule or source. */
export type InvokeKind = 'api' | 'task' | 'event';
export interface InvokeCall {
  functionLogicalId: string;
  kind: InvokeKind;
  event: unknown;
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

// No handler reads its Lambda context: none is passed.
type Handler = (event: unknown) => Promise<unknown>;

/**
 * The embedded local stack: synthesizes the CDK app in-process and runs what it describes on one
 * machine — DynamoDB Local with the template's tables, the synthesized state machines on
 * aws-local-stepfunctions, the template's rules, queues, event sources and API routes — with the
 * real handlers.
 */
export async function startLocalStack(options: LocalStackOptions = {}) {
  const log = options.log ?? (() => {});
  const timeScale = options.timeScale ?? 1;
  // The Lambda runtime is Node 22; this machine may run Node 20, which the SDK warns about once per client.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = resolve(options.dataDir ?? resolve(REPO_ROOT, '.local'));
  mkdirSync(dataDir, { recursive: true });

  // 1. The app, synthesized in-process (no bundling: the handlers run from source here), into the
  // data directory so nothing is left in /tmp. The one setting that differs from AWS: webhooks may
  // point at loopback receivers on this machine (by context, as any stack could be configured).
  const { app } = buildApp({
    bundling: false,
    nag: false,
    outdir: resolve(dataDir, 'cdk.out'),
    context: { [ALLOW_LOOPBACK_CONTEXT]: true },
  });
  const model = buildLocalModel(
    app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
  );
  const table = model.tables[0];
  if (!table) throw new Error('The synthesized app has no DynamoDB table.');

  // 2. DynamoDB Local with the template's tables.
  const dynamoLocal = await startDynamoDbLocal({ dataDir: resolve(dataDir, 'dynamodb') });
  const dynamo = new DynamoDBClient(localDynamoDbConfig(dynamoLocal.endpoint));
  await ensureTables(dynamo, model.tables);

  // 3. The AWS endpoints (Step Functions, EventBridge, SQS, KMS) on their own port, reached by the
  // unchanged SDK clients through the standard AWS_ENDPOINT_URL variables. A queue URL names the
  // endpoint that serves it (the SDK sends to its host), so the template's URLs move there too.
  const awsServer = createServer();
  const awsEndpoint = `http://127.0.0.1:${await listen(awsServer, 0)}`;
  const environment: Record<string, string> = Object.assign(
    {},
    ...[...model.functions.values()].map((f) => f.environment),
  );
  for (const [name, value] of Object.entries(environment)) {
    if (value.startsWith(queueUrl('')))
      environment[name] = value.replace(queueUrl(''), `${awsEndpoint}/${LOCAL_ACCOUNT_ID}/`);
  }
  Object.assign(process.env, {
    ...environment,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal.endpoint,
    // The console's page offers these as demo sign-ins (its token route is local only).
    CONSOLE_DEMO_REVIEWERS: JSON.stringify(DEMO_REVIEWERS),
  });
  // The handlers share this process's one logger; keep the console readable unless asked otherwise.
  logger.setLogLevel((process.env.LOCAL_LOG_LEVEL ?? 'WARN') as 'WARN');

  // 4. The handlers, imported from source on first use, called as Lambda calls them.
  const handlers = new Map<string, Promise<Handler>>();
  const invoke = async (arnOrLogicalId: string, event: unknown, kind: InvokeKind) => {
    const logicalId = arnOrLogicalId.split(':').at(-1) ?? arnOrLogicalId;
    const fn = model.functions.get(logicalId);
    if (!fn?.entry) throw new Error(`No local handler for function ${logicalId}`);
    let handler = handlers.get(logicalId);
    if (!handler) {
      handler = import(pathToFileURL(resolve(REPO_ROOT, fn.entry)).href).then(
        (m) => m[fn.handler ?? 'handler'],
      );
      handlers.set(logicalId, handler);
    }
    // Lambda passes events and results as JSON: so does this (the Step Functions engine already
    // does it for its tasks).
    const asJson = (value: unknown) => (kind === 'task' ? value : JSON.parse(JSON.stringify(value ?? null)));
    const input = asJson(event);
    const run = async () => (await handler)(input);
    const result = options.aroundInvoke
      ? await options.aroundInvoke({ functionLogicalId: logicalId, kind, event: input }, run)
      : await run();
    return result === undefined ? null : asJson(result);
  };

  // 5. SQS: the template's queues, journaled on disk. Step Functions: the synthesized definitions.
  // EventBridge: the template's rules, delivering to state machines and queues.
  const sqs = createLocalSqs({
    queues: model.queues,
    journalFile: resolve(dataDir, 'sqs', 'journal.jsonl'),
    timeScale,
  });
  const sfn = createLocalStepFunctions({
    invokeLambda: (arn, payload) => invoke(arn, payload, 'task'),
    sendSqsMessage: async (queue, body) => sqs.send(queue, body),
    timeScale,
    onExecutionEnd: (e) => {
      if (e.status !== 'SUCCEEDED') log(`execution ${e.name} ${e.status}${e.error ? `: ${e.error}` : ''}`);
    },
  });
  for (const sm of model.stateMachines) sfn.register(sm);
  const bus = createLocalEventBridge({
    rules: model.eventRules,
    deliver: (target, event) => {
      if (target.arn.includes(':states:'))
        sfn.startExecution({ stateMachineArn: target.arn, input: JSON.stringify(event) });
      else sqs.send(target.arn, JSON.stringify(event));
    },
    deadLetter: (queueArn, body) => sqs.send(queueArn, body),
    onPutEvents: options.onEvent,
  });
  // A queue no function reads is a dead-letter queue (a rule target's, a stream's OnFailure, a redrive's).
  const deadLetterQueues = model.queues.filter(
    (q) => !model.eventSourceMappings.some((m) => m.kind === 'sqs' && m.queueArn === q.arn),
  );

  const endpoints: Record<string, AwsJsonHandler> = {
    AWSStepFunctions: createSfnProtocolHandler(sfn),
    AWSEvents: createEventsProtocolHandler(bus),
    AmazonSQS: createSqsProtocolHandler(sqs),
    TrentService: createKmsProtocolHandler(
      Buffer.from(loadOrCreateSecret(dataDir, 'kms-key'), 'base64'),
      environment.SECRET_KEY_ID ?? 'no-key',
    ),
  };
  const serveAws = serveAwsJson(async (target, body) => {
    const endpoint = endpoints[target.split('.')[0] ?? ''];
    if (endpoint && (SUPPORTED.sdkOperations as readonly string[]).includes(target))
      return endpoint(target, body);
    return awsJsonError('UnknownOperationException', `The local stack does not offer ${target}`);
  });
  awsServer.on('request', (req, res) => void serveAws(req, res));

  // 6. The API: the template's routes, Cognito claims from local tokens.
  const tokens = createTokenService({ secret: loadOrCreateSecret(dataDir) });
  const gateway = createGateway({
    routes: model.apiRoutes,
    invoke: async (logicalId, event) => (await invoke(logicalId, event, 'api')) as never,
    tokens,
    localRoutes: {
      'POST /_local/token': (body) => ({ token: tokens.issue(parseJsonBody(body)) }),
      'GET /_local/dead-letters': () => ({
        items: deadLetterQueues
          .flatMap((q) => sqs.messages(q.arn).map((m) => ({ queueArn: q.arn, ...m })))
          .sort((a, b) => a.sentAt - b.sentAt),
      }),
    },
  });
  const server = createServer(gateway.handle);
  // Outlive pooled clients' idle sockets (Node's 5 s default raced them: ECONNRESET on a reused socket).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = await listen(server, options.port ?? Number(process.env.PORT ?? 3000));

  // 7. Demo data on first start, then finish what a crash interrupted.
  const tableName = table.tableName;
  await seedDemoData(dynamo, tableName, dataDir);
  await recoverInFlightWork({ dynamo, tableName, sfn, model, log });

  // 8. The template's event source mappings. PutEvents is durable once it answers on AWS; the local
  // bus is once its targets ran, so a stream batch is checkpointed after that.
  const sources =
    options.eventSources === false
      ? []
      : startEventSources(model, {
          dataDir,
          dynamoEndpoint: dynamoLocal.endpoint,
          sqs,
          invoke: (id, event) => invoke(id, event, 'event'),
          beforeCheckpoint: () => bus.idle(),
          log,
        });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(sources.map((s) => s.stop()));
    await sfn.shutdown();
    for (const s of [server, awsServer]) {
      await new Promise<void>((ok) => s.close(() => ok()));
      s.closeAllConnections();
    }
    dynamo.destroy();
    await dynamoLocal.stop();
  };
  return { url: `http://127.0.0.1:${port}`, dataDir, model, sfn, dynamo, stop };
}

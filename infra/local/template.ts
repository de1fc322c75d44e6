/**
 * Reads the synthesized CloudFormation stacks (with their cross-stack exports) into the model the local
 * stack runs: functions, tables, state machines, API routes, event rules, queues and event source
 * mappings, with intrinsics resolved to local names and ARNs. It reads what the templates use
 * (supported.ts) and throws on anything else it would have to run.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
export const lambdaArn = (name: string) => arn('lambda', `function:${name}`);
export const stateMachineArn = (name: string) => arn('states', `stateMachine:${name}`);
export const queueUrl = (name: string) => `http://127.0.0.1/${LOCAL_ACCOUNT_ID}/${name}`;

export interface LocalFunction {
  logicalId: string;
  /** From `Metadata['prior-auth:entry']`. */
  entry?: string;
  handler?: string;
  environment: Record<string, string>;
  /** Read by the system bench (its cost model). */
  memoryMb: number;
}
export interface LocalTable {
  tableName: string;
  definition: CreateTableCommandInput;
  ttlAttribute?: string;
}
export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}
export interface ApiRoute {
  method: string;
  /** Resource path template, e.g. `/referrals/{id}`. */
  path: string;
  authorizationType: string;
  functionLogicalId: string;
}
export interface RuleTarget {
  id: string;
  arn: string;
  deadLetterArn?: string;
}
export interface LocalEventRule {
  logicalId: string;
  name: string;
  eventBusName: string;
  eventPattern: Record<string, unknown>;
  targets: RuleTarget[];
}
export interface LocalQueue {
  logicalId: string;
  name: string;
  arn: string;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}
/** A Lambda event source mapping: a table's stream, or a queue. */
export type LocalEventSourceMapping = ReturnType<typeof toEventSourceMapping>;
export interface LocalModel {
  functions: Map<string, LocalFunction>;
  tables: LocalTable[];
  stateMachines: LocalStateMachine[];
  apiRoutes: ApiRoute[];
  eventRules: LocalEventRule[];
  queues: LocalQueue[];
  eventSourceMappings: LocalEventSourceMapping[];
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT_ID,
  'AWS::Partition': 'aws',
};
/** The name properties the templates set; everything else is named by its logical id. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::EventBus': 'Name',
};

/** Resolves the intrinsics of SUPPORTED.intrinsics, as seen from one stack. */
class Resolver {
  private readonly exports = new Map<string, { stack: number; value: unknown }>();

  constructor(readonly templates: CfnTemplate[]) {
    for (const [stack, t] of templates.entries())
      for (const o of Object.values(t.Outputs ?? {}))
        if (o.Export?.Name !== undefined)
          this.exports.set(this.string(o.Export.Name, stack), { stack, value: o.Value });
  }

  resolve(value: unknown, stack: number): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stack));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [fn, arg] = entries[0] ?? [];
    if (entries.length === 1 && fn !== undefined && (fn === 'Ref' || fn.startsWith('Fn::')))
      return this.intrinsic(fn, arg, stack);
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, stack)]));
  }

  string(value: unknown, stack: number): string {
    const out = this.resolve(value, stack);
    if (typeof out !== 'string' && typeof out !== 'number')
      throw new Error(`Expected a string, got ${JSON.stringify(out)} from ${JSON.stringify(value)}.`);
    return String(out);
  }

  private intrinsic(fn: string, arg: unknown, stack: number): unknown {
    // The synthesizer writes well-formed intrinsics: their argument lists are not checked.
    const args = arg as unknown[];
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg), stack);
      case 'Fn::GetAtt': {
        const [id, attr] = args;
        return this.getAtt(String(id), String(attr), stack);
      }
      case 'Fn::Join': {
        const [delimiter, items] = args;
        return (this.resolve(items, stack) as unknown[])
          .map((v) => this.string(v, stack))
          .join(String(delimiter));
      }
      case 'Fn::Sub':
        // The templates substitute Refs only, e.g. `${AWS::Region}` (no variable map, GetAtt or literal).
        if (typeof arg !== 'string') throw new Error('Fn::Sub with a variable map is not supported locally.');
        return arg.replace(/\$\{([^}]*)\}/g, (_, name: string) => this.ref(name, stack));
      case 'Fn::Select': {
        const [index, items] = args;
        return (this.resolve(items, stack) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [delimiter, source] = args;
        return this.string(source, stack).split(String(delimiter));
      }
      case 'Fn::ImportValue': {
        const name = this.string(arg, stack);
        const found = this.exports.get(name);
        if (!found) throw new Error(`Fn::ImportValue ${name}: no stack exports that name.`);
        return this.resolve(found.value, found.stack);
      }
      default:
        throw new Error(`The intrinsic ${fn} is not supported locally (supported.ts).`);
    }
  }

  private resource(logicalId: string, stack: number): CfnResource {
    const resource = this.templates[stack]?.Resources?.[logicalId];
    if (!resource) throw new Error(`${logicalId} is not a resource of stack ${stack}.`);
    return resource;
  }

  /** The local physical name: the type's name property, else the logical id. */
  name(logicalId: string, stack: number): string {
    const resource = this.resource(logicalId, stack);
    const property = NAME_PROPERTY[resource.Type];
    const value = property === undefined ? undefined : resource.Properties?.[property];
    return value === undefined ? logicalId : this.string(value, stack);
  }

  /** Names for tables, functions and buses; the ARN of a state machine; the URL of a queue. */
  ref(logicalId: string, stack: number): string {
    if (PSEUDO[logicalId] !== undefined) return PSEUDO[logicalId];
    const name = this.name(logicalId, stack);
    const type = this.resource(logicalId, stack).Type;
    if (type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(name);
    return type === 'AWS::SQS::Queue' ? queueUrl(name) : name;
  }

  getAtt(logicalId: string, attr: string, stack: number): string {
    const name = this.name(logicalId, stack);
    const tableArn = arn('dynamodb', `table/${name}`);
    const byType: Record<string, Record<string, string>> = {
      'AWS::Lambda::Function': { Arn: lambdaArn(name) },
      'AWS::StepFunctions::StateMachine': { Arn: stateMachineArn(name), Name: name },
      // The stream's ARN names the table; the mapping finds the real (DynamoDB Local) stream by it.
      'AWS::DynamoDB::Table': { Arn: tableArn, StreamArn: `${tableArn}/stream/local` },
      'AWS::Events::EventBus': { Arn: arn('events', `event-bus/${name}`), Name: name },
      'AWS::SQS::Queue': { Arn: arn('sqs', name), QueueName: name, QueueUrl: queueUrl(name) },
      'AWS::KMS::Key': { Arn: arn('kms', `key/${logicalId}`), KeyId: logicalId },
    };
    // Attributes the local stack does not run (roles, log groups, the API root) keep a readable placeholder.
    return byType[this.resource(logicalId, stack).Type]?.[attr] ?? `${logicalId}.${attr}`;
  }
}

/** Builds the local model from the app's stacks, as `app.synth().stacks` gives them. */
export function buildLocalModel(stacks: readonly { stackName: string; template: unknown }[]): LocalModel {
  const templates = stacks.map((s) => s.template as CfnTemplate);
  const r = new Resolver(templates);
  const model: LocalModel = {
    functions: new Map(),
    tables: [],
    stateMachines: [],
    apiRoutes: [],
    eventRules: [],
    queues: [],
    eventSourceMappings: [],
  };
  const all = templates.flatMap((t, stack) =>
    Object.entries(t.Resources ?? {}).map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
  for (const { stack, logicalId, resource } of all) {
    const p = resource.Properties ?? {};
    const resolve = (v: unknown) => r.resolve(v, stack);
    const name = () => r.name(logicalId, stack);
    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const variables =
          (resolve(p.Environment) as { Variables?: Record<string, unknown> })?.Variables ?? {};
        const { 'prior-auth:entry': entry, 'prior-auth:handler': handler } = resource.Metadata ?? {};
        model.functions.set(logicalId, {
          logicalId,
          entry: typeof entry === 'string' ? entry : undefined,
          handler: typeof handler === 'string' ? handler : undefined,
          environment: Object.fromEntries(
            Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
          ),
          memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
        });
        break;
      }
      case 'AWS::DynamoDB::Table':
        model.tables.push(toTable(name(), resolve(p) as CfnTable));
        break;
      case 'AWS::StepFunctions::StateMachine':
        model.stateMachines.push({
          logicalId,
          name: name(),
          arn: stateMachineArn(name()),
          definition: JSON.parse(r.string(p.DefinitionString, stack)) as Record<string, unknown>,
        });
        break;
      case 'AWS::ApiGateway::Method': {
        const uri = r.string((p.Integration as { Uri?: unknown } | undefined)?.Uri ?? '', stack);
        const functionLogicalId = /:function:([^/:]+)\/invocations$/.exec(uri)?.[1];
        const method = r.string(p.HttpMethod, stack);
        if (!functionLogicalId)
          throw new Error(`${method} ${logicalId}: only Lambda proxy integrations run locally.`);
        model.apiRoutes.push({
          method,
          path: apiPath(r, all, r.string(p.ResourceId, stack)),
          authorizationType: typeof p.AuthorizationType === 'string' ? p.AuthorizationType : 'NONE',
          functionLogicalId,
        });
        break;
      }
      case 'AWS::Events::Rule': {
        // Scheduled rules (the reconciliation) run once at start instead (recovery.ts).
        if (p.EventPattern === undefined) break;
        const targets = resolve(p.Targets) as {
          Id: string;
          Arn: string;
          DeadLetterConfig?: { Arn?: string };
        }[];
        model.eventRules.push({
          logicalId,
          name: name(),
          eventBusName: p.EventBusName === undefined ? 'default' : r.string(p.EventBusName, stack),
          eventPattern: resolve(p.EventPattern) as Record<string, unknown>,
          targets: targets.map((t) => ({ id: t.Id, arn: t.Arn, deadLetterArn: t.DeadLetterConfig?.Arn })),
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        const redrive = resolve(p.RedrivePolicy) as LocalQueue['redrive'] | undefined;
        model.queues.push({
          logicalId,
          name: name(),
          arn: arn('sqs', name()),
          visibilityTimeoutSeconds: typeof p.VisibilityTimeout === 'number' ? p.VisibilityTimeout : 30,
          retentionSeconds:
            typeof p.MessageRetentionPeriod === 'number' ? p.MessageRetentionPeriod : 4 * 24 * 3600,
          redrive,
        });
        break;
      }
      case 'AWS::Lambda::EventSourceMapping':
        model.eventSourceMappings.push(toEventSourceMapping(logicalId, resolve(p) as CfnMapping));
        break;
    }
  }
  model.apiRoutes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return model;
}

interface CfnTable {
  KeySchema: CreateTableCommandInput['KeySchema'];
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  StreamSpecification?: { StreamViewType?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY' };
  TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
}

/** CloudFormation table properties → `CreateTable` input (on demand). */
function toTable(tableName: string, p: CfnTable): LocalTable {
  const view = p.StreamSpecification?.StreamViewType;
  const definition: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(p.GlobalSecondaryIndexes?.length ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
    ...(view ? { StreamSpecification: { StreamEnabled: true, StreamViewType: view } } : {}),
  };
  const ttl = p.TimeToLiveSpecification;
  return ttl?.AttributeName && ttl.Enabled !== false
    ? { tableName, definition, ttlAttribute: ttl.AttributeName }
    : { tableName, definition };
}

/** Walks `AWS::ApiGateway::Resource` parents up to the API's root (`<api>.RootResourceId`). */
function apiPath(
  r: Resolver,
  all: { stack: number; logicalId: string; resource: CfnResource }[],
  id: string,
): string {
  const parts: string[] = [];
  for (let current = id; !current.endsWith('.RootResourceId'); ) {
    const found = all.find((x) => x.logicalId === current && x.resource.Type === 'AWS::ApiGateway::Resource');
    if (!found) throw new Error(`API resource ${current} is not in the templates.`);
    parts.unshift(r.string(found.resource.Properties?.PathPart, found.stack));
    current = r.string(found.resource.Properties?.ParentId, found.stack);
  }
  return `/${parts.join('/')}`;
}

interface CfnMapping {
  FunctionName: string;
  EventSourceArn: string;
  StartingPosition?: 'LATEST' | 'TRIM_HORIZON';
  BatchSize?: number;
  MaximumRetryAttempts?: number;
  FilterCriteria?: { Filters?: { Pattern: string }[] };
  DestinationConfig?: { OnFailure?: { Destination?: string } };
  FunctionResponseTypes?: string[];
  BisectBatchOnFunctionError?: boolean;
}

/** The event source mappings the local stack runs (SUPPORTED.eventSources): a table's stream, or a queue. */
function toEventSourceMapping(logicalId: string, p: CfnMapping) {
  const functionLogicalId = p.FunctionName;
  const stream = /^arn:aws:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\//.exec(p.EventSourceArn);
  if (stream?.[1]) {
    return {
      logicalId,
      kind: 'dynamodb-stream' as const,
      functionLogicalId,
      tableName: stream[1],
      startingPosition: p.StartingPosition ?? 'LATEST',
      batchSize: p.BatchSize ?? 100,
      // -1 is "until the record expires"; locally that is "a great many".
      maximumRetryAttempts:
        p.MaximumRetryAttempts === undefined || p.MaximumRetryAttempts < 0 ? 10_000 : p.MaximumRetryAttempts,
      filters: (p.FilterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as unknown),
      onFailureQueueArn: p.DestinationConfig?.OnFailure?.Destination,
      bisect: p.BisectBatchOnFunctionError === true,
    };
  }
  if (p.EventSourceArn.startsWith('arn:aws:sqs:') && !p.FilterCriteria)
    return {
      logicalId,
      kind: 'sqs' as const,
      functionLogicalId,
      queueArn: p.EventSourceArn,
      batchSize: p.BatchSize ?? 10,
      reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    };
  throw new Error(`${logicalId}: the event source ${p.EventSourceArn} is not run locally (supported.ts).`);
}

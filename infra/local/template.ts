/**
 * Reads synthesized CloudFormation templates (one or more stacks, with cross-stack exports) into
 * the model the local stack runs: functions, tables, state machines, API routes, event rules and
 * queues, with intrinsic functions resolved to local physical names and ARNs.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  StreamViewType,
} from '@aws-sdk/client-dynamodb';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

export const lambdaArn = (logicalId: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${logicalId}`;
export const stateMachineArn = (name: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${name}`;
export const tableArn = (tableName: string) =>
  `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${tableName}`;
export const eventBusArn = (name: string) =>
  `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${name}`;
export const queueArn = (name: string) => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`;
export const queueUrl = (name: string) => `http://127.0.0.1/${LOCAL_ACCOUNT_ID}/${name}`;
export const kmsKeyArn = (logicalId: string) =>
  `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:key/${logicalId}`;

// ---------- template shapes ----------

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
}
/** A template, or a stack as `app.synth().stacks[i]` gives it (`stackName` feeds `AWS::StackName`). */
export type StackInput = CfnTemplate | { stackName: string; template: unknown };

// ---------- the model ----------

export interface LocalFunction {
  logicalId: string;
  stackName: string;
  /** From `Metadata['prior-auth:entry']`; undefined for CDK's own helper functions. */
  entry?: string;
  handler?: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}
export interface LocalTable {
  logicalId: string;
  tableName: string;
  arn: string;
  definition: CreateTableCommandInput;
  ttlAttribute?: string;
}
export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  type: string;
  definition: Record<string, unknown>;
}
export interface ApiRoute {
  method: string;
  /** Resource path template, e.g. `/referrals/{id}`. */
  path: string;
  authorizationType: string;
  functionLogicalId: string;
  restApiLogicalId: string;
}
export type ArnKind = 'stateMachine' | 'lambda' | 'sqs' | 'sns' | 'eventBus' | 'other';
export interface RuleTarget {
  id: string;
  arn: string;
  arnKind: ArnKind;
  /** The target's logical id when it is a resource of these templates. */
  targetLogicalId?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  deadLetterQueueLogicalId?: string;
  retryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}
export interface LocalEventBus {
  logicalId: string;
  name: string;
  arn: string;
}
export interface LocalEventRule {
  logicalId: string;
  name: string;
  eventBusName: string;
  eventPattern: Record<string, unknown>;
  state: string;
  targets: RuleTarget[];
}
export interface LocalSchedule {
  logicalId: string;
  name: string;
  eventBusName: string;
  scheduleExpression: string;
  state: string;
  targets: RuleTarget[];
}
export interface LocalQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
}
export interface LocalModel {
  stackNames: string[];
  functions: Map<string, LocalFunction>;
  tables: LocalTable[];
  stateMachines: LocalStateMachine[];
  apiRoutes: ApiRoute[];
  eventBuses: LocalEventBus[];
  eventRules: LocalEventRule[];
  schedules: LocalSchedule[];
  queues: LocalQueue[];
  /** Things the local stack will not emulate (e.g. a non-Lambda API integration). */
  warnings: string[];
  resolver: TemplateResolver;
}

// ---------- intrinsic resolution ----------

interface Stack {
  name: string;
  template: CfnTemplate;
  resources: Record<string, CfnResource>;
}

export class TemplateResolver {
  private readonly stacks: Stack[];
  private exportsByName: Map<string, { stack: number; value: unknown }> | undefined;
  private readonly importing = new Set<string>();

  constructor(inputs: readonly StackInput[]) {
    this.stacks = inputs.map((input, i) => {
      const named = 'stackName' in input && 'template' in input;
      const template = (named ? input.template : input) as CfnTemplate;
      if (typeof template !== 'object' || template === null)
        throw new Error(`Stack ${i} has no template object.`);
      return {
        name: named ? input.stackName : `Stack${i}`,
        template,
        resources: template.Resources ?? {},
      };
    });
  }

  get stackNames(): string[] {
    return this.stacks.map((s) => s.name);
  }

  /** Every resource, with the index of its stack (the templates use no Conditions: see supported.ts). */
  *resources(): Generator<{ stack: number; stackName: string; logicalId: string; resource: CfnResource }> {
    for (const [stack, s] of this.stacks.entries()) {
      for (const [logicalId, resource] of Object.entries(s.resources)) {
        yield { stack, stackName: s.name, logicalId, resource };
      }
    }
  }

  /** Resolves every intrinsic in `value`, as seen from stack `stack`. */
  resolve(value: unknown, stack = 0): unknown {
    return this.resolveInner(value, stack);
  }

  /** Resolves to a string, or throws naming what it got. */
  resolveString(value: unknown, stack = 0): string {
    const out = this.resolve(value, stack);
    if (typeof out === 'string') return out;
    if (typeof out === 'number' || typeof out === 'boolean') return String(out);
    throw new Error(`Expected a string, got ${describe(out)} from ${describe(value)}.`);
  }

  private resolveInner(value: unknown, stack: number): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolveInner(v, stack));
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && isIntrinsicKey(first[0]))
      return this.intrinsic(first[0], first[1], stack);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = this.resolveInner(v, stack);
    return out;
  }

  private intrinsic(fn: string, arg: unknown, stack: number): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg), stack);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : splitOnce(String(arg), '.');
        return this.getAtt(String(id), this.resolveString(attr, stack), stack);
      }
      case 'Fn::Join': {
        const [delimiter, list] = tuple(fn, arg, 2);
        const items = this.resolveInner(list, stack);
        if (!Array.isArray(items)) throw new Error(`Fn::Join needs a list, got ${describe(items)}.`);
        return items.map((v) => this.resolveString(v, stack)).join(String(delimiter));
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? this.sub(String(arg[0]), this.resolveInner(arg[1] ?? {}, stack) as Record<string, unknown>, stack)
          : this.sub(String(arg), {}, stack);
      case 'Fn::Select': {
        const [index, list] = tuple(fn, arg, 2);
        const items = this.resolveInner(list, stack);
        const i = Number(this.resolveInner(index, stack));
        if (!Array.isArray(items) || !(i in items)) throw new Error(`Fn::Select index ${i} is out of range.`);
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = tuple(fn, arg, 2);
        return this.resolveString(source, stack).split(String(delimiter));
      }
      case 'Fn::ImportValue':
        return this.importValue(this.resolveString(arg, stack));
      default:
        throw new Error(`The intrinsic ${fn} is not supported locally.`);
    }
  }

  /** `Fn::Sub`: `${Name}` is a Ref or variable, `${Res.Attr}` a GetAtt, `${!Literal}` stays literal. */
  private sub(text: string, vars: Record<string, unknown>, stack: number): string {
    return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in vars) return this.resolveString(vars[name], stack);
      const [id, attr] = splitOnce(name, '.');
      return this.resolveString(
        attr === undefined ? this.ref(id, stack) : this.getAtt(id, attr, stack),
        stack,
      );
    });
  }

  /** What `Ref` gives locally: names for tables, functions and buses; ARNs for state machines; the URL for queues. */
  ref(logicalId: string, stack = 0): unknown {
    const pseudo = this.pseudo(logicalId, stack);
    if (pseudo !== undefined) return pseudo;
    const s = this.stacks[stack];
    const resource = s?.resources[logicalId];
    if (!resource) {
      const parameter = s?.template.Parameters?.[logicalId];
      if (parameter) return parameter.Default ?? logicalId;
      throw new Error(`Ref to ${logicalId}, which is not in stack ${s?.name ?? stack}.`);
    }
    const name = this.physicalName(logicalId, resource, stack);
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return stateMachineArn(name);
      case 'AWS::SQS::Queue':
        return queueUrl(name);
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attr: string, stack = 0): unknown {
    const s = this.stacks[stack];
    const resource = s?.resources[logicalId];
    if (!resource)
      throw new Error(`Fn::GetAtt of ${logicalId}.${attr}, which is not in stack ${s?.name ?? stack}.`);
    const name = this.physicalName(logicalId, resource, stack);
    const byType: Record<string, Record<string, string>> = {
      'AWS::Lambda::Function': { Arn: lambdaArn(name) },
      'AWS::StepFunctions::StateMachine': { Arn: stateMachineArn(name), Name: name },
      'AWS::DynamoDB::Table': { Arn: tableArn(name) },
      'AWS::Events::EventBus': { Arn: eventBusArn(name), Name: name },
      'AWS::Events::Rule': { Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${name}` },
      'AWS::SQS::Queue': { Arn: queueArn(name), QueueName: name, QueueUrl: queueUrl(name) },
      'AWS::KMS::Key': { Arn: kmsKeyArn(logicalId), KeyId: logicalId },
    };
    return byType[resource.Type]?.[attr] ?? `${logicalId}.${attr}`;
  }

  /** The local physical name: the name property the type uses, else the logical id. Functions always use the logical id. */
  physicalName(logicalId: string, resource: CfnResource, stack = 0): string {
    const property = NAME_PROPERTY[resource.Type];
    const value = property === undefined ? undefined : resource.Properties?.[property];
    const name = value === undefined ? logicalId : this.resolveString(value, stack);
    if (
      resource.Type === 'AWS::SQS::Queue' &&
      value === undefined &&
      resource.Properties?.FifoQueue === true
    ) {
      return `${name}.fifo`;
    }
    return name;
  }

  private pseudo(name: string, _stack: number): unknown {
    // Only the pseudo parameters the templates use (supported.test.ts walks them).
    const values: Record<string, string> = {
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT_ID,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return values[name];
  }

  private importValue(name: string): unknown {
    if (!this.exportsByName) {
      this.exportsByName = new Map();
      for (const [stack, s] of this.stacks.entries()) {
        for (const output of Object.values(s.template.Outputs ?? {})) {
          if (output.Export?.Name === undefined) continue;
          this.exportsByName.set(this.resolveString(output.Export.Name, stack), {
            stack,
            value: output.Value,
          });
        }
      }
    }
    const found = this.exportsByName.get(name);
    if (!found) throw new Error(`Fn::ImportValue ${name}: no stack exports that name.`);
    if (this.importing.has(name)) throw new Error(`Fn::ImportValue ${name} refers to itself.`);
    this.importing.add(name);
    try {
      return this.resolve(found.value, found.stack);
    } finally {
      this.importing.delete(name);
    }
  }
}

const NAME_PROPERTY: Record<string, string> = {
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SQS::Queue': 'QueueName',
};

function isIntrinsicKey(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function tuple(fn: string, arg: unknown, length: number): unknown[] {
  if (!Array.isArray(arg) || arg.length < length) throw new Error(`${fn} needs ${length} arguments.`);
  return arg;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

// ---------- building the model ----------

/** Builds the local model from one template, or from several stacks that import each other's exports. */
export function buildLocalModel(input: StackInput | readonly StackInput[]): LocalModel {
  const inputs: readonly StackInput[] = Array.isArray(input) ? input : [input as StackInput];
  const resolver = new TemplateResolver(inputs);
  const model: LocalModel = {
    stackNames: resolver.stackNames,
    functions: new Map(),
    tables: [],
    stateMachines: [],
    apiRoutes: [],
    eventBuses: [],
    eventRules: [],
    schedules: [],
    queues: [],
    warnings: [],
    resolver,
  };
  const seen = new Map<string, string>();
  // Local names come from logical ids, so the same id in two stacks would be ambiguous.
  const claim = (logicalId: string, stackName: string) => {
    const other = seen.get(logicalId);
    if (other !== undefined) {
      throw new Error(`The logical id ${logicalId} appears in stacks ${other} and ${stackName}; rename one.`);
    }
    seen.set(logicalId, stackName);
  };

  const all = [...resolver.resources()];
  const arnIndex = buildArnIndex(all, resolver);

  for (const { stack, stackName, logicalId, resource } of all) {
    const props = resource.Properties ?? {};
    const resolve = (v: unknown) => resolver.resolve(v, stack);
    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const fn = toFunction(logicalId, stackName, resource, resolve);
        const existing = model.functions.get(logicalId);
        // CDK's singleton helpers (log retention, custom resources) repeat across stacks: keep one.
        if (existing && existing.entry === undefined && fn.entry === undefined) break;
        claim(logicalId, stackName);
        model.functions.set(logicalId, fn);
        break;
      }
      case 'AWS::DynamoDB::Table': {
        claim(logicalId, stackName);
        const tableName = resolver.physicalName(logicalId, resource, stack);
        model.tables.push({
          logicalId,
          tableName,
          arn: tableArn(tableName),
          ...toTableDefinition(tableName, resolve(props)),
        });
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        claim(logicalId, stackName);
        const name = resolver.physicalName(logicalId, resource, stack);
        model.stateMachines.push({
          logicalId,
          name,
          arn: stateMachineArn(name),
          type: typeof props.StateMachineType === 'string' ? props.StateMachineType : 'STANDARD',
          definition: toStateMachineDefinition(logicalId, props, resolve),
        });
        break;
      }
      case 'AWS::ApiGateway::Method': {
        const route = toApiRoute(logicalId, stack, props, resolver, arnIndex, model.warnings);
        if (route) model.apiRoutes.push(route);
        break;
      }
      case 'AWS::Events::EventBus': {
        claim(logicalId, stackName);
        const name = resolver.physicalName(logicalId, resource, stack);
        model.eventBuses.push({ logicalId, name, arn: eventBusArn(name) });
        break;
      }
      case 'AWS::Events::Rule': {
        claim(logicalId, stackName);
        const base = {
          logicalId,
          name: resolver.physicalName(logicalId, resource, stack),
          eventBusName: busName(resolve(props.EventBusName)),
          state: typeof props.State === 'string' ? props.State : 'ENABLED',
          targets: toTargets(resolve(props.Targets), arnIndex),
        };
        if (props.ScheduleExpression !== undefined) {
          model.schedules.push({
            ...base,
            scheduleExpression: resolver.resolveString(props.ScheduleExpression, stack),
          });
        }
        if (props.EventPattern !== undefined) {
          const pattern = resolve(props.EventPattern);
          model.eventRules.push({
            ...base,
            eventPattern: (typeof pattern === 'string' ? JSON.parse(pattern) : pattern) as Record<
              string,
              unknown
            >,
          });
        }
        break;
      }
      case 'AWS::SQS::Queue': {
        claim(logicalId, stackName);
        const name = resolver.physicalName(logicalId, resource, stack);
        model.queues.push({ logicalId, name, url: queueUrl(name), arn: queueArn(name) });
        break;
      }
    }
  }
  model.apiRoutes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return model;
}

function toFunction(
  logicalId: string,
  stackName: string,
  resource: CfnResource,
  resolve: (v: unknown) => unknown,
): LocalFunction {
  const props = resource.Properties ?? {};
  const variables = resolve((props.Environment as { Variables?: unknown } | undefined)?.Variables) ?? {};
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(variables as Record<string, unknown>)) {
    environment[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const entry = resource.Metadata?.['prior-auth:entry'];
  const handler = resource.Metadata?.['prior-auth:handler'];
  return {
    logicalId,
    stackName,
    ...(typeof entry === 'string' ? { entry } : {}),
    ...(typeof handler === 'string' ? { handler } : {}),
    environment,
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
  };
}

interface CfnIndex {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection?: Projection;
}

/** CloudFormation table properties → `CreateTable` input (on-demand; throughput settings dropped). */
function toTableDefinition(
  tableName: string,
  resolvedProps: unknown,
): { definition: CreateTableCommandInput; ttlAttribute?: string } {
  const p = resolvedProps as {
    KeySchema: KeySchemaElement[];
    AttributeDefinitions: AttributeDefinition[];
    GlobalSecondaryIndexes?: CfnIndex[];
    LocalSecondaryIndexes?: CfnIndex[];
    StreamSpecification?: { StreamViewType?: StreamViewType };
    TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
  };
  const index = (i: CfnIndex) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection ?? { ProjectionType: 'ALL' },
  });
  const definition: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
  };
  if (p.GlobalSecondaryIndexes?.length) {
    definition.GlobalSecondaryIndexes = p.GlobalSecondaryIndexes.map(index) as GlobalSecondaryIndex[];
  }
  if (p.LocalSecondaryIndexes?.length) {
    definition.LocalSecondaryIndexes = p.LocalSecondaryIndexes.map(index) as LocalSecondaryIndex[];
  }
  if (p.StreamSpecification?.StreamViewType) {
    definition.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: p.StreamSpecification.StreamViewType,
    };
  }
  const ttl = p.TimeToLiveSpecification;
  // GlobalTable's TTL has no Enabled flag: the attribute name alone turns it on.
  const ttlOn = ttl?.AttributeName !== undefined && ttl.Enabled !== false;
  return ttlOn ? { definition, ttlAttribute: ttl.AttributeName } : { definition };
}

function toStateMachineDefinition(
  logicalId: string,
  props: Record<string, unknown>,
  resolve: (v: unknown) => unknown,
): Record<string, unknown> {
  let text: string;
  if (props.DefinitionString !== undefined) {
    const resolved = resolve(props.DefinitionString);
    if (typeof resolved !== 'string')
      throw new Error(`${logicalId}: DefinitionString did not resolve to a string.`);
    text = resolved;
  } else if (props.Definition !== undefined) {
    text = JSON.stringify(resolve(props.Definition));
  } else {
    throw new Error(`${logicalId}: only DefinitionString or Definition can be run locally.`);
  }
  const substitutions = (resolve(props.DefinitionSubstitutions) ?? {}) as Record<string, unknown>;
  text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
    key in substitutions ? String(substitutions[key]) : whole,
  );
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `${logicalId}: the state machine definition is not valid JSON (${(err as Error).message}).`,
    );
  }
}

function toApiRoute(
  logicalId: string,
  stack: number,
  props: Record<string, unknown>,
  resolver: TemplateResolver,
  arnIndex: Map<string, string>,
  warnings: string[],
): ApiRoute | undefined {
  const method = resolver.resolveString(props.HttpMethod, stack).toUpperCase();
  const integration = (resolver.resolve(props.Integration, stack) ?? {}) as { Type?: string; Uri?: unknown };
  if (integration.Type === 'MOCK' && method === 'OPTIONS') return undefined; // CORS preflight
  const path = apiPath(resolver.resolveString(props.ResourceId, stack), resolver);
  const functionArn =
    typeof integration.Uri === 'string'
      ? /\/functions\/(arn:[^/]+)\/invocations/.exec(integration.Uri)?.[1]
      : undefined;
  const functionLogicalId =
    functionArn === undefined ? undefined : arnIndex.get(baseFunctionArn(functionArn));
  if (functionLogicalId === undefined) {
    warnings.push(
      `${method} ${path} (${logicalId}) does not integrate with a Lambda function of these stacks; skipped.`,
    );
    return undefined;
  }
  return {
    method,
    path,
    authorizationType: typeof props.AuthorizationType === 'string' ? props.AuthorizationType : 'NONE',
    functionLogicalId,
    restApiLogicalId: resolver.resolveString(props.RestApiId, stack),
  };
}

/** Walks `AWS::ApiGateway::Resource` parents up to the API's root (`<api>.RootResourceId`). */
function apiPath(resourceId: string, resolver: TemplateResolver): string {
  const parts: string[] = [];
  let current = resourceId;
  for (let depth = 0; depth < 100; depth++) {
    if (current.endsWith('.RootResourceId')) return `/${parts.reverse().join('/')}`;
    const found = findResource(resolver, current, 'AWS::ApiGateway::Resource');
    if (!found) throw new Error(`API resource ${current} is not in the templates.`);
    const props = found.resource.Properties ?? {};
    parts.push(resolver.resolveString(props.PathPart, found.stack));
    current = resolver.resolveString(props.ParentId, found.stack);
  }
  throw new Error(`API resource ${resourceId} nests too deeply.`);
}

function findResource(resolver: TemplateResolver, logicalId: string, type: string) {
  for (const r of resolver.resources()) {
    if (r.logicalId === logicalId && r.resource.Type === type) return r;
  }
  return undefined;
}

/** ARN and URL of every resource a rule or an API can point at → its logical id. */
function buildArnIndex(
  all: { stack: number; logicalId: string; resource: CfnResource }[],
  resolver: TemplateResolver,
): Map<string, string> {
  const index = new Map<string, string>();
  for (const { stack, logicalId, resource } of all) {
    for (const attr of ['Arn', 'QueueUrl']) {
      const value = resolver.getAtt(logicalId, attr, stack);
      if (typeof value === 'string' && value.startsWith('arn:')) index.set(value, logicalId);
      if (typeof value === 'string' && value.startsWith('http')) index.set(value, logicalId);
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine')
      index.set(String(resolver.ref(logicalId, stack)), logicalId);
  }
  return index;
}

/** `…:function:Name:alias` → `…:function:Name`. */
function baseFunctionArn(arn: string): string {
  return /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+)/.exec(arn)?.[1] ?? arn;
}

function arnKind(arn: string): ArnKind {
  const service = arn.split(':')[2];
  switch (service) {
    case 'states':
      return 'stateMachine';
    case 'lambda':
      return 'lambda';
    case 'sqs':
      return 'sqs';
    case 'sns':
      return 'sns';
    case 'events':
      return 'eventBus';
    default:
      return 'other';
  }
}

function busName(value: unknown): string {
  if (value === undefined || value === null) return 'default';
  const text = String(value);
  return text.startsWith('arn:') ? (text.split('event-bus/')[1] ?? text) : text;
}

interface CfnTarget {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: RuleTarget['inputTransformer'];
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: RuleTarget['retryPolicy'];
}

function toTargets(resolved: unknown, arnIndex: Map<string, string>): RuleTarget[] {
  return ((resolved ?? []) as CfnTarget[]).map((t) => {
    const arn = t.Arn.startsWith('arn:aws:lambda:') ? baseFunctionArn(t.Arn) : t.Arn;
    const target: RuleTarget = { id: t.Id, arn: t.Arn, arnKind: arnKind(t.Arn) };
    const targetLogicalId = arnIndex.get(arn);
    if (targetLogicalId !== undefined) target.targetLogicalId = targetLogicalId;
    if (t.Input !== undefined) target.input = t.Input;
    if (t.InputPath !== undefined) target.inputPath = t.InputPath;
    if (t.InputTransformer !== undefined) target.inputTransformer = t.InputTransformer;
    const dlq = t.DeadLetterConfig?.Arn === undefined ? undefined : arnIndex.get(t.DeadLetterConfig.Arn);
    if (dlq !== undefined) target.deadLetterQueueLogicalId = dlq;
    if (t.RetryPolicy !== undefined) target.retryPolicy = t.RetryPolicy;
    return target;
  });
}

/**
 * Helpers for the CDK assertion tests: synthesize the app once per test file (without esbuild and
 * without cdk-nag, which has its own test) and read the templates as plain JSON.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, buildApp } from '../../infra/build-app.js';

export type Json = Record<string, unknown>;

export interface CfnResource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
}

export interface Synthesized {
  built: BuiltApp;
  data: Template;
  service: Template;
  dataResources: Record<string, CfnResource>;
  serviceResources: Record<string, CfnResource>;
}

export function synthesize(): Synthesized {
  const built = buildApp({ bundling: false, nag: false });
  const data = Template.fromStack(built.data);
  const service = Template.fromStack(built.service);
  return {
    built,
    data,
    service,
    dataResources: data.toJSON().Resources as Record<string, CfnResource>,
    serviceResources: service.toJSON().Resources as Record<string, CfnResource>,
  };
}

/** A resource property that must be there (fails the test otherwise). */
export function prop<T>(resource: CfnResource | undefined, name: string): T {
  const value = resource?.Properties?.[name];
  if (value === undefined) throw new Error(`missing property ${name} on ${JSON.stringify(resource)}`);
  return value as T;
}

export function ofType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** `{ "Fn::GetAtt": [id, attr] }` or `{ "Ref": id }` → id. */
export function refId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Json;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Each IAM statement of the stack with the logical ids of the roles it is attached to. */
export function statementsByRole(
  resources: Record<string, CfnResource>,
): { roles: string[]; policy: string; statement: PolicyStatement }[] {
  const out: { roles: string[]; policy: string; statement: PolicyStatement }[] = [];
  for (const [policyId, policy] of ofType(resources, 'AWS::IAM::Policy')) {
    const roles = asArray(policy.Properties?.Roles).map((r) => refId(r) ?? JSON.stringify(r));
    const doc = policy.Properties?.PolicyDocument as { Statement: PolicyStatement[] };
    for (const statement of doc.Statement) out.push({ roles, policy: policyId, statement });
  }
  return out;
}

/** Lambda functions of the project (with the `prior-auth:entry` metadata), by entry path. */
export function projectFunctions(
  resources: Record<string, CfnResource>,
): Map<string, { logicalId: string; resource: CfnResource; roleId: string }> {
  const out = new Map<string, { logicalId: string; resource: CfnResource; roleId: string }>();
  for (const [logicalId, resource] of ofType(resources, 'AWS::Lambda::Function')) {
    const entry = resource.Metadata?.['prior-auth:entry'];
    if (typeof entry !== 'string') continue;
    const roleId = refId(resource.Properties?.Role);
    if (!roleId) throw new Error(`${logicalId} has no role reference`);
    out.set(entry, { logicalId, resource, roleId });
  }
  return out;
}

/** The role of `functions/<name>/index.ts`. */
export function roleOf(resources: Record<string, CfnResource>, name: string): string {
  const fn = projectFunctions(resources).get(`functions/${name}/index.ts`);
  if (!fn) throw new Error(`no function for ${name}`);
  return fn.roleId;
}

/** The state machine whose logical id starts with `prefix`. */
export function stateMachineId(resources: Record<string, CfnResource>, prefix: string): string {
  const ids = ofType(resources, 'AWS::StepFunctions::StateMachine')
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  if (ids.length !== 1 || !ids[0]) throw new Error(`expected one state machine ${prefix}*, got ${ids}`);
  return ids[0];
}

/**
 * The state machine's `DefinitionString` (an `Fn::Join`) as ASL JSON, with placeholder ARNs for
 * the references: functions become `arn:aws:lambda:…:function:<logicalId>`.
 */
export function definitionOf(resource: CfnResource): Json {
  const def = resource.Properties?.DefinitionString;
  if (typeof def === 'string') return JSON.parse(def) as Json;
  const join = (def as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1].map(placeholder).join(join[0]);
  return JSON.parse(text) as Json;
}

function placeholder(part: unknown): string {
  if (typeof part === 'string') return part;
  const p = part as Json;
  if (p.Ref === 'AWS::Partition') return 'aws';
  if (p.Ref === 'AWS::Region') return 'us-east-1';
  if (p.Ref === 'AWS::AccountId') return '123456789012';
  if (p.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  const getAtt = p['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
    return `arn:aws:lambda:us-east-1:123456789012:function:${getAtt[0]}`;
  }
  if (p['Fn::ImportValue'] !== undefined) return 'https://sqs.us-east-1.amazonaws.com/123456789012/imported';
  throw new Error(`no placeholder for ${JSON.stringify(part)}`);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, REPO_ROOT } from '../../infra/constructs/handler-function.js';
import {
  type CfnResource,
  ofType,
  projectFunctions,
  prop,
  refId,
  type Synthesized,
  synthesize,
} from './support.js';

let s: Synthesized;
let functions: ReturnType<typeof projectFunctions>;
beforeAll(() => {
  s = synthesize();
  functions = projectFunctions(s.serviceResources);
});

const envOf = (fn: CfnResource) => prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;

describe('Lambda functions', () => {
  it('are exactly the handlers under functions/, each with an entry file on disk', () => {
    expect([...functions.keys()].sort()).toEqual(FUNCTION_NAMES.map((n) => `functions/${n}/index.ts`).sort());
    for (const [entry, fn] of functions) {
      expect(existsSync(join(REPO_ROOT, entry)), entry).toBe(true);
      expect(fn.resource.Metadata?.['prior-auth:handler'], entry).toBe('handler');
    }
  });

  it('every Lambda function in the app is a project handler (no CDK helper functions)', () => {
    expect(ofType(s.serviceResources, 'AWS::Lambda::Function')).toHaveLength(FUNCTION_NAMES.length);
    expect(ofType(s.dataResources, 'AWS::Lambda::Function')).toHaveLength(0);
  });

  it('run Node.js 22 on arm64 with active tracing, 512 MB', () => {
    for (const [entry, { resource }] of functions) {
      expect(resource.Properties?.Runtime, entry).toBe('nodejs22.x');
      expect(resource.Properties?.Architectures, entry).toEqual(['arm64']);
      expect(resource.Properties?.TracingConfig, entry).toEqual({ Mode: 'Active' });
      expect(resource.Properties?.MemorySize, entry).toBe(512);
      expect(resource.Properties?.Handler, entry).toBe('index.handler');
    }
  });

  it('time out after 10 s (API) or 30 s (workflow tasks and notification consumers)', () => {
    for (const [entry, { resource }] of functions) {
      // api-fhir's $submit waits up to 10 s for the determination (SPEC 8), so it gets 15.
      const background = entry.startsWith('functions/wf-') || entry.startsWith('functions/notify-');
      const timeout = background ? 30 : entry === 'functions/api-fhir/index.ts' ? 15 : 10;
      expect(resource.Properties?.Timeout, entry).toBe(timeout);
    }
  });

  it('log to their own KMS-encrypted log group kept for a year', () => {
    for (const [entry, { resource }] of functions) {
      const logGroupId = refId(prop<{ LogGroup: unknown }>(resource, 'LoggingConfig').LogGroup);
      const logGroup = s.serviceResources[logGroupId ?? ''];
      expect(logGroup?.Type, entry).toBe('AWS::Logs::LogGroup');
      expect(logGroup?.Properties?.RetentionInDays, entry).toBe(365);
      expect(JSON.stringify(logGroup?.Properties?.KmsKeyId), entry).toMatch(/ImportValue.*DataKey.*Arn/);
    }
  });

  it('share the default environment', () => {
    for (const [entry, { resource }] of functions) {
      expect(envOf(resource), entry).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'prior-auth',
        POWERTOOLS_METRICS_NAMESPACE: 'PriorAuth',
        LOG_LEVEL: 'INFO',
        TABLE_NAME: 'prior-auth',
      });
    }
  });

  it('get the workflow ARN and bus name only where they use them', () => {
    const withVar = (name: string) =>
      [...functions]
        .filter(([, f]) => envOf(f.resource)[name] !== undefined)
        .map(([entry]) => entry.split('/')[1])
        .sort();
    expect(withVar('AUTH_WORKFLOW_ARN')).toEqual(['api-fhir', 'api-referrals', 'reconcile']);
    expect(withVar('PAS_SUBMIT_WAIT_MS')).toEqual(['api-fhir']);
    expect(withVar('EVENT_BUS_NAME')).toEqual([
      'api-visits',
      'notify-publish',
      'reconcile',
      'wf-escalate-review',
      'wf-request-information',
    ]);
    expect(withVar('APPEAL_WORKFLOW_ARN')).toEqual(['api-referrals']);
    const auth = ofType(s.serviceResources, 'AWS::StepFunctions::StateMachine').find(([id]) =>
      id.startsWith('AuthorizationWorkflow'),
    );
    const referrals = functions.get('functions/api-referrals/index.ts');
    expect(envOf(referrals?.resource as CfnResource).AUTH_WORKFLOW_ARN).toEqual({ Ref: auth?.[0] });
  });
});

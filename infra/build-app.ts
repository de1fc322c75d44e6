import { App } from 'aws-cdk-lib';
import { applyNagPacks } from './nag.js';
import { DataStack } from './stacks/data-stack.js';
import { ServiceStack } from './stacks/service-stack.js';

export interface BuildAppOptions {
  /** `false` skips esbuild (tests and the local runner do not need the bundles). @default true */
  readonly bundling?: boolean;
  /** `false` leaves out the cdk-nag packs. @default true */
  readonly nag?: boolean;
  /** Extra context values; they override the defaults set here. */
  readonly context?: Record<string, unknown>;
  /** Where synthesis writes the cloud assembly (default: a new temp directory each time). */
  readonly outdir?: string;
}

export interface BuiltApp {
  readonly app: App;
  readonly data: DataStack;
  readonly service: ServiceStack;
}

/**
 * The feature flags (of those `cdk init` would set) that change a resource of this app. Set here
 * rather than in cdk.json so the tests and the local runner synthesize exactly what `cdk synth` does.
 */
const FEATURE_FLAGS = {
  // Cross-stack references stay CloudFormation exports: the data stack cannot lose an output
  // the service stack still uses.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  // A change to the authorizer or a validator redeploys the stage.
  '@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId': true,
  '@aws-cdk/aws-apigateway:requestValidatorUniqueId': true,
  '@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard': true,
  // CDK's built-in template checks fail the synthesis instead of warning.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};

/**
 * The whole system as a CDK app, for `cdk synth` (infra/app.ts), the tests and the local runner,
 * which all synthesize it in-process. Both stacks are environment-agnostic: synthesis needs no
 * credentials and looks nothing up.
 */
export function buildApp(opts: BuildAppOptions = {}): BuiltApp {
  const context: Record<string, unknown> = {
    ...FEATURE_FLAGS,
    ...opts.context,
  };
  if (opts.bundling === false) {
    // NodejsFunction bundles only the stacks listed here: none.
    context['aws:cdk:bundling-stacks'] = [];
  }
  const app = new App({ context, ...(opts.outdir ? { outdir: opts.outdir } : {}) });

  const data = new DataStack(app, 'PriorAuthData');
  const service = new ServiceStack(app, 'PriorAuthService', {
    key: data.key,
    eventBus: data.eventBus,
    visitEventsDeadLetterQueue: data.visitEventsDeadLetterQueue,
    userPool: data.users.userPool,
    tableStreamArn: data.table.tableStreamArn as string,
  });

  if (opts.nag !== false) {
    applyNagPacks(app, { data, service });
  }
  return { app, data, service };
}

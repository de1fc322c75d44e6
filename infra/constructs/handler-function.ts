import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleConsoleApp } from '../../shared/console/bundle.js';

/** The repository root: `functions/<name>/index.ts` entries and the lock file live here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** CloudFormation metadata keys the local runner reads to map a function to its handler file. */
export const ENTRY_METADATA_KEY = 'prior-auth:entry';
export const HANDLER_METADATA_KEY = 'prior-auth:handler';

/** Every Lambda handler of the system, by its folder under `functions/`. */
export const FUNCTION_NAMES = [
  'api-health',
  'api-console',
  'api-admin',
  'api-codes',
  'api-eligibility',
  'api-referrals',
  'api-visits',
  'api-reviews',
  'api-fhir',
  'api-cds',
  'api-notifications',
  'wf-evaluate',
  'wf-open-review',
  'wf-escalate-review',
  'wf-record-determination',
  'wf-rereview',
  'wf-record-continuation',
  'wf-record-failure',
  'wf-request-information',
  'wf-information-lapsed',
  'wf-record-appeal',
  'api-reports',
  'reconcile',
  'notify-publish',
  'notify-deliver',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** `functions/<name>/index.ts`, relative to the repository root (POSIX separators, as in the metadata). */
export function entryPath(name: FunctionName): string {
  return `functions/${name}/index.ts`;
}

/** Lambda timeouts: API handlers answer within API Gateway's budget; workflow tasks may do more work. */
export const API_TIMEOUT = Duration.seconds(10);
export const WORKFLOW_TASK_TIMEOUT = Duration.seconds(30);

/**
 * esbuild emits ESM; a few dependencies still call `require` for Node built-ins, which ESM lacks,
 * so the bundle defines it up front.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The SDK's default credential chain, and what the bundles use instead (environment credentials only). */
export const SDK_CREDENTIALS = '@aws-sdk/credential-provider-node';
export const LAMBDA_CREDENTIALS_MODULE = 'shared/aws/lambda-credentials.ts';

/**
 * How every function is bundled (exported so the bench can re-bundle a function the same way and
 * report what its bytes are made of).
 */
export const LAMBDA_BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  // Error class names are what the state machines' Retry/Catch match on (shared/errors.ts spells them out too).
  keepNames: true,
  sourceMap: true,
  // The map keeps file:line mappings for stack traces (NODE_OPTIONS=--enable-source-maps) but not a
  // copy of every source file: Node parses the whole map at import, and the copies were two thirds
  // of its 2 MB — about 11 ms of every cold import (docs/performance.md).
  sourcesContent: false,
  // Bundle the pinned AWS SDK too, so what the tests ran is what Lambda runs.
  externalModules: [],
  // Lambda's credentials are in the environment: the SDK's default chain shrinks to that one
  // source (shared/aws/lambda-credentials.ts). Relative to the project root, where esbuild runs.
  esbuildArgs: { '--alias': `${SDK_CREDENTIALS}=./${LAMBDA_CREDENTIALS_MODULE}` },
} satisfies nodejs.BundlingOptions;

export interface HandlerFunctionProps {
  /** The handler's folder under `functions/`. */
  readonly name: FunctionName;
  /** The system's table; its name is in every handler's environment. Access is granted by the caller. */
  readonly table: dynamodb.ITable;
  /** Encrypts the function's log group. */
  readonly logKey: kms.IKey;
  /** @default 10 s (API handlers) */
  readonly timeout?: Duration;
  /** Added to the defaults. */
  readonly environment?: Record<string, string>;
  readonly description?: string;
  /**
   * The function serves the reviewer console: its bundle carries the console's script, built from
   * shared/console/app at synth (see shared/console/script.ts). @default false
   */
  readonly servesConsole?: boolean;
}

/**
 * The console's script as a module esbuild injects into the function's bundle, with the flag that
 * drops the build-it-now branch. Written under the cloud assembly at a fixed path (so the bundle,
 * its source map and hence the asset hash are the same on every synth) and removed once bundled.
 */
function consoleScriptModule(scope: Construct) {
  const dir = join(Stage.of(scope)?.outdir ?? REPO_ROOT, 'console-app');
  const file = join(dir, 'script.js');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `export const CONSOLE_APP_SCRIPT = ${JSON.stringify(bundleConsoleApp())};\n`);
  return {
    bundling: { define: { CONSOLE_APP_BUNDLED: 'true' }, inject: [file] },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The one place that sets the defaults of every Lambda function: Node.js 22 on arm64, bundled
 * by esbuild as minified ESM with source maps, X-Ray active tracing, a KMS-encrypted log group
 * kept for a year, and the Powertools environment.
 *
 * The role has no AWS-managed policy: the function may write to its own log group only, and
 * each permission beyond that is granted explicitly by the stack (this construct is `IGrantable`).
 */
export class HandlerFunction extends Construct implements iam.IGrantable {
  public readonly handlerName: FunctionName;
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const entry = join(REPO_ROOT, entryPath(props.name));
    if (!existsSync(entry)) {
      throw new Error(`${entryPath(props.name)} is missing: every function needs a handler entry file`);
    }
    this.handlerName = props.name;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    // Bundling runs inside the NodejsFunction constructor, and only for stacks that are bundled.
    const consoleScript =
      props.servesConsole && Stack.of(this).bundlingRequired ? consoleScriptModule(this) : undefined;
    try {
      // `Resource` keeps the function's logical id short: the construct id plus a hash.
      this.function = new nodejs.NodejsFunction(this, 'Resource', {
        entry,
        handler: 'handler',
        description: props.description,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 512,
        timeout: props.timeout ?? API_TIMEOUT,
        tracing: lambda.Tracing.ACTIVE,
        logGroup: this.logGroup,
        role: this.role,
        depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
        projectRoot: REPO_ROOT,
        bundling: { ...LAMBDA_BUNDLING, ...consoleScript?.bundling },
        environment: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'prior-auth',
          POWERTOOLS_METRICS_NAMESPACE: 'PriorAuth',
          LOG_LEVEL: 'INFO',
          TABLE_NAME: props.table.tableName,
          ...props.environment,
        },
      });
    } finally {
      consoleScript?.remove();
    }

    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata(ENTRY_METADATA_KEY, entryPath(props.name));
    cfn.addMetadata(HANDLER_METADATA_KEY, 'handler');
  }

  public addEnvironment(key: string, value: string): void {
    this.function.addEnvironment(key, value);
  }
}

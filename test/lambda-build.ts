/**
 * esbuild options equal to what HandlerFunction gives NodejsFunction (LAMBDA_BUNDLING), for tests and
 * the bench that bundle a function themselves to look inside it.
 */
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { LAMBDA_BUNDLING, REPO_ROOT } from '../infra/constructs/handler-function.js';

export function lambdaBuildOptions(entry: string): BuildOptions {
  const b = LAMBDA_BUNDLING;
  const [from, to] = b.esbuildArgs['--alias'].split('=', 2) as [string, string];
  return {
    entryPoints: [join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: b.target,
    mainFields: b.mainFields,
    banner: { js: b.banner },
    minify: b.minify,
    keepNames: b.keepNames,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    external: b.externalModules,
    alias: { [from]: to },
  };
}

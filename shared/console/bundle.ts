/**
 * Bundles the console's browser code (app/, TypeScript) into the one inline module script the page
 * carries and its CSP pins by hash. Build-time only: the api-console Lambda gets the result at
 * synth (infra/constructs/handler-function.ts); the local stack and the tests build it on first use.
 */
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export const CONSOLE_APP_ENTRY = fileURLToPath(new URL('./app/main.ts', import.meta.url));
const APP_TSCONFIG = fileURLToPath(new URL('./app/tsconfig.json', import.meta.url));

export function bundleConsoleApp(): string {
  const result = buildSync({
    entryPoints: [CONSOLE_APP_ENTRY],
    tsconfig: APP_TSCONFIG,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no console script');
  return file.text;
}

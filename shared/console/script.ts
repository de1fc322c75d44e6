/**
 * The console's script, built from app/. In the api-console Lambda bundle it is a constant the
 * bundler injected at synth (see infra/constructs/handler-function.ts), and esbuild drops the
 * other branch; run from source (local stack, tests) it is bundled here on first use.
 */
declare const CONSOLE_APP_BUNDLED: boolean | undefined;
declare const CONSOLE_APP_SCRIPT: string;

export const consoleScript: () => Promise<string> =
  typeof CONSOLE_APP_BUNDLED !== 'undefined' && CONSOLE_APP_BUNDLED
    ? async () => CONSOLE_APP_SCRIPT
    : async () => (await import('./bundle.js')).bundleConsoleApp();

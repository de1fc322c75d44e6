/**
 * `npx cdk synth --quiet` as a user runs it: the real CLI, esbuild bundling of every function,
 * cdk-nag on, and no AWS credentials. Slow (about a minute), hence its own file.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, REPO_ROOT } from '../../infra/constructs/handler-function.js';
import { bundleConsoleApp } from '../../shared/console/bundle.js';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'prior-auth-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The environment without any AWS credentials or profile. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-credentials'),
    AWS_CONFIG_FILE: join(outdir, 'no-config'),
  };
}

describe('cdk synth', () => {
  it(
    'synthesizes both stacks offline with no credentials, bundling every function',
    {
      timeout: 240_000,
    },
    async () => {
      await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
        cwd: REPO_ROOT,
        env: withoutCredentials(),
        timeout: 230_000,
        maxBuffer: 64 * 1024 * 1024,
      });

      const files = readdirSync(outdir);
      expect(files).toEqual(
        expect.arrayContaining(['PriorAuthData.template.json', 'PriorAuthService.template.json']),
      );
      const bundles = files.filter((f) => f.startsWith('asset.'));
      expect(bundles).toHaveLength(FUNCTION_NAMES.length);
      for (const bundle of bundles) {
        expect(readdirSync(join(outdir, bundle)).sort(), bundle).toEqual(['index.mjs', 'index.mjs.map']);
      }

      // Environment-agnostic: no account or region was looked up and baked in.
      const service = readFileSync(join(outdir, 'PriorAuthService.template.json'), 'utf8');
      expect(service).not.toMatch(/\b\d{12}\b/);

      // The console's Lambda, from its own bundle, serves the script built from shared/console/app,
      // pinned by its CSP, without esbuild on board; nothing of the build is left in the assembly.
      const resources = Object.values(JSON.parse(service).Resources) as {
        Metadata?: Record<string, string>;
      }[];
      const consoleAsset = resources.find(
        (r) => r.Metadata?.['prior-auth:entry'] === 'functions/api-console/index.ts',
      )?.Metadata?.['aws:asset:path'];
      expect(consoleAsset).toBeDefined();
      const bundlePath = join(outdir, consoleAsset ?? '', 'index.mjs');
      expect(readFileSync(bundlePath, 'utf8')).not.toContain('buildSync');
      const { handler } = await import(pathToFileURL(bundlePath).href);
      const res = await handler({ httpMethod: 'GET', resource: '/console', path: '/console', headers: {} });
      expect(res.statusCode).toBe(200);
      const script = bundleConsoleApp();
      expect(res.body).toContain(`<script type="module">${script}</script>`);
      expect(res.headers['content-security-policy']).toContain(
        `script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`,
      );
      expect(files).not.toContain('console-app');
    },
  );
});

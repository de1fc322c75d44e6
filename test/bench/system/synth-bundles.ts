/**
 * Run by bundles.ts in a child process (so esbuild's progress lines stay out of the bench's output):
 * synthesizes the CDK app with bundling on into the directory given as the first argument and prints,
 * as JSON on stdout, where each function's bundle is and the environment the template gives it.
 */
import { join } from 'node:path';
import { buildApp } from '../../../infra/build-app.js';
import { buildLocalModel } from '../../../infra/local/template.js';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth-bundles.ts <outdir>');
process.env.CDK_OUTDIR = outdir;
const t0 = performance.now();
const { app } = buildApp({ bundling: true, nag: false, context: { 'aws:cdk:enable-asset-metadata': true } });
const assembly = app.synth({ force: true });
const synthMs = performance.now() - t0;
const model = buildLocalModel(assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })));

const functions = [];
for (const stack of assembly.stacks) {
  const resources = (stack.template.Resources ?? {}) as Record<
    string,
    { Type: string; Metadata?: Record<string, string> }
  >;
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const entry = resource.Metadata?.['prior-auth:entry'];
    if (!assetPath || !entry) continue;
    const local = model.functions.get(logicalId);
    functions.push({
      logicalId,
      entry,
      dir: join(assembly.directory, assetPath),
      memoryMb: local?.memoryMb ?? 512,
      environment: local?.environment ?? {},
    });
  }
}
process.stdout.write(`${JSON.stringify({ synthMs, functions })}\n`);

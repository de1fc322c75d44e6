// Every test file synthesizes into its own folder and removes it afterwards: nothing is left in the
// system temp folder (CDK's default is a new cdk.out* there per synthesis). CDK_OUTDIR is CDK's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'test-cdk-out-'));
process.env.CDK_OUTDIR = outdir;
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../infra/constructs/api.js';
import { answer as answerAs } from '../../shared/answer.js';
import { buildOpenApiDocument, OPERATIONS, openApiDocument } from '../../shared/openapi.js';
import { answer, HealthResponseSchema } from '../../shared/responses.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(doc: unknown, name = 'openapi.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  where: string;
  message: string;
}

/** Spectral with the repository's .spectral.yaml (spectral:oas); severities 0 error, 1 warning. */
async function spectral(file: string): Promise<Finding[]> {
  const args = [
    'lint',
    file,
    '--ruleset',
    join(ROOT, '.spectral.yaml'),
    '-f',
    'json',
    '--fail-severity',
    'hint',
  ];
  const out = await run(bin('spectral'), args, { cwd: ROOT }).catch((err) => err as { stdout: string });
  const json = out.stdout.slice(0, out.stdout.lastIndexOf(']') + 1);
  const severity = ['error', 'warning', 'info', 'hint'] as const;
  return (JSON.parse(json) as { code: string; severity: number; path: string[]; message: string }[]).map(
    (r) => ({
      rule: r.code,
      severity: severity[r.severity] ?? 'error',
      where: r.path.join('.'),
      message: r.message,
    }),
  );
}

/** Redocly `lint` with the repository's redocly.yaml (recommended). */
async function redocly(file: string): Promise<Finding[]> {
  const args = ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'];
  const out = await run(bin('redocly'), args, {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((err) => err as { stdout: string });
  const report = JSON.parse(out.stdout) as {
    problems: {
      ruleId: string;
      severity: 'error' | 'warn';
      message: string;
      location: { pointer: string }[];
    }[];
  };
  return report.problems.map((p) => ({
    rule: p.ruleId,
    severity: p.severity === 'warn' ? 'warning' : p.severity,
    where: p.location[0]?.pointer ?? '',
    message: p.message,
  }));
}

const jsonRoutes = API_ROUTES.filter((r) => !r.path.startsWith('/fhir'));
const doc = openApiDocument();

describe('the OpenAPI document (SPEC 14)', () => {
  it('describes every deployed route outside /fhir, and no route that is not deployed', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const deployed = jsonRoutes.map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(deployed.sort());
    expect(Object.keys(OPERATIONS).sort()).toEqual(deployed.sort());
  });

  it('gives each operation a unique operationId, a tag, a summary and its path parameters', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops) as Record<string, any>[]) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        expect(op.tags).toHaveLength(1);
        expect(op.summary).toBeTruthy();
        const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect(declared).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      }
    }
  });

  it('describes each success answer with a schema, never a bare object', () => {
    const referral = (doc.paths['/referrals/{id}'] as any).get.responses['200'].content['application/json']
      .schema;
    expect(referral).toEqual({ $ref: '#/components/schemas/ReferralView' });
    const view = doc.components.schemas.ReferralView as any;
    expect(view.required).toEqual(
      expect.arrayContaining(['referralId', 'status', 'criteria', 'authorization', 'history']),
    );
    expect(view.additionalProperties).toBe(false);
  });

  it('has no unused components: each schema is referenced by some operation', () => {
    const text = JSON.stringify(doc.paths);
    for (const name of Object.keys(doc.components.schemas)) {
      expect(text, name).toContain(`"#/components/schemas/${name}"`);
    }
  });

  it('secures every route but the public ones with the bearer scheme', () => {
    for (const route of jsonRoutes) {
      const op = (doc.paths as any)[route.path][route.method.toLowerCase()];
      expect(op.security, `${route.method} ${route.path}`).toEqual(route.public ? [] : [{ cognito: [] }]);
    }
  });

  it('passes Spectral (spectral:oas) with no error and no warning', { timeout: 60_000 }, async () => {
    expect(await spectral(write(doc))).toEqual([]);
  });

  it('passes Redocly lint (recommended) with no error and no warning', { timeout: 60_000 }, async () => {
    expect(await redocly(write(doc))).toEqual([]);
  });

  it(
    'the linters do find what is wrong: an operation without operationId or description',
    { timeout: 60_000 },
    async () => {
      const broken = structuredClone(buildOpenApiDocument()) as any;
      delete broken.paths['/health'].get.operationId;
      delete broken.paths['/health'].get.description;
      const file = write(broken, 'broken.json');
      expect((await spectral(file)).map((f) => f.rule)).toEqual(
        expect.arrayContaining(['operation-operationId', 'operation-description']),
      );
      expect((await redocly(file)).map((f) => f.rule)).toContain('operation-operationId');
    },
  );

  it('types handlers\u2019 answers against the response schemas', () => {
    expect(answer(HealthResponseSchema, { status: 'ok' as const })).toEqual({ status: 'ok' });
    // @ts-expect-error: a wrong answer does not compile
    answer(HealthResponseSchema, { status: 'up' as const });
    // The handlers' form names the schema by type only, so their bundles need not build it.
    expect(answerAs<typeof HealthResponseSchema>()({ status: 'ok' as const })).toEqual({ status: 'ok' });
    // @ts-expect-error: a wrong answer does not compile
    answerAs<typeof HealthResponseSchema>()({ status: 'up' as const });
  });
});

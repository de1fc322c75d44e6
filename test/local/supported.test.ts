import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { SUPPORTED } from '../../infra/local/supported.js';
import { buildLocalModel, type LocalModel } from '../../infra/local/template.js';

type Json = Record<string, unknown>;

// The real app, synthesized as `npm start` does; the assembly goes to a folder this test removes.
let outdir: string;
let templates: { stackName: string; template: Json }[];
let model: LocalModel;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'supported-'));
  const { app } = buildApp({ bundling: false, nag: false, outdir });
  templates = app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template as Json }));
  model = buildLocalModel(templates);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function intrinsicsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) intrinsicsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' || k.startsWith('Fn::')) found.add(k);
      intrinsicsIn(v, found);
    }
  }
  return found;
}

const outside = (used: Iterable<string>, list: readonly string[]) =>
  [...used].filter((u) => !list.includes(u));

describe('the local stack supports exactly what the synthesized templates use', () => {
  it('uses only the intrinsics the resolver implements, and no Conditions or Mappings', () => {
    const used = new Set<string>();
    for (const { template } of templates) {
      intrinsicsIn(template.Resources, used);
      intrinsicsIn(template.Outputs, used);
      expect(template.Conditions).toBeUndefined();
      expect(template.Mappings).toBeUndefined();
      for (const r of Object.values(template.Resources as Record<string, Json>))
        expect(r.Condition).toBeUndefined();
    }
    expect(outside(used, SUPPORTED.intrinsics)).toEqual([]);
  });

  it('has only resource types the local stack emulates or knowingly ignores', () => {
    const types = templates.flatMap(({ template }) =>
      Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type),
    );
    expect(
      outside(new Set(types), [...SUPPORTED.emulatedResourceTypes, ...SUPPORTED.ignoredResourceTypes]),
    ).toEqual([]);
  });

  it('runs state machines made of supported state types and Task resources', () => {
    const states: Json[] = [];
    for (const sm of model.stateMachines)
      states.push(...Object.values(sm.definition.States as Record<string, Json>));
    expect(states.length).toBeGreaterThan(0);
    expect(outside(new Set(states.map((s) => String(s.Type))), SUPPORTED.stateTypes)).toEqual([]);
    const resources = states
      .filter((s) => s.Type === 'Task')
      .map((s) => String(s.Resource))
      .map((r) => (/^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+$/.test(r) ? 'lambda-function-arn' : r));
    expect(outside(new Set(resources), SUPPORTED.taskResources)).toEqual([]);
  });

  it('matches event patterns made only of exact-value lists', () => {
    const operators = new Set<string>();
    const walk = (pattern: unknown) => {
      for (const value of Object.values(pattern as Json)) {
        if (Array.isArray(value)) {
          for (const v of value) operators.add(typeof v === 'string' ? 'exact' : JSON.stringify(v));
        } else walk(value);
      }
    };
    expect(model.eventRules.length).toBeGreaterThan(0);
    for (const rule of model.eventRules) walk(rule.eventPattern);
    expect(outside(operators, SUPPORTED.eventPatternOperators)).toEqual([]);
  });

  it('answers every Step Functions and EventBridge operation the product code calls', () => {
    const sources = ['shared', 'functions'].flatMap((dir) =>
      (readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(join(dir, f), 'utf8')),
    );
    const used = new Set<string>();
    for (const text of sources) {
      for (const m of text.matchAll(/import \{([^}]*)\} from '@aws-sdk\/client-(sfn|eventbridge)'/g)) {
        const prefix = m[2] === 'sfn' ? 'AWSStepFunctions' : 'AWSEvents';
        for (const name of (m[1] ?? '').split(','))
          if (name.trim().endsWith('Command')) used.add(`${prefix}.${name.trim().replace(/Command$/, '')}`);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    expect(outside(used, SUPPORTED.sdkOperations)).toEqual([]);
  });
});

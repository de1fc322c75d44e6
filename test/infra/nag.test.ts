import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';

/** Every acknowledgement in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, unknown>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag (AwsSolutions, HIPAA.Security)', () => {
  it('synthesizes with both packs and leaves no finding unacknowledged', { timeout: 90_000 }, () => {
    const { app } = buildApp({ bundling: false });
    // In-process, a finding makes synth throw with the report as its message.
    expect(() => app.synth()).not.toThrow();

    const findings = [new AwsSolutionsChecks(), new HIPAASecurityChecks()].flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a written reason', { timeout: 60_000 }, () => {
    const { app } = buildApp({ bundling: false });
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(
        /^(annotation::)?(AwsSolutions|HIPAA\.Security)-[A-Za-z0-9]+(\[.+\])?$/i,
      );
      expect(typeof ack.reason, `${ack.id} at ${ack.path}`).toBe('string');
      expect((ack.reason as string).trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });

  it('fails the synthesis on an unacknowledged finding', { timeout: 60_000 }, () => {
    const { app, service } = buildApp({ bundling: false });
    new sqs.Queue(Stack.of(service), 'UnsafeQueue'); // no DLQ, no TLS-only policy
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

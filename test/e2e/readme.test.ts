import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, inDays, startApi } from './helpers.js';

const run = promisify(execFile);
let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

/** A README shell block, exactly as written between its `<!-- name:start -->` and `<!-- name:end -->` markers. */
function block(name: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(`<!-- ${name}:start -->`)[1]?.split(`<!-- ${name}:end -->`)[0] ?? '';
  const code = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error(`README has no ${name} block`);
  return code;
}
const journey = () => block('journey');

describe('README', () => {
  it('its curl journey works as written against the local stack', { timeout: 60_000 }, async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', journey()], {
      env: { ...process.env, BASE: api.url },
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toContain('"inPublishedRange":true');
    expect(lines[1]).toContain('"eligible":true');
    expect(stdout).toMatch(/^APPROVED CRITERIA_A_MET visits 6$/m);
    expect(stdout).toContain('"method":"PER_CODE"');
    expect(stdout).toMatch(/^ACTIVE used 1 re-review CONTINUE$/m);
    expect(stdout).toContain('"outcome":"APPROVE"');
    expect(stdout).toMatch(/^APPROVED decided by \{"id":"rev-md-1","credential":"MD"\}$/m);
    expect(stdout).toMatch(/^The request is approved\.$/m);
    // 5. Asking for what is missing.
    expect(stdout).toContain('"outcome":"REQUEST_INFORMATION"');
    expect(stdout).toMatch(/^PENDING_INFORMATION asks for CLINICAL_NOTES$/m);
    expect(stdout).toContain('"changed":["clinical.expectedImprovement"]');
    expect(stdout).toMatch(/^APPROVED by system CRITERIA_A_MET$/m);
    // 6. An appeal, refused to the reviewer who denied, overturned by another.
    expect(stdout).toContain('"subject":"DETERMINATION","status":"OPEN"');
    expect(stdout).toMatch(/^APPEAL_REVIEWER_CONFLICT$/m);
    expect(stdout).toContain('"outcome":"OVERTURN"');
    expect(stdout).toMatch(/^APPROVED APPEAL_OVERTURNED authorization ACTIVE$/m);
    expect(stdout).toMatch(/^Your appeal is granted: a licensed clinical reviewer \(PT\)/m);
    // 7. The report counts the four standard decisions this journey made.
    expect(stdout).toMatch(/^standard: 4 decided, 75% approved, 25% after appeal$/m);
    expect(stdout).toMatch(/^measure,percentApproved,Percent approved,75,$/m);
  });

  it(
    'its PAS example posts a Bundle with curl and reads an A1 ClaimResponse',
    { timeout: 60_000 },
    async () => {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', block('pas')], {
        env: { ...process.env, BASE: api.url },
      });
      const start = inDays(7);
      expect(stdout.trim().split('\n')).toEqual([
        'CapabilityStatement 4.0.1',
        `complete A1 CRITERIA_A_MET 6 visits ${start} to ${inDays(67)}`,
        'ClaimResponse complete',
        'APPROVED CRITERIA_A_MET',
      ]);
    },
  );
  it('its CRD example reads a card from the CDS Hooks service as written', { timeout: 60_000 }, async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', block('crd')], {
      env: { ...process.env, BASE: api.url },
    });
    expect(stdout.trim().split('\n')).toEqual([
      'massage-therapy-crd order-select',
      'massage-therapy-crd order-sign',
      'massage-therapy-crd appointment-book',
      'warning: Prior authorization required for 97124; complete the massage-therapy questionnaire',
    ]);
  });
});

/** The README's webhook section, exactly as written between its markers. */
function webhookSection(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('<!-- webhook:start -->')[1]?.split('<!-- webhook:end -->')[0] ?? '';
  const code = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no webhook block');
  return code;
}

describe('README webhook section', () => {
  it(
    'registers a webhook, and the listener it starts receives and verifies the signed decision',
    { timeout: 60_000 },
    async () => {
      const hookPort = await new Promise<number>((ok) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const { port } = s.address() as { port: number };
          s.close(() => ok(port));
        });
      });
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', webhookSection()], {
        env: { ...process.env, BASE: api.url, HOOK_PORT: String(hookPort) },
      });
      const referralId = JSON.parse(stdout.split('\n')[0] ?? '{}').referralId as string;
      expect(referralId).toMatch(/^ref-/);
      const decided = stdout.split('\n').find((l) => l.includes('"referral.decided"'));
      expect(decided).toMatch(/^verified \{/);
      expect(JSON.parse(decided?.slice('verified '.length) ?? '{}')).toMatchObject({
        referralId,
        status: 'APPROVED',
      });
      expect(stdout).not.toContain('REJECTED');
      expect(stdout).toMatch(/^referral\.decided DELIVERED after 1 attempt\(s\)$/m);
    },
  );
});

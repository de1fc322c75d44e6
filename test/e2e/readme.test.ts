import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, startApi } from './helpers.js';

const run = promisify(execFile);
let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

/** The README's curl journey, exactly as written between its journey markers. */
function journey(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('<!-- journey:start -->')[1]?.split('<!-- journey:end -->')[0] ?? '';
  const code = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no journey block');
  return code;
}

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
});

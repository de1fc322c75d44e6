import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../infra/local/demo-data.js';
import { eventually, inDays, referral, visit } from './helpers.js';
import { localRunner } from './runner.js';

const runner = localRunner('prior-auth-crash-');
const { dataDir } = runner;
const call = runner.call;
const token = (user: keyof typeof DEMO_USERS) => runner.token(DEMO_USERS[user]);

afterAll(() => runner.dispose());

describe('crash safety', () => {
  it(
    'after kill -9 and a restart, every accepted referral and visit reaches its outcome exactly once',
    {
      timeout: 240_000,
    },
    async () => {
      await runner.start();
      const portal = await token('portal');
      const reviewer = await token('reviewerMd');

      // An approved referral with a visit about to be re-reviewed, a referral waiting for a reviewer,
      // and a referral just accepted: all in flight at the moment of the crash.
      const approved = (await call('POST', '/referrals', portal, referral({ startDate: inDays(-20) }))).body
        .referralId;
      await eventually(
        async () => (await call('GET', `/referrals/${approved}`, portal)).body.status === 'APPROVED',
      );
      const pended = (
        await call('POST', '/referrals', portal, referral({}, { expectedImprovement: { withinWeeks: 13 } }))
      ).body.referralId;
      await eventually(
        async () => (await call('GET', `/referrals/${pended}`, portal)).body.status === 'PENDING_REVIEW',
      );
      const v = visit(inDays(-19));
      expect((await call('POST', `/referrals/${approved}/visits`, portal, v)).status).toBe(202);
      const justAccepted = (await call('POST', '/referrals', portal, referral())).body.referralId;

      const dynamoPid = Number(readFileSync(join(dataDir, 'dynamodb', 'dynamodb.pid'), 'utf8'));
      await runner.kill('SIGKILL');

      await runner.start();
      // The old DynamoDB Local was replaced, not left running beside the new one.
      expect(() => process.kill(dynamoPid, 0)).toThrow();

      const done = await eventually(async () => {
        const res = await call('GET', `/referrals/${justAccepted}`, portal);
        return res.body.status === 'APPROVED' ? res.body : undefined;
      }, 30_000);
      expect(done.history.filter((h: { event: string }) => h.event === 'DETERMINED')).toHaveLength(1);

      const withVisit = await eventually(async () => {
        const res = await call('GET', `/referrals/${approved}`, portal);
        return res.body.visits[0]?.reReview ? res.body : undefined;
      }, 30_000);
      expect(withVisit.visits).toHaveLength(1);
      expect(withVisit.authorization.visitsUsed).toBe(1);
      expect(
        withVisit.history.filter((h: { event: string }) => h.event.startsWith('RE_REVIEW_')),
      ).toHaveLength(1);

      // The review waiting before the crash can still be decided: the restarted workflow re-armed it.
      const item = await eventually(async () => {
        const q = await call('GET', '/reviews?status=open', reviewer);
        return q.body.items.find((i: { referralId: string }) => i.referralId === pended);
      });
      const decided = await call('POST', `/reviews/${item.reviewId}/decision`, reviewer, {
        outcome: 'APPROVE',
      });
      expect(decided.status).toBe(200);
      const final = await eventually(async () => {
        const res = await call('GET', `/referrals/${pended}`, portal);
        return res.body.status === 'APPROVED' ? res.body : undefined;
      }, 20_000);
      expect(final.history.filter((h: { event: string }) => h.event === 'REVIEWER_APPROVE')).toHaveLength(1);
      expect(final.history.filter((h: { event: string }) => h.event === 'REVIEW_OPENED')).toHaveLength(1);

      // Ctrl-C leaves no Java process behind.
      const pid = Number(readFileSync(join(dataDir, 'dynamodb', 'dynamodb.pid'), 'utf8'));
      await runner.kill('SIGINT');
      await eventually(
        async () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        10_000,
        'DynamoDB Local to stop',
      );
    },
  );
});

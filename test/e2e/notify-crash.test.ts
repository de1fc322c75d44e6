import { afterAll, describe, expect, it } from 'vitest';
import { eventually, referral } from './helpers.js';
import { startReceiver } from './receiver.js';
import { freePort, localRunner } from './runner.js';

const runner = localRunner('prior-auth-notify-crash-');
const call = runner.call;

afterAll(() => runner.dispose());

describe('notifications survive a crash', () => {
  it(
    'a change made just before kill -9 is still delivered, with its id, once the stack is back',
    { timeout: 240_000 },
    async () => {
      await runner.start();
      const portal = await runner.token({ role: 'portal', sub: 'crash-user', portalId: 'P-CRASH' });
      // The receiver is not up yet: nothing can be delivered before the crash.
      const receiverPort = await freePort();
      const hook = `http://127.0.0.1:${receiverPort}/hook`;
      expect(
        (await call('PUT', '/portals/P-CRASH/webhook', portal, { url: hook, events: ['referral.decided'] }))
          .status,
      ).toBe(200);

      const submitted = await call('POST', '/referrals', portal, referral());
      expect(submitted.status).toBe(202);
      const referralId = submitted.body.referralId as string;
      await runner.kill('SIGKILL');

      const receiver = await startReceiver(() => 200, receiverPort);
      try {
        await runner.start();
        // Delivered after the restart (at the latest when the first failed attempt's 30 s backoff ends).
        const delivery = await eventually(
          async () => receiver.received.find((r) => JSON.parse(r.body).referralId === referralId),
          120_000,
          'the delivery after the restart',
        );
        const event = JSON.parse(delivery.body);
        expect(event).toMatchObject({ type: 'referral.decided', referralId, status: 'APPROVED' });
        const view = await call('GET', `/referrals/${referralId}`, portal);
        expect(view.body.status).toBe('APPROVED');
        // At least once, and one event: every delivery of this decision carries the same id.
        await new Promise((ok) => setTimeout(ok, 2000));
        const ids = new Set(receiver.received.map((r) => JSON.parse(r.body).id));
        expect([...ids]).toEqual([event.id]);
      } finally {
        await receiver.stop();
      }
    },
  );
});

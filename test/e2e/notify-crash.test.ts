import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, referral } from './helpers.js';
import { startReceiver } from './receiver.js';

const dataDir = mkdtempSync(join(tmpdir(), 'prior-auth-notify-crash-'));
let child: ChildProcess | undefined;
let base = '';

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** `npm start`'s entry point as its own process, so kill -9 is a real crash. */
async function startRunner(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: { ...process.env, PORT: String(port), LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  await eventually(
    async () => out.includes('local stack ready'),
    90_000,
    `the runner's banner (${out.slice(-300)})`,
  );
  return proc;
}

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise((ok) => child?.once('exit', ok));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('notifications survive a crash', () => {
  it(
    'a change made just before kill -9 is still delivered, with its id, once the stack is back',
    { timeout: 240_000 },
    async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      child = await startRunner(port);
      const portal = (
        await call('POST', '/_local/token', undefined, {
          role: 'portal',
          sub: 'crash-user',
          portalId: 'P-CRASH',
        })
      ).body.token as string;
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
      child.kill('SIGKILL');
      await new Promise((ok) => child?.once('exit', ok));

      const receiver = await startReceiver(() => 200, receiverPort);
      try {
        child = await startRunner(port);
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

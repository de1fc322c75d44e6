/**
 * Delivery latency (issue 12): how long a portal waits, after it submits a referral, for the signed
 * `referral.decided` webhook to reach its receiver — the whole notification path on the stack under
 * test: the table's stream (the outbox) → notify-publish → the bus → the notification queue →
 * notify-deliver's fan-out → the queue again → the POST.
 *
 * A receiver on 127.0.0.1 is registered as the webhook of a portal of its own (so the main phases'
 * referrals, under portal P-100, deliver nothing and are not slowed by this), then `n` referrals that
 * the rules approve are submitted, `concurrency` at a time. Two figures per referral:
 *   POST → receiver            from sending POST /referrals to the webhook's arrival;
 *   determination → receiver   from the event's `occurredAt` (the determination's recorded time) to arrival.
 * Every delivery's X-Signature is verified; a second delivery of an event id counts as a duplicate.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEMO_USERS } from '../../../infra/local/demo-data.js';
import { verifySignature } from '../../../shared/notify/signing.js';
import { createClient, createMembers, planReferrals, pool, token } from './load.js';
import { ms, type Percentiles, percentiles, round, table } from './stats.js';

export interface DeliveryOptions {
  baseUrl: string;
  n: number;
  concurrency: number;
  timeoutMs: number;
  runId: string;
  log: (line: string) => void;
}

export interface DeliveryReport {
  n: number;
  concurrency: number;
  delivered: number;
  duplicates: number;
  badSignatures: number;
  /** Referrals whose webhook did not arrive within the timeout. */
  lost: number;
  fromPost: Percentiles;
  fromDetermination: Percentiles;
  /** Where the time went, from the deliveries ledger (GET /portals/{id}/deliveries). */
  stages: {
    /** determination → ledger entry opened: the stream, notify-publish, the bus, the queue, the fan-out. */
    toFanOut: Percentiles;
    /** ledger entry opened → the attempt began: the per-endpoint message through the queue again. */
    toAttempt: Percentiles;
    /** the attempt began → arrival: secret, signature, the POST. */
    toArrival: Percentiles;
  };
}

const PORTAL = { role: 'portal', sub: 'bench-delivery', portalId: 'P-BENCH-DELIVERY' } as const;

export async function measureDelivery(o: DeliveryOptions): Promise<DeliveryReport> {
  const client = createClient(o.baseUrl, o.concurrency);
  client.phase = 'delivery';
  const arrivals = new Map<string, { at: number; wallMs: number; occurredAt: string }>();
  const seen = new Set<string>();
  let duplicates = 0;
  let badSignatures = 0;
  let secret = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const wallMs = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(204).end();
      const ok = verifySignature(secret, String(req.headers['x-signature']), body, Math.floor(wallMs / 1000));
      if (!ok.ok) badSignatures += 1;
      const event = JSON.parse(body) as { id: string; referralId: string; occurredAt: string };
      if (seen.has(event.id)) duplicates += 1;
      else {
        seen.add(event.id);
        arrivals.set(event.referralId, { at, wallMs, occurredAt: event.occurredAt });
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const admin = await token(client, DEMO_USERS.admin);
    const portal = await token(client, PORTAL);
    const registered = await client.call(
      'PUT',
      `/portals/${PORTAL.portalId}/webhook`,
      { url, events: ['referral.decided'] },
      portal,
    );
    if (registered.status !== 200) {
      throw new Error(`webhook registration: ${registered.status} ${JSON.stringify(registered.body)}`);
    }
    secret = (registered.body as { secret: string }).secret;
    const planned = planReferrals(`${o.runId}d`, o.n, { approve: 1, pend: 0, deny: 0 });
    await createMembers(client, { portal, admin, reviewer: '' }, planned, o.concurrency);

    const sent = new Map<string, number>();
    let refused = 0;
    await pool(planned.length, o.concurrency, async (i) => {
      const p = planned[i]!;
      const at = performance.now();
      const res = await client.callIdempotent('POST', '/referrals', p.body, portal, {
        'idempotency-key': p.idempotencyKey ?? `bench-delivery-${o.runId}-${i}`,
      });
      const referralId = (res.body as { referralId?: string }).referralId;
      if (res.status !== 202 || !referralId) refused += 1;
      else sent.set(referralId, at);
    });
    if (refused) o.log(`  delivery: ${refused} referrals refused`);

    const until = performance.now() + o.timeoutMs;
    while ([...sent.keys()].some((id) => !arrivals.has(id)) && performance.now() < until) {
      await new Promise((ok) => setTimeout(ok, 20));
    }
    const ledger = await client.call('GET', `/portals/${PORTAL.portalId}/deliveries`, undefined, portal);
    const entries = new Map(
      (
        (ledger.body as { items?: { referralId: string; createdAt: string; attempts: { at: string }[] }[] })
          .items ?? []
      ).map((d) => [d.referralId, d]),
    );
    const toFanOut: number[] = [];
    const toAttempt: number[] = [];
    const toArrival: number[] = [];
    const fromPost: number[] = [];
    const fromDetermination: number[] = [];
    for (const [id, at] of sent) {
      const a = arrivals.get(id);
      if (!a) continue;
      fromPost.push(a.at - at);
      fromDetermination.push(a.wallMs - Date.parse(a.occurredAt));
      const d = entries.get(id);
      const attemptAt = d?.attempts[0]?.at;
      if (!d || !attemptAt) continue;
      toFanOut.push(Date.parse(d.createdAt) - Date.parse(a.occurredAt));
      toAttempt.push(Date.parse(attemptAt) - Date.parse(d.createdAt));
      toArrival.push(a.wallMs - Date.parse(attemptAt));
    }
    return {
      n: o.n,
      concurrency: o.concurrency,
      delivered: fromPost.length,
      duplicates,
      badSignatures,
      lost: o.n - fromPost.length,
      fromPost: percentiles(fromPost),
      fromDetermination: percentiles(fromDetermination),
      stages: {
        toFanOut: percentiles(toFanOut),
        toAttempt: percentiles(toAttempt),
        toArrival: percentiles(toArrival),
      },
    };
  } finally {
    client.close();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

/** The report's table. */
export function deliveryTable(d: DeliveryReport): string {
  return table(
    [
      ['delivery latency (webhook referral.decided)', 'n', 'p50', 'p95', 'p99', 'max'],
      ...(
        [
          ['POST /referrals → receiver', d.fromPost],
          ['determination recorded → receiver', d.fromDetermination],
          ['  of which: determination → fan-out (stream, publish, bus, queue)', d.stages.toFanOut],
          ['  of which: fan-out → attempt (queue)', d.stages.toAttempt],
          ['  of which: attempt → receiver (sign, POST)', d.stages.toArrival],
        ] as const
      ).map(([label, p]) => [label, String(p.count), ms(p.p50), ms(p.p95), ms(p.p99), ms(p.max)]),
      [
        'delivered / lost / duplicates / bad signatures',
        `${d.delivered} / ${d.lost} / ${d.duplicates} / ${d.badSignatures}`,
        '',
        '',
        '',
        '',
      ],
    ],
    `Notifications: ${d.n} auto-approved referrals of their own portal, ${d.concurrency} at a time, to a receiver on 127.0.0.1`,
  );
}

/** The report's JSON. */
export function deliveryJson(d: DeliveryReport) {
  const p = (x: Percentiles) => ({
    p50: round(x.p50),
    p95: round(x.p95),
    p99: round(x.p99),
    max: round(x.max),
  });
  return {
    n: d.n,
    concurrency: d.concurrency,
    delivered: d.delivered,
    lost: d.lost,
    duplicates: d.duplicates,
    badSignatures: d.badSignatures,
    postToReceiverMs: p(d.fromPost),
    determinationToReceiverMs: p(d.fromDetermination),
    stagesMs: {
      determinationToFanOut: p(d.stages.toFanOut),
      fanOutToAttempt: p(d.stages.toAttempt),
      attemptToReceiver: p(d.stages.toArrival),
    },
  };
}

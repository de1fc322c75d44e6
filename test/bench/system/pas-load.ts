/**
 * The bench's `$submit` row (SPEC 8, issue 11): approvable PAS request Bundles posted at the run's
 * concurrency C, in a phase of their own (`pas`, before the measured JSON referral phase, so the JSON
 * figures and their CPU spans are untouched). The latency is the synchronous answer itself: the
 * ClaimResponse already carries the recorded determination (A1), or A4 `queued` if the wait ran out.
 * It sits in the latency table beside the JSON route's POST → recorded outcome of the same run.
 *
 * Hooked in with a few lines: driver.ts runs `runPasSubmits`, system.bench.ts prints `pasRows`,
 * `pasTarget` and `pasJson`.
 */
import { performance } from 'node:perf_hooks';
import { addDays, toIsoDate } from '../../../shared/dates.js';
import { pasBundle } from '../../fhir/bundles.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody } from '../../fixtures.js';
import type { Client } from './load.js';
import { ms, type Percentiles, percentiles, round } from './stats.js';

/** SPEC 8's goal for the synchronous answer here (the PAS IG allows 15 s). */
export const PAS_P99_GOAL_MS = 1000;

export interface PasRun {
  concurrency: number;
  latencies: number[];
  /** Answers by ClaimResponse.outcome (`complete`, `queued`), or `HTTP <status>` when not 200. */
  outcomes: Record<string, number>;
}

/** `n` `$submit`s at `concurrency`, each a new Claim identifier for an approvable case (A1 expected). */
export async function runPasSubmits(
  client: Client,
  portalToken: string,
  n: number,
  concurrency: number,
  runId: string,
): Promise<PasRun> {
  const start = addDays(toIsoDate(new Date()), 7);
  const clinical = referralBody().clinical;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const body = pasBundle({
        claimId: `bench-${runId}-${i}`,
        memberId: 'M-1001',
        renderingProviderNpi: RENDERING_NPI,
        orderingProviderNpi: ORDERING_NPI,
        urgency: 'standard',
        startDate: start,
        requestedVisits: 6,
        diagnoses: [{ code: 'M54.50' }],
        cpts: ['97124'],
        clinical: {
          ...clinical,
          planOfCare: { certifiedByNpi: ORDERING_NPI, certifiedOn: addDays(start, -30) },
        },
      });
      const t0 = performance.now();
      // A repeat with the same Claim identifier gets the first answer (SPEC 8), so it is safe to resend.
      const res = await client.callIdempotent('POST', '/fhir/Claim/$submit', body, portalToken);
      latencies.push(performance.now() - t0);
      const outcome =
        res.status === 200
          ? String(
              (res.body as { entry?: { resource?: { outcome?: string } }[] }).entry?.[0]?.resource?.outcome,
            )
          : `HTTP ${res.status}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { concurrency, latencies, outcomes };
}

const stats = (run: PasRun | undefined): Percentiles | undefined =>
  run?.latencies.length ? percentiles(run.latencies) : undefined;

/** The latency table's row: `$submit`, timed to its synchronous answer. */
export function pasRows(run: PasRun | undefined): string[][] {
  const p = stats(run);
  if (!run || !p) return [];
  return [
    [
      `$submit (PAS) → synchronous answer, C=${run.concurrency} ${JSON.stringify(run.outcomes)}`,
      String(p.count),
      ms(p.p50),
      ms(p.p95),
      ms(p.p99),
      ms(p.max),
    ],
  ];
}

/** The targets table's row: p99 of the synchronous answer under 1 s, every answer A1 `complete`. */
export function pasTarget(run: PasRun | undefined): [string, string, string, boolean][] {
  const p = stats(run);
  if (!run || !p) return [];
  const complete = run.outcomes.complete ?? 0;
  return [
    [
      'p99 $submit synchronous answer (all complete)',
      `< ${PAS_P99_GOAL_MS} ms`,
      `${ms(p.p99)} (${complete}/${p.count} complete)`,
      p.p99 < PAS_P99_GOAL_MS && complete === p.count,
    ],
  ];
}

/** For the bench's JSON line. */
export function pasJson(run: PasRun | undefined) {
  const p = stats(run);
  if (!run || !p) return null;
  return {
    concurrency: run.concurrency,
    n: p.count,
    p50Ms: round(p.p50),
    p95Ms: round(p.p95),
    p99Ms: round(p.p99),
    maxMs: round(p.max),
    outcomes: run.outcomes,
    goalP99Ms: PAS_P99_GOAL_MS,
  };
}

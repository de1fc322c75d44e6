/**
 * The `$submit` row (SPEC 8): PAS request Bundles for approvable cases posted at concurrency C; the
 * latency is the synchronous answer itself (the ClaimResponse carries the recorded determination).
 */
import { performance } from 'node:perf_hooks';
import { addDays, toIsoDate } from '../../../shared/dates.js';
import { pasBundle } from '../../fhir/bundles.js';
import { ORDERING_NPI, RENDERING_NPI, referralBody } from '../../fixtures.js';
import type { Client } from './load.js';

export interface PasRun {
  latencies: number[];
  /** Answers by outcome (`complete`, `queued`) or HTTP status when not 200. */
  outcomes: Record<string, number>;
}

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
      const res = await client.call('POST', '/fhir/Claim/$submit', body, portalToken);
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
  return { latencies, outcomes };
}

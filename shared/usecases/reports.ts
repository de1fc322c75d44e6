import type { Repository } from '../data/repository.js';
import { ValidationError } from '../errors.js';
import type { Clock } from '../model.js';
import { buildReport, type PriorAuthorizationReport } from '../report.js';
import { nowIso } from './common.js';

/** `GET /reports/prior-authorization?year=YYYY` (SPEC 12): read the year's aggregates, never the records. */
export async function getPriorAuthorizationReport(
  repo: Repository,
  clock: Clock,
  yearParam: string | undefined,
): Promise<PriorAuthorizationReport> {
  const now = clock.now();
  const year = yearParam === undefined ? now.getUTCFullYear() : Number(yearParam);
  if (!/^\d{4}$/.test(yearParam ?? String(year)) || year < 2000 || year > now.getUTCFullYear() + 1) {
    throw new ValidationError([
      { field: 'year', message: `must be a year from 2000 to ${now.getUTCFullYear() + 1}` },
    ]);
  }
  return buildReport(year, await repo.getReportAggregates(year), nowIso(clock));
}

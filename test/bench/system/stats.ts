/** Small statistics and text-table helpers for the system bench. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
    mean: mean(samples),
  };
}

export const round = (n: number, digits = 1): number => {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Dollars with enough significant digits for sub-cent amounts. */
export const usd = (n: number): string => (Number.isFinite(n) ? `$${n.toPrecision(3)}` : 'n/a');
export const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
/** A count or mean: integers as they are, others to `digits` places without trailing zeros. */
export const num = (n: number, digits = 2): string =>
  Number.isFinite(n) ? String(Number(n.toFixed(digits))) : 'n/a';
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** A plain-text table; the first row is the header. Numbers-looking cells are right-aligned. */
export function table(rows: readonly (readonly string[])[], title?: string): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const numeric = /^[$\d.,\-+≤≥<>%x× ]+(ms|KB|%|x)?$/;
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric.test(cell) && i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (title) out.push(title);
  rows.forEach((row, i) => {
    out.push(line(row));
    if (i === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  return out.join('\n');
}

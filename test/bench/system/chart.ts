/**
 * The README's chart, hand-written SVG (no charting dependency): latency percentiles of the
 * automatic determination and of the visit re-review against the 150 ms target, and the estimated
 * AWS cost per automatic determination and per visit re-review, stacked by service, against the
 * $0.0003 target.
 */
import type { CostBreakdown } from './prices.js';

export interface ChartInput {
  title: string;
  subtitle: string;
  latency: { label: string; p50: number; p95: number; p99: number; floorP50?: number }[];
  latencyTargetMs: number;
  cost: { label: string; cost: CostBreakdown }[];
  costTargetUsd: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" axis maximum above `v` (1, 2, 2.5, 5 × 10^k). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

const SERVICES: { key: keyof Omit<CostBreakdown, 'total'>; label: string; color: string }[] = [
  { key: 'stepFunctions', label: 'Step Functions', color: '#c2410c' },
  { key: 'lambda', label: 'Lambda', color: '#f59e0b' },
  { key: 'dynamodb', label: 'DynamoDB', color: '#2563eb' },
  { key: 'apiGateway', label: 'API Gateway', color: '#7c3aed' },
  { key: 'eventBridge', label: 'EventBridge', color: '#db2777' },
];
const PCT = [
  { key: 'p50', color: '#93c5fd' },
  { key: 'p95', color: '#3b82f6' },
  { key: 'p99', color: '#1e3a8a' },
] as const;

export function renderChart(input: ChartInput): string {
  const W = 900;
  const H = 440;
  const top = 80;
  const bottom = H - 90;
  const plotH = bottom - top;
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '') =>
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`);

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  );
  text(20, 28, input.title, 'font-size="17" font-weight="bold" fill="#111827"');
  text(20, 48, input.subtitle, 'fill="#4b5563"');

  // ---- left panel: latency percentiles
  {
    const x0 = 70;
    const x1 = 430;
    const maxMs = niceMax(
      Math.max(input.latencyTargetMs * 1.1, ...input.latency.flatMap((l) => [l.p50, l.p95, l.p99])),
    );
    const y = (v: number) => bottom - (v / maxMs) * plotH;
    text(x0, top - 12, 'Latency, POST → recorded outcome (ms)', 'font-weight="bold" fill="#111827"');
    for (let i = 0; i <= 5; i++) {
      const v = (maxMs * i) / 5;
      out.push(`<line x1="${x0}" x2="${x1}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
      text(x0 - 6, y(v) + 4, String(Math.round(v)), 'text-anchor="end" fill="#6b7280"');
    }
    const groupW = (x1 - x0) / Math.max(1, input.latency.length);
    const barW = Math.min(38, (groupW - 30) / 3);
    let floorShown = false;
    input.latency.forEach((l, gi) => {
      const gx = x0 + gi * groupW + (groupW - barW * 3 - 8) / 2;
      PCT.forEach((p, pi) => {
        const v = l[p.key];
        if (!Number.isFinite(v)) return;
        const bx = gx + pi * (barW + 4);
        out.push(
          `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${p.color}"/>`,
        );
        text(bx + barW / 2, y(v) - 4, v.toFixed(0), 'text-anchor="middle" font-size="11" fill="#111827"');
        text(bx + barW / 2, bottom + 14, p.key, 'text-anchor="middle" font-size="11" fill="#374151"');
      });
      text(gx + (barW * 3 + 8) / 2, bottom + 32, l.label, 'text-anchor="middle" fill="#111827"');
      if (l.floorP50 !== undefined && Number.isFinite(l.floorP50)) {
        const fy = y(l.floorP50);
        out.push(
          `<line x1="${(gx - 6).toFixed(1)}" x2="${(gx + barW * 3 + 14).toFixed(1)}" y1="${fy.toFixed(1)}" y2="${fy.toFixed(1)}" stroke="#111827" stroke-dasharray="3 3" stroke-width="2"/>`,
        );
        floorShown = true;
      }
    });
    const ty = y(input.latencyTargetMs);
    out.push(
      `<line x1="${x0}" x2="${x1}" y1="${ty}" y2="${ty}" stroke="#dc2626" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    );
    out.push(`<line x1="${x0}" x2="${x1}" y1="${bottom}" y2="${bottom}" stroke="#9ca3af"/>`);
    // legend under the axis labels
    const ly = bottom + 52;
    out.push(
      `<line x1="${x0}" x2="${x0 + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="#dc2626" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    );
    text(x0 + 30, ly, `target p99 ≤ ${input.latencyTargetMs} ms`, 'fill="#dc2626"');
    if (floorShown) {
      out.push(
        `<line x1="${x0 + 170}" x2="${x0 + 194}" y1="${ly - 4}" y2="${ly - 4}" stroke="#111827" stroke-dasharray="3 3" stroke-width="2"/>`,
      );
      text(x0 + 200, ly, 'floor p50: same DynamoDB calls, direct', 'fill="#374151"');
    }
  }

  // ---- right panel: cost per unit of work, stacked by service
  {
    const x0 = 560;
    const x1 = 760;
    const maxUsd = niceMax(Math.max(input.costTargetUsd * 1.1, ...input.cost.map((c) => c.cost.total)));
    const y = (v: number) => bottom - (v / maxUsd) * plotH;
    text(x0 - 50, top - 12, 'Estimated AWS cost per unit (USD)', 'font-weight="bold" fill="#111827"');
    for (let i = 0; i <= 5; i++) {
      const v = (maxUsd * i) / 5;
      out.push(`<line x1="${x0}" x2="${x1}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
      text(
        x0 - 6,
        y(v) + 4,
        `$${v.toFixed(5).replace(/0+$/, '').replace(/\.$/, '')}`,
        'text-anchor="end" fill="#6b7280"',
      );
    }
    const groupW = (x1 - x0) / Math.max(1, input.cost.length);
    const barW = Math.min(56, groupW - 24);
    input.cost.forEach((c, gi) => {
      const bx = x0 + gi * groupW + (groupW - barW) / 2;
      let acc = 0;
      for (const s of SERVICES) {
        const v = c.cost[s.key];
        if (!(v > 0)) continue;
        out.push(
          `<rect x="${bx.toFixed(1)}" y="${y(acc + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(acc) - y(acc + v)).toFixed(1)}" fill="${s.color}"/>`,
        );
        acc += v;
      }
      text(
        bx + barW / 2,
        y(acc) - 5,
        `$${c.cost.total.toPrecision(2)}`,
        'text-anchor="middle" font-size="11" fill="#111827"',
      );
      text(bx + barW / 2, bottom + 18, c.label, 'text-anchor="middle" fill="#111827"');
    });
    const ty = y(input.costTargetUsd);
    out.push(
      `<line x1="${x0}" x2="${x1}" y1="${ty}" y2="${ty}" stroke="#dc2626" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    );
    text(
      x1,
      ty - 5,
      `target ≤ $${input.costTargetUsd} per determination`,
      'text-anchor="end" fill="#dc2626"',
    );
    out.push(`<line x1="${x0}" x2="${x1}" y1="${bottom}" y2="${bottom}" stroke="#9ca3af"/>`);
    // legend
    SERVICES.forEach((s, i) => {
      const ly = top + 10 + i * 20;
      out.push(`<rect x="${x1 + 20}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`);
      text(x1 + 38, ly, s.label, 'fill="#374151"');
    });
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

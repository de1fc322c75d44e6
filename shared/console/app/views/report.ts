/**
 * SPEC 12: the public prior-authorization report for a year (admin): the measures in a small table
 * and the receipt-to-decision times as a bar chart (one bar per histogram bucket), both from
 * GET /reports/prior-authorization. The chart is inline SVG (no script, no external asset).
 */
import { ApiError, api } from '../api.js';
import type { ReportView, UrgencyMeasuresView } from '../api-types.js';
import { h, s } from '../dom.js';
import { main, view } from '../shell.js';
import { notice, table } from '../widgets.js';

const ROWS: [keyof UrgencyMeasuresView, string, string][] = [
  ['requestsDecided', 'Requests decided', ''],
  ['percentApproved', 'Approved', '%'],
  ['percentDenied', 'Denied', '%'],
  ['percentApprovedAfterAppeal', 'Approved after appeal', '%'],
  ['percentApprovedAfterExtendedDecisionTime', 'Approved after an extended decision time', '%'],
  ['averageHoursToDecision', 'Average hours from receipt to decision', ''],
  ['medianHoursToDecision', 'Median hours from receipt to decision', ''],
];

function cell(v: number | null, unit: string): string {
  return v === null ? '\u2014' : `${v}${unit}`;
}

function bucketLabel(upToHours: number | null): string {
  if (upToHours === null) return 'longer';
  const seconds = upToHours * 3600;
  if (seconds < 60) return `< ${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `< ${Math.round(seconds / 6) / 10} min`;
  if (upToHours < 48) return `< ${Math.round(upToHours * 10) / 10} h`;
  return `< ${Math.round(upToHours / 2.4) / 10} d`;
}

/** Bars of decision counts by time to decision, standard and expedited side by side. */
function chart(report: ReportView): SVGSVGElement | HTMLElement {
  const keys = [
    ...new Set([
      ...report.decisionTimes.standard.map((b) => b.upToHours),
      ...report.decisionTimes.expedited.map((b) => b.upToHours),
    ]),
  ].sort((a, b) => (a ?? Number.POSITIVE_INFINITY) - (b ?? Number.POSITIVE_INFINITY));
  if (keys.length === 0)
    return h('p', { class: 'muted', testid: 'chart-empty' }, 'No decisions this year yet.');
  const count = (u: 'standard' | 'expedited', k: number | null) =>
    report.decisionTimes[u].find((b) => b.upToHours === k)?.count ?? 0;
  const max = Math.max(1, ...keys.flatMap((k) => [count('standard', k), count('expedited', k)]));
  const group = 56;
  const height = 160;
  const width = Math.max(320, keys.length * group + 40);
  const bars = keys.flatMap((k, i) =>
    (['standard', 'expedited'] as const).map((u, j) => {
      const n = count(u, k);
      const barHeight = (n / max) * (height - 20);
      return s(
        'rect',
        {
          x: 30 + i * group + j * 22,
          y: height - barHeight,
          width: 20,
          height: barHeight,
          class: `bar ${u}`,
          fill: u === 'standard' ? '#1f5fa8' : '#b35c00',
          'data-testid': `bar-${u}-${i}`,
        },
        s('title', null, `${u}: ${n} decided ${bucketLabel(k)}`),
      );
    }),
  );
  const labels = keys.map((k, i) =>
    s(
      'text',
      { x: 30 + i * group + 21, y: height + 16, 'text-anchor': 'middle', 'font-size': 11 },
      bucketLabel(k),
    ),
  );
  return s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height + 40}`,
      width,
      height: height + 40,
      role: 'img',
      'aria-labelledby': 'chart-title',
      'data-testid': 'decision-time-chart',
    },
    s(
      'title',
      { id: 'chart-title' },
      'Decisions by time from receipt to decision (blue standard, orange expedited)',
    ),
    s('line', { x1: 28, y1: height, x2: width - 5, y2: height, stroke: '#555' }),
    bars,
    labels,
  );
}

export async function renderReport(focus: boolean, yearParam?: string): Promise<void> {
  const year = yearParam && /^\d{4}$/.test(yearParam) ? yearParam : String(new Date().getUTCFullYear());
  const current = view(
    [h('h1', null, `Prior authorization report ${year}`), h('p', { class: 'muted' }, 'Loading the report…')],
    focus,
  );
  let report: ReportView;
  try {
    report = await api<ReportView>('GET', `/reports/prior-authorization?year=${year}`);
  } catch (err) {
    if ((err instanceof ApiError && err.handled) || !current()) return;
    main.querySelector('p')?.remove();
    main.append(
      notice(
        'error',
        err instanceof ApiError && err.status === 403
          ? 'The report is for administrators: sign in with an admin account.'
          : err instanceof Error
            ? err.message
            : String(err),
        'report-error',
      ),
    );
    return;
  }
  if (!current()) return;
  main.querySelector('p')?.remove();
  main.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'measures-heading' },
      h('h2', { id: 'measures-heading' }, 'Measures (CMS-0057-F)'),
      table(
        null,
        ['Measure', 'Standard', 'Expedited'],
        ROWS.map(([key, label, unit]) =>
          h(
            'tr',
            { testid: `measure-${key}` },
            h('th', { scope: 'row' }, label),
            h('td', { testid: `measure-${key}-standard` }, cell(report.standard[key], unit)),
            h('td', { testid: `measure-${key}-expedited` }, cell(report.expedited[key], unit)),
          ),
        ),
        { 'data-testid': 'report-table' },
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'chart-heading' },
      h('h2', { id: 'chart-heading' }, 'Time from receipt to decision'),
      chart(report),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'items-heading' },
      h('h2', { id: 'items-heading' }, 'Items and services that need prior authorization'),
      h(
        'ul',
        { testid: 'report-items' },
        report.itemsAndServices.map((i) =>
          h('li', null, h('span', { class: 'code' }, i.code), ' ', i.description),
        ),
      ),
      h(
        'ul',
        { class: 'muted' },
        report.notes.map((n) => h('li', null, n)),
      ),
    ),
  );
}

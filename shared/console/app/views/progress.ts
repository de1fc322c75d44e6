/**
 * Visits and progress: the timeline of visits with their billing and re-review, and a chart of the
 * primary outcome measure. Whether progress is meaningful is the API's judgement (each re-review's
 * `progress` figures, and the review's own): the console draws the scale and quotes the figures.
 */
import type { ProgressFigures } from '../../../progress.js';
import type { ReviewDetail, VisitView } from '../api-types.js';
import { instrument } from '../data.js';
import { h, s } from '../dom.js';
import { num } from '../format.js';
import { reasonList, table } from '../widgets.js';

type Measure = { instrument: string; score: number; goal?: number | undefined };
interface Point {
  x: number;
  y: number;
  /** The re-review's figures at this visit, when it judged this very score. */
  figures: ProgressFigures | null;
}

function series(measure: Measure, visits: readonly VisitView[]): Point[] {
  const points: Point[] = [{ x: 0, y: measure.score, figures: null }];
  for (const v of visits) {
    const reports = v.outcomeMeasures.filter((m) => m.instrument === measure.instrument);
    const last = reports[reports.length - 1];
    if (!last) continue;
    const figures = v.reReview?.progress;
    points.push({
      x: v.visitNumber,
      y: last.score,
      figures: figures && figures.latestAtVisit === v.visitNumber ? figures : null,
    });
  }
  return points;
}

function niceStep(range: number): number {
  for (const step of [0.5, 1, 2, 5, 10, 20, 25, 50]) if (range / step <= 6) return step;
  return Math.ceil(range / 5);
}

function verdict(f: ProgressFigures | null): string {
  if (!f || f.latest === null || f.improvement === null)
    return 'No re-review has judged a reported score yet.';
  const direction = f.improvement >= 0 ? 'better' : 'worse';
  return `Latest ${num(f.latest)} (visit ${f.latestAtVisit}) is ${num(Math.abs(f.improvement))} points ${direction} than baseline, ${
    f.meaningful ? 'a meaningful improvement.' : 'less than the MCID.'
  }`;
}

function progressChart(
  measure: Measure,
  visits: readonly VisitView[],
  authorized: number,
  judged: ProgressFigures | null,
): HTMLElement {
  const scale = instrument(measure.instrument);
  if (!scale) return h('p', { class: 'muted' }, `Unknown instrument ${measure.instrument}.`);
  const lower = scale.better === 'lower';
  const mcid = judged?.mcid ?? scale.mcid;
  // Where the scale shows a change of one MCID in the better direction (drawn, not judged).
  const threshold = lower ? measure.score - mcid : measure.score + mcid;
  const thresholdShown = Math.min(scale.max, Math.max(scale.min, threshold));
  const points = series(measure, visits);
  const lastVisit = visits.reduce((m, v) => Math.max(m, v.visitNumber), 0);
  const xMax = Math.max(4, lastVisit, authorized);
  const W = 660;
  const H = 300;
  const L = 54;
  const R = 158;
  const T = 16;
  const B = 46;
  const pw = W - L - R;
  const ph = H - T - B;
  const X = (x: number) => L + (x / xMax) * pw;
  const Y = (y: number) => T + ph - ((y - scale.min) / (scale.max - scale.min)) * ph;
  const summary = `${measure.instrument} (scale ${scale.min} to ${scale.max}, ${scale.better} is better). Baseline ${num(measure.score)}${
    measure.goal === undefined ? ', no goal set' : `, goal ${num(measure.goal)}`
  }. Meaningful improvement (MCID ${num(mcid)}) means ${num(threshold)}${lower ? ' or lower' : ' or higher'}. ${
    points.length === 1
      ? 'No visit has reported it yet.'
      : `Reported: ${points
          .slice(1)
          .map((p) => `visit ${p.x}: ${num(p.y)}`)
          .join(', ')}. ${verdict(judged)}`
  }`;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': 'chart-title',
    'aria-label': summary,
    testid: 'progress-chart',
  });
  svg.appendChild(s('title', { id: 'chart-title' }, summary));
  const step = niceStep(scale.max - scale.min);
  for (let v = scale.min; v <= scale.max + 1e-9; v += step) {
    svg.appendChild(s('line', { class: 'grid', x1: L, x2: L + pw, y1: Y(v), y2: Y(v) }));
    svg.appendChild(s('text', { x: L - 8, y: Y(v) + 4, 'text-anchor': 'end' }, num(v)));
  }
  for (let x = 0; x <= xMax; x += xMax > 16 ? 2 : 1) {
    svg.appendChild(s('line', { class: 'axis', x1: X(x), x2: X(x), y1: T + ph, y2: T + ph + 5 }));
    svg.appendChild(
      s('text', { x: X(x), y: T + ph + 18, 'text-anchor': 'middle' }, x === 0 ? 'Base' : String(x)),
    );
  }
  svg.appendChild(s('line', { class: 'axis', x1: L, x2: L, y1: T, y2: T + ph }));
  svg.appendChild(s('line', { class: 'axis', x1: L, x2: L + pw, y1: T + ph, y2: T + ph }));
  svg.appendChild(
    s(
      'text',
      { x: L + pw / 2, y: H - 6, 'text-anchor': 'middle' },
      'Visit number (Base = the referral\u2019s baseline)',
    ),
  );
  svg.appendChild(
    s(
      'text',
      { x: 14, y: T + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${T + ph / 2})` },
      `${measure.instrument} score (${scale.better} is better)`,
    ),
  );
  // The band of change smaller than the MCID, between baseline and threshold.
  svg.appendChild(
    s('rect', {
      class: 'band',
      x: L,
      y: Math.min(Y(measure.score), Y(thresholdShown)),
      width: pw,
      height: Math.abs(Y(measure.score) - Y(thresholdShown)),
    }),
  );
  const labels: { y: number; text: string; cls: string }[] = [];
  const hline = (cls: string, y: number, text: string) => {
    svg.appendChild(s('line', { class: cls, x1: L, x2: L + pw, y1: Y(y), y2: Y(y) }));
    labels.push({ y: Y(y), text, cls });
  };
  hline('baseline', measure.score, `Baseline ${num(measure.score)}`);
  if (threshold >= scale.min && threshold <= scale.max)
    hline('mcid', threshold, `MCID threshold ${num(threshold)}`);
  if (measure.goal !== undefined) hline('goal', measure.goal, `Goal ${num(measure.goal)}`);
  // Right-hand labels, nudged apart so they never overlap.
  labels.sort((a, b) => a.y - b.y);
  labels.forEach((label, i) => {
    const previous = labels[i - 1];
    if (previous && label.y - previous.y < 14) label.y = previous.y + 14;
  });
  for (const l of labels)
    svg.appendChild(s('text', { x: L + pw + 8, y: l.y + 4, class: `label-${l.cls}` }, l.text));
  if (points.length > 1) {
    svg.appendChild(
      s('polyline', { class: 'series', points: points.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ') }),
    );
  }
  for (const p of points) {
    svg.appendChild(
      s(
        'circle',
        { class: p.x === 0 ? 'point base' : 'point', cx: X(p.x), cy: Y(p.y), r: 4.5 },
        s('title', null, `${p.x === 0 ? 'Baseline' : `Visit ${p.x}`}: ${num(p.y)}`),
      ),
    );
  }
  const rows = points.map((p) => {
    const f = p.figures;
    const pending = h('span', { class: 'muted' }, 'not judged yet');
    return h(
      'tr',
      { testid: p.x === 0 ? 'progress-baseline' : `progress-visit-${p.x}` },
      h('th', { scope: 'row' }, p.x === 0 ? 'Baseline' : `Visit ${p.x}`),
      h('td', null, num(p.y)),
      h(
        'td',
        null,
        p.x === 0
          ? ''
          : f?.improvement != null
            ? `${f.improvement >= 0 ? '+' : ''}${num(f.improvement)}`
            : pending,
      ),
      h('td', null, p.x === 0 ? '' : f?.meaningful != null ? (f.meaningful ? 'yes' : 'no') : pending),
    );
  });
  return h(
    'figure',
    { class: 'chart-wrap' },
    h('div', { class: 'chart-scroll' }, svg),
    h(
      'figcaption',
      { class: 'hint' },
      `Blue line: reported scores (open circle: the baseline). Shaded: change smaller than the MCID (${num(mcid)} points). Dashed: the meaningful-improvement threshold. Dotted: the goal.`,
    ),
    judged ? h('p', { testid: 'progress-verdict' }, verdict(judged)) : null,
    h(
      'details',
      null,
      h('summary', null, 'Scores as a table'),
      table(
        `${measure.instrument} scores, as each visit's re-review judged them (improvement counts in the better direction)`,
        ['When', 'Score', 'Change from baseline', 'At least the MCID'],
        rows,
        { testid: 'progress-table' },
      ),
    ),
  );
}

function billingText(billing: VisitView['billing']): HTMLElement {
  const lines = billing?.lines ?? [];
  if (lines.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'plain' },
    lines.map((l) =>
      h(
        'li',
        null,
        h('span', { class: 'code' }, l.cpt),
        ` \u00d7${l.units}${l.minutes !== undefined ? ` (${l.minutes} min)` : ''}`,
        l.modifiers?.length ? ` mod ${l.modifiers.join(', ')}` : '',
        l.separatelyPayable === false ? ' · not separately payable' : '',
        (l.edits ?? []).map((e) => h('span', { class: 'badge escalated' }, e)),
      ),
    ),
  );
}

export function visitsSection(review: ReviewDetail): HTMLElement {
  const { request, referral } = review.evidence;
  const visits = [...(referral.visits ?? [])].sort((a, b) => a.visitNumber - b.visitNumber);
  const primary = request.clinical?.outcomeMeasures?.[0];
  // The review's own figures; else what the latest re-review judged.
  const judged =
    review.progress ?? [...visits].reverse().find((v) => v.reReview?.progress)?.reReview?.progress ?? null;
  const rows = visits.map((v) => {
    const rr = v.reReview;
    const current = v.visitId === review.visitId;
    return h(
      'tr',
      { testid: `visit-${v.visitNumber}`, class: current ? 'current' : null },
      h(
        'th',
        { scope: 'row' },
        String(v.visitNumber),
        current ? h('span', { class: 'tag' }, 'this review') : null,
      ),
      h('td', { class: 'nowrap' }, v.date),
      h('td', null, billingText(v.billing)),
      h(
        'td',
        null,
        v.outcomeMeasures.length
          ? v.outcomeMeasures.map((m) => `${m.instrument} ${num(m.score)}`).join(', ')
          : h('span', { class: 'muted' }, 'none reported'),
      ),
      h(
        'td',
        null,
        rr
          ? [
              h('strong', null, rr.action),
              rr.reasons.length ? reasonList(rr.reasons) : null,
              rr.explanation ? h('p', { class: 'visually-quiet' }, rr.explanation) : null,
            ]
          : h('span', { class: 'muted' }, 'pending'),
      ),
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'visits-heading', testid: 'visits' },
    h('h2', { id: 'visits-heading' }, 'Visits and progress'),
    primary
      ? [
          h('h3', null, `Primary outcome measure: ${primary.instrument}`),
          progressChart(primary, visits, referral.authorization?.visitsAuthorized ?? 0, judged),
        ]
      : h('p', { class: 'muted' }, 'The referral names no outcome measure, so progress cannot be charted.'),
    h('h3', null, 'Visit timeline'),
    visits.length === 0
      ? h('p', { class: 'muted' }, 'No visits recorded yet.')
      : table(null, ['Visit', 'Date', 'Billed (code × units)', 'Measures', 'Re-review'], rows, {
          testid: 'visit-timeline',
        }),
  );
}

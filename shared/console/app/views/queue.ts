/** The queue of open reviews, soonest due first, refreshed every 30 s while it is shown. */
import { ApiError, api, errorMessage } from '../api.js';
import type { QueueItem } from '../api-types.js';
import { fill, h } from '../dom.js';
import { timeFormat } from '../format.js';
import { announce, onLeave, view } from '../shell.js';
import { dueCell, kindLabel, notice, reasonList, table } from '../widgets.js';

const QUEUE_REFRESH_MS = 30_000;
/** The count last shown, so an automatic refresh announces only a change. */
let lastCount = -1;

function row(item: QueueItem): HTMLTableRowElement {
  const link = h(
    'a',
    {
      class: 'button',
      href: `#/reviews/${encodeURIComponent(item.reviewId)}`,
      testid: `open-review-${item.reviewId}`,
    },
    'Open',
    h('span', { class: 'sr-only' }, ` ${kindLabel(item.kind).toLowerCase()} review ${item.reviewId}`),
  );
  return h(
    'tr',
    { testid: `queue-row-${item.reviewId}`, class: item.overdue || item.escalated ? 'flagged' : null },
    h('th', { scope: 'row', 'data-label': 'Due' }, dueCell(item, item.reviewId)),
    h('td', { 'data-label': 'Kind' }, h('span', { class: 'badge kind' }, kindLabel(item.kind).toUpperCase())),
    h('td', { 'data-label': 'Referral' }, h('span', { class: 'mono' }, item.referralId)),
    h(
      'td',
      { 'data-label': 'Recommendation' },
      item.recommendation ? h('strong', null, item.recommendation) : h('span', { class: 'muted' }, 'none'),
    ),
    h('td', { 'data-label': 'Reasons' }, reasonList(item.reasons)),
    h('td', { 'data-label': 'Review' }, link),
  );
}

async function load(
  body: HTMLElement,
  updated: HTMLElement,
  why: 'first' | 'manual' | 'auto',
  current: () => boolean,
) {
  let items: QueueItem[];
  try {
    items = (await api<{ items?: QueueItem[] }>('GET', '/reviews?status=open')).items ?? [];
  } catch (err) {
    if ((err instanceof ApiError && err.handled) || !current()) return;
    const forbidden = err instanceof ApiError && err.status === 403;
    fill(
      body,
      notice(
        'error',
        forbidden
          ? 'This sign-in is not a clinical reviewer\u2019s, so the queue cannot be shown. Sign out and sign in as a reviewer.'
          : errorMessage(err),
      ),
    );
    return;
  }
  if (!current()) return;
  // Keep keyboard focus where it was across an automatic refresh.
  const active = document.activeElement;
  const focused = active && body.contains(active) ? active.getAttribute('data-testid') : null;
  if (items.length === 0) {
    fill(
      body,
      h(
        'p',
        { class: 'card', testid: 'queue-empty' },
        'No open reviews. The queue refreshes every 30 seconds.',
      ),
    );
  } else {
    fill(
      body,
      table(
        `${items.length}${items.length === 1 ? ' open review' : ' open reviews'}, soonest due first`,
        ['Due', 'Kind', 'Referral', 'Recommendation', 'Reasons', 'Review'],
        items.map(row),
        { testid: 'queue-table', class: 'queue' },
      ),
    );
  }
  updated.textContent = `Updated ${timeFormat.format(new Date())} · refreshes every 30 s`;
  if (focused) body.querySelector<HTMLElement>(`[data-testid="${CSS.escape(focused)}"]`)?.focus();
  if (why === 'manual' || (why === 'auto' && items.length !== lastCount)) {
    announce(`Queue updated: ${items.length}${items.length === 1 ? ' open review.' : ' open reviews.'}`);
  }
  lastCount = items.length;
}

export function renderQueue(focus: boolean): void {
  const updated = h('span', { class: 'muted', testid: 'queue-updated' }, '');
  const body = h('div', { testid: 'queue' }, h('p', { class: 'muted' }, 'Loading open reviews…'));
  const refresh = h('button', { type: 'button', testid: 'queue-refresh' }, 'Refresh');
  const current = view(
    [h('h1', null, 'Open reviews'), h('div', { class: 'toolbar' }, refresh, updated), body],
    focus,
  );
  refresh.addEventListener('click', () => void load(body, updated, 'manual', current));
  void load(body, updated, 'first', current);
  const timer = window.setInterval(() => void load(body, updated, 'auto', current), QUEUE_REFRESH_MS);
  onLeave(() => window.clearInterval(timer));
}

/** Small pieces several views use: reason lists, policy quotes, fact lists, tables, due times. */
import type { PolicyText } from '../../catalogue.js';
import type { ActorView, QueueItem } from './api-types.js';
import { REASONS } from './data.js';
import { type Child, h } from './dom.js';
import { dueRelative, localTime, words } from './format.js';

export function reasonTitle(code: string): string {
  return REASONS.get(code)?.title ?? words(code);
}

export function reasonList(codes: readonly string[] | null | undefined): HTMLElement {
  if (!codes || codes.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'plain' },
    codes.map((c) => h('li', null, h('span', { class: 'code' }, c), ' ', reasonTitle(c))),
  );
}

export function policyQuote(policy: PolicyText | undefined): HTMLElement | null {
  if (!policy) return null;
  return h(
    'blockquote',
    { class: 'policy' },
    h('p', null, policy.text),
    h('footer', null, '— ', h('cite', null, policy.source)),
  );
}

export function listOrNone<T>(items: readonly T[] | undefined, render?: (item: T) => Child): HTMLElement {
  if (!items || items.length === 0) return h('span', { class: 'muted' }, 'none given');
  return h(
    'ul',
    null,
    items.map((x) => h('li', null, render ? render(x) : String(x))),
  );
}

/** A definition list; a null or empty value reads "not given", an undefined one is left out. */
export function facts(rows: [string, Child | undefined][], testid?: string): HTMLElement {
  const dl = h('dl', { class: 'facts', testid });
  for (const [label, value] of rows) {
    if (value === undefined) continue;
    dl.appendChild(h('dt', null, label));
    dl.appendChild(
      h('dd', null, value === null || value === '' ? h('span', { class: 'muted' }, 'not given') : value),
    );
  }
  return dl;
}

export function table(
  caption: string | null,
  headers: readonly string[],
  rows: readonly HTMLTableRowElement[],
  attrs?: Record<string, string>,
): HTMLElement {
  // Each cell names its column, so narrow screens can show rows as stacked cards.
  for (const tr of rows) {
    Array.from(tr.children).forEach((cell, i) => {
      const header = headers[i];
      if (!cell.hasAttribute('data-label') && header) cell.setAttribute('data-label', header);
    });
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs ?? null,
      caption ? h('caption', null, caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

export function flags(item: Pick<QueueItem, 'overdue' | 'escalated'>, testid?: string): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (item.overdue)
    out.push(
      h('span', { class: 'badge overdue', testid: testid ? `badge-overdue-${testid}` : null }, 'OVERDUE'),
    );
  if (item.escalated)
    out.push(
      h(
        'span',
        { class: 'badge escalated', testid: testid ? `badge-escalated-${testid}` : null },
        'ESCALATED',
      ),
    );
  return out;
}

export function dueCell(item: Pick<QueueItem, 'dueAt' | 'overdue' | 'escalated'>, testid?: string): Child[] {
  const rel = dueRelative(item.dueAt);
  return [
    h('time', { datetime: item.dueAt }, localTime(item.dueAt)),
    rel.text ? h('span', { class: rel.late ? 'rel late' : 'rel' }, rel.text) : null,
    flags(item, testid),
  ];
}

export function actorText(actor: ActorView): string {
  if (!actor || actor === 'system') return 'system';
  const qualifier = actor.credential ? ` (${actor.credential})` : actor.role ? ` (${actor.role})` : '';
  return `${actor.id || '?'}${qualifier}`;
}

export function notice(kind: 'error' | 'warn', message: Child, testid = 'load-error'): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'note', testid }, message);
}

export const KIND_LABELS: Record<string, string> = {
  INITIAL: 'Initial',
  CONTINUATION: 'Continuation',
  APPEAL: 'Appeal',
};
export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? kind;

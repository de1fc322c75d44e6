/**
 * SPEC 10 and 11 on the review page: what was asked of the clinic and what its answer changed (a
 * diff of the two versions of the case), and the appeal a review hears.
 */
import type { AppealView, InformationRequestView, ReviewDetail } from '../api-types.js';
import { h } from '../dom.js';
import { localTime } from '../format.js';
import { actorText, facts, notice, table } from '../widgets.js';

function value(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function diffTable(changes: InformationRequestView['changes']): HTMLElement {
  if (changes.length === 0)
    return h('p', { class: 'muted', testid: 'diff-empty' }, 'The answer changed no field of the case.');
  return table(
    'What the answer changed',
    ['Field', 'Before', 'After'],
    changes.map((c) =>
      h(
        'tr',
        { testid: `diff-${c.field}` },
        h('td', { class: 'mono' }, c.field),
        h('td', null, h('del', null, value(c.before))),
        h('td', null, h('ins', null, value(c.after))),
      ),
    ),
    { 'data-testid': 'information-diff' },
  );
}

const STATUS_TEXT: Record<InformationRequestView['status'], string> = {
  OPEN: 'Waiting for the clinic',
  ANSWERED: 'Answered',
  NOT_RECEIVED: 'Not received within 14 days',
};

function requestArticle(r: InformationRequestView): HTMLElement {
  return h(
    'article',
    { class: 'information-request', testid: `information-request-${r.round}` },
    h(
      'h3',
      null,
      `Request ${r.round + 1}: `,
      h('span', { testid: 'information-status' }, STATUS_TEXT[r.status]),
    ),
    facts([
      ['Asked by', actorText(r.requestedBy)],
      ['Asked at', localTime(r.requestedAt)],
      ['Answer due', localTime(r.dueAt)],
      ['Answered at', r.answeredAt ? localTime(r.answeredAt) : undefined],
      ['Clinic\u2019s note', r.note ?? undefined],
    ]),
    h(
      'ul',
      { testid: 'information-requested' },
      r.requested.map((i) => h('li', null, h('span', { class: 'code' }, i.code), ' ', i.text)),
    ),
    r.status === 'ANSWERED' ? diffTable(r.changes) : null,
  );
}

/** The information requests on the case (none: nothing shown). */
export function informationSection(review: ReviewDetail): HTMLElement | null {
  const requests = review.information ?? [];
  if (requests.length === 0 && !(review.flags ?? []).length) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'information-heading', testid: 'information-section' },
    h('h2', { id: 'information-heading' }, 'Information requested from the clinic'),
    (review.flags ?? []).includes('INFORMATION_NOT_RECEIVED')
      ? notice(
          'warn',
          'The information asked for did not arrive within 14 days. Decide on the record as it stands.',
          'information-not-received',
        )
      : null,
    requests.map(requestArticle),
  );
}

const SUBJECT_TEXT: Record<AppealView['subject'], string> = {
  DETERMINATION: 'the determination',
  AUTHORIZATION_STOP: 'the stop of the authorization',
};

/** The appeal an APPEAL review hears, and whose decision it was. */
export function appealSection(review: ReviewDetail): HTMLElement | null {
  const a = review.appeal;
  if (!a) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'appeal-heading', testid: 'appeal-section' },
    h('h2', { id: 'appeal-heading' }, 'The appeal'),
    facts([
      ['Appeals', `${SUBJECT_TEXT[a.subject]} (${a.appealedStatus})`],
      ['Decided by', actorText(a.appealedDecisionBy)],
      ['Urgency', a.urgency],
      ['Filed', localTime(a.receivedAt)],
      ['Clinic\u2019s reasons', h('span', { testid: 'appeal-note' }, a.note)],
    ]),
    h(
      'p',
      { class: 'muted' },
      'An appeal is decided by a clinician who did not make the decision appealed; the API refuses that reviewer.',
    ),
  );
}

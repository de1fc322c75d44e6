/** One review: the recommendation and its reasons, the evidence, and the decision form beside it. */
import { ApiError, api } from '../api.js';
import type { ReviewDetail } from '../api-types.js';
import { REASONS } from '../data.js';
import { fill, h } from '../dom.js';
import { words } from '../format.js';
import { main, view } from '../shell.js';
import { dueCell, kindLabel, notice, policyQuote } from '../widgets.js';
import { appealSection, informationSection } from './cases.js';
import { decisionSection } from './decision.js';
import {
  authorizationSection,
  criteriaSection,
  historySection,
  linesSection,
  requestSection,
} from './evidence.js';
import { visitsSection } from './progress.js';

const backLink = () =>
  h('p', null, h('a', { href: '#/queue', testid: 'back-to-queue' }, '\u2190 Back to open reviews'));

function summaryFacts(review: ReviewDetail): HTMLElement {
  const pairs: [string, Node | string][] = [
    ['Review', h('span', { class: 'mono', testid: 'review-id' }, review.reviewId)],
    ['Referral', h('span', { class: 'mono', testid: 'referral-id' }, review.referralId)],
    ['Status', h('span', { testid: 'review-status' }, review.status)],
    ['Due', h('span', null, dueCell(review, 'review'))],
    ['Urgency', review.evidence.request.urgency ?? 'not given'],
  ];
  return h(
    'dl',
    { class: 'card facts-inline', testid: 'review-summary' },
    pairs.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))),
  );
}

function recommendationSection(review: ReviewDetail): HTMLElement {
  const rec = review.recommendation;
  return h(
    'section',
    { class: 'card recommendation', 'aria-labelledby': 'rec-heading', testid: 'recommendation' },
    h('h2', { id: 'rec-heading' }, 'Recommendation'),
    h(
      'p',
      { class: `verdict ${String(rec ?? 'none').toLowerCase()}`, testid: 'recommendation-value' },
      rec ?? 'No recommendation',
    ),
    h(
      'p',
      { class: 'muted' },
      rec
        ? 'The software recommends; it never denies or stops on clinical grounds. You decide.'
        : 'The software made no recommendation. You decide.',
    ),
    (review.reasons ?? []).map((code) => {
      const entry = review.reasonTexts?.[code] ?? REASONS.get(code);
      return h(
        'article',
        { class: 'reason', testid: `reason-${code}`, 'aria-label': `Reason ${code}` },
        h('h3', null, entry ? entry.title : words(code), ' ', h('span', { class: 'code' }, code)),
        entry ? h('p', null, entry.sentence) : null,
        entry ? policyQuote(entry.policy) : null,
      );
    }),
  );
}

export async function renderReview(reviewId: string, focus: boolean): Promise<void> {
  const current = view(
    [
      backLink(),
      h('h1', null, 'Review'),
      h('p', { class: 'muted', testid: 'review-loading' }, 'Loading the review…'),
    ],
    focus,
  );
  let review: ReviewDetail;
  try {
    review = await api<ReviewDetail>('GET', `/reviews/${encodeURIComponent(reviewId)}`);
  } catch (err) {
    if ((err instanceof ApiError && err.handled) || !current()) return;
    fill(
      main,
      backLink(),
      h('h1', { tabindex: '-1' }, 'Review'),
      notice(
        'error',
        err instanceof ApiError && err.status === 404
          ? 'This review was not found. It may have been removed.'
          : err instanceof ApiError
            ? err.message
            : String(err),
      ),
    );
    return;
  }
  if (!current()) return;
  const heading = h('h1', { tabindex: '-1', testid: 'review-heading' }, `${kindLabel(review.kind)} review`);
  const { referral } = review.evidence;
  const continuation = review.kind === 'CONTINUATION';
  const evidence = [
    recommendationSection(review),
    appealSection(review),
    informationSection(review),
    continuation ? visitsSection(review) : null,
    criteriaSection(review, referral),
    requestSection(review.evidence.request),
    linesSection(referral),
    authorizationSection(referral),
    !continuation && referral.visits?.length ? visitsSection(review) : null,
    historySection(referral),
  ];
  fill(
    main,
    backLink(),
    heading,
    summaryFacts(review),
    review.escalated && review.status === 'OPEN'
      ? notice(
          'warn',
          review.overdue
            ? 'This review is past its due time and has been escalated. Please decide it now.'
            : 'This review has been escalated.',
          'escalation-notice',
        )
      : null,
    h(
      'div',
      { class: 'review-layout' },
      h('div', { class: 'evidence' }, evidence),
      h('aside', { 'aria-labelledby': 'decision-heading' }, decisionSection(review)),
    ),
  );
  if (focus) heading.focus();
}

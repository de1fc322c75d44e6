/**
 * The console's browser code: vanilla JavaScript run as one inline module (no build step, no
 * third-party code). It expects a `DATA` constant (see reason-texts.ts) defined before it.
 *
 * Rules it keeps: every string from the API goes into the page through textContent or an
 * attribute, never as markup; no inline event handlers (the CSP forbids them); member data never
 * goes into the URL or the document title (routes carry review ids only).
 *
 * Written as a raw string (no template literals or `${` inside), so it reaches the browser as is.
 */
export const CONSOLE_SCRIPT = String.raw`
'use strict';
const TOKEN_KEY = 'reviewer-console.token';
const QUEUE_REFRESH_MS = 30000;
const base = location.pathname.replace(/\/console\/?$/, '');
const REASONS = new Map(DATA.reasons.map((r) => [r.code, r]));
const CRITERIA = new Map(DATA.criteria.map((c) => [c.id, c]));
const DEMO_REVIEWERS = [
  { sub: 'rev-md-1', credential: 'MD', label: 'Dr. Demo Reviewer (MD)' },
  { sub: 'rev-pt-1', credential: 'PT', label: 'Demo Physical Therapist (PT)' },
];
const OUTCOME_LABELS = { APPROVE: 'Approve', DENY: 'Deny', CONTINUE: 'Continue visits', STOP: 'Stop visits' };
const NEEDS_JUSTIFICATION = ['DENY', 'STOP'];
const KIND_LABELS = { INITIAL: 'Initial', CONTINUATION: 'Continuation' };

const main = document.getElementById('main');
const live = document.getElementById('live');
const state = { localTokens: undefined, signinMessage: '', queueTimer: 0, queueCount: -1, renderId: 0 };

// ---------- DOM helpers (text only: never markup from data) ----------
function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
    else node.appendChild(child);
  }
  return node;
}
function fill(node, ...children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return append(node, children);
}
function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'testid') node.setAttribute('data-testid', value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (key === 'props') Object.assign(node, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  return node;
}
function h(tag, attrs, ...children) {
  return append(setAttrs(document.createElement(tag), attrs), children);
}
const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}
function announce(message) {
  live.textContent = '';
  window.setTimeout(() => { live.textContent = message; }, 50);
}
function show(node, visible) { node.hidden = !visible; }

// ---------- formatting ----------
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
function localTime(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : dateTimeFormat.format(new Date(t));
}
function duration(ms) {
  const mins = Math.round(ms / 60000);
  if (mins < 60) return mins + ' min';
  const hours = Math.floor(mins / 60);
  if (hours < 48) return hours + ' h' + (hours < 10 && mins % 60 ? ' ' + (mins % 60) + ' min' : '');
  const days = Math.floor(hours / 24);
  return days + ' d' + (hours % 24 ? ' ' + (hours % 24) + ' h' : '');
}
function dueRelative(iso) {
  const diff = Date.parse(iso) - Date.now();
  if (Number.isNaN(diff)) return { text: '', late: false };
  return diff >= 0 ? { text: 'in ' + duration(diff), late: false } : { text: duration(-diff) + ' overdue', late: true };
}
function num(n) { return String(Math.round(Number(n) * 100) / 100); }
function words(code) { return String(code || '').toLowerCase().replace(/_/g, ' '); }
function reasonTitle(code) { const r = REASONS.get(code); return r ? r.title : words(code); }
function dueCell(item, testid) {
  const rel = dueRelative(item.dueAt);
  return [
    h('time', { datetime: item.dueAt }, localTime(item.dueAt)),
    rel.text ? h('span', { class: rel.late ? 'rel late' : 'rel' }, rel.text) : null,
    flags(item, testid),
  ];
}
function flags(item, testid) {
  const out = [];
  if (item.overdue) out.push(h('span', { class: 'badge overdue', testid: testid ? 'badge-overdue-' + testid : null }, 'OVERDUE'));
  if (item.escalated) out.push(h('span', { class: 'badge escalated', testid: testid ? 'badge-escalated-' + testid : null }, 'ESCALATED'));
  return out;
}
function reasonList(codes) {
  if (!codes || codes.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('ul', { class: 'plain' }, codes.map((c) => h('li', null, h('span', { class: 'code' }, c), ' ', reasonTitle(c))));
}
function policyQuote(policy) {
  if (!policy) return null;
  return h('blockquote', { class: 'policy' }, h('p', null, policy.text), h('footer', null, '— ', h('cite', null, policy.source)));
}
function listOrNone(items, render) {
  if (!items || items.length === 0) return h('span', { class: 'muted' }, 'none given');
  return h('ul', null, items.map((x) => h('li', null, render ? render(x) : String(x))));
}
function facts(rows, testid) {
  const dl = h('dl', { class: 'facts', testid });
  for (const [label, value] of rows) {
    if (value === undefined) continue;
    dl.appendChild(h('dt', null, label));
    dl.appendChild(h('dd', null, value === null || value === '' ? h('span', { class: 'muted' }, 'not given') : value));
  }
  return dl;
}
function table(caption, headers, rows, attrs) {
  // Each cell names its column, so narrow screens can show rows as stacked cards.
  for (const tr of rows) Array.from(tr.children).forEach((cell, i) => {
    if (!cell.hasAttribute('data-label') && headers[i]) cell.setAttribute('data-label', headers[i]);
  });
  return h('div', { class: 'table-wrap' },
    h('table', attrs || null,
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)));
}

// ---------- session ----------
function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
let memoryToken = '';
function setToken(token) {
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* private mode: the session lasts the page */ }
  memoryToken = token;
}
function token() { return getToken() || memoryToken; }
function clearToken() {
  memoryToken = '';
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
}
function claims(jwt) {
  try {
    const part = jwt.split('.')[1] || '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const c = JSON.parse(json);
    return c && typeof c === 'object' ? c : {};
  } catch { return {}; }
}
function updateHeader() {
  const who = document.getElementById('who');
  const signout = document.getElementById('signout');
  const queueLink = document.getElementById('nav-queue');
  const t = token();
  if (!t) {
    who.textContent = 'Not signed in';
    show(signout, false);
    show(queueLink.parentElement, false);
    return;
  }
  const c = claims(t);
  const id = typeof c.sub === 'string' ? c.sub : 'reviewer';
  const cred = typeof c['custom:credential'] === 'string' ? ' (' + c['custom:credential'] + ')' : '';
  who.textContent = 'Signed in as ' + id + cred;
  show(signout, true);
  show(queueLink.parentElement, true);
}
function signOut(message) {
  clearToken();
  state.signinMessage = message || '';
  stopQueueTimer();
  updateHeader();
  if (location.hash !== '#/signin') location.hash = '#/signin';
  else route();
}

// ---------- API ----------
class ApiError extends Error {
  constructor(status, body, handled) {
    const err = body && body.error ? body.error : {};
    super(err.message || ('The API answered ' + status + '.'));
    this.status = status;
    this.code = err.code || '';
    this.details = Array.isArray(err.details) ? err.details : [];
    this.handled = Boolean(handled);
  }
}
async function api(method, path, body, options) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t && !(options && options.anonymous)) headers.authorization = 'Bearer ' + t;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, { error: { code: 'NETWORK', message: 'The API could not be reached. Check the connection and try again.' } });
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (res.status === 401 && !(options && options.anonymous)) {
    signOut('You were signed out: the API did not accept your sign-in (it may have expired). Please sign in again.');
    throw new ApiError(401, json, true);
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}
function errorNotice(err, testid) {
  const msg = err instanceof ApiError ? err.message : 'Something went wrong: ' + String(err && err.message ? err.message : err);
  return h('div', { class: 'notice error', role: 'alert', testid: testid || 'load-error' }, msg);
}

// ---------- routing ----------
function stopQueueTimer() {
  if (state.queueTimer) window.clearInterval(state.queueTimer);
  state.queueTimer = 0;
}
function view(nodes, focusHeading) {
  state.renderId += 1;
  fill(main, ...nodes);
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    if (focusHeading) h1.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
  return state.renderId;
}
let firstRoute = true;
function route() {
  stopQueueTimer();
  updateHeader();
  const focus = !firstRoute;
  firstRoute = false;
  const hash = location.hash;
  if (!token()) { renderSignin(focus); return; }
  const m = /^#\/reviews\/([^/?#]+)$/.exec(hash);
  if (m) { renderReview(decodeURIComponent(m[1]), focus); return; }
  if (hash !== '#/queue') { history.replaceState(null, '', '#/queue'); }
  renderQueue(focus);
}

// ---------- sign-in ----------
async function detectLocalTokens() {
  if (state.localTokens !== undefined) return state.localTokens;
  try {
    // An empty body: the local stack answers 422 (it validates the body); API Gateway has no such route.
    await api('POST', '/_local/token', {}, { anonymous: true });
    state.localTokens = true;
  } catch (err) {
    state.localTokens = err instanceof ApiError && (err.status === 400 || err.status === 422);
  }
  return state.localTokens;
}
function renderSignin(focus) {
  const message = state.signinMessage;
  state.signinMessage = '';
  const localSection = h('section', { class: 'card', 'aria-labelledby': 'demo-heading', 'aria-busy': 'true' },
    h('h2', { id: 'demo-heading' }, 'Demo reviewers'),
    h('p', { class: 'muted' }, 'Checking whether this is the local stack…'));
  const tokenInput = h('textarea', { id: 'token-input', rows: 4, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-hint token-error', testid: 'signin-token' });
  const tokenError = h('p', { id: 'token-error', class: 'field-error', role: 'alert', hidden: true, testid: 'signin-token-error' });
  const tokenForm = h('form', { novalidate: true, on: { submit: (e) => {
    e.preventDefault();
    const value = tokenInput.value.trim();
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value)) {
      tokenError.textContent = 'Paste the whole ID token: three parts separated by dots.';
      show(tokenError, true);
      tokenInput.setAttribute('aria-invalid', 'true');
      tokenInput.focus();
      return;
    }
    setToken(value);
    announce('Signed in.');
    location.hash = '#/queue';
    route();
  } } },
    h('div', { class: 'field' },
      h('label', { class: 'block', for: 'token-input' }, 'ID token'),
      h('p', { class: 'hint', id: 'token-hint' }, 'From the health plan\u2019s sign-in (Cognito). It is kept for this browser tab only.'),
      tokenInput, tokenError),
    h('button', { type: 'submit', class: 'primary', testid: 'signin-token-submit' }, 'Sign in with this token'));
  view([
    h('h1', null, 'Sign in'),
    message ? h('div', { class: 'notice warn', role: 'alert', testid: 'signin-message' }, message) : null,
    h('p', null, 'Sign in as a clinical reviewer to work the queue of prior-authorization reviews.'),
    h('div', { class: 'signin-grid' },
      localSection,
      h('section', { class: 'card', 'aria-labelledby': 'paste-heading' }, h('h2', { id: 'paste-heading' }, 'Paste an ID token'), tokenForm)),
  ], focus);
  detectLocalTokens().then((local) => {
    localSection.removeAttribute('aria-busy');
    if (!local) {
      fill(localSection, h('h2', { id: 'demo-heading' }, 'Demo reviewers'),
        h('p', { class: 'muted' }, 'Demo sign-in is available on the local stack only. Here, paste an ID token.'));
      return;
    }
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true, testid: 'signin-error' });
    fill(localSection, 
      h('h2', { id: 'demo-heading' }, 'Demo reviewers (local stack)'),
      h('p', { class: 'muted' }, 'Choose who you are signing in as.'),
      h('ul', { class: 'plain reviewer-list' }, DEMO_REVIEWERS.map((r) => h('li', null,
        h('button', { type: 'button', testid: 'signin-reviewer-' + r.sub, on: { click: async (e) => {
          const button = e.currentTarget;
          button.disabled = true;
          show(error, false);
          try {
            const answer = await api('POST', '/_local/token', { role: 'reviewer', sub: r.sub, credential: r.credential }, { anonymous: true });
            setToken(answer.token);
            announce('Signed in as ' + r.label + '.');
            location.hash = '#/queue';
            route();
          } catch (err) {
            button.disabled = false;
            error.textContent = 'Sign-in failed: ' + err.message;
            show(error, true);
          }
        } } }, r.label, h('span', { class: 'sub' }, r.sub + ' · credential ' + r.credential))))),
      error);
  });
}

// ---------- queue ----------
function renderQueue(focus) {
  const updated = h('span', { class: 'muted', testid: 'queue-updated' }, '');
  const body = h('div', { testid: 'queue' }, h('p', { class: 'muted' }, 'Loading open reviews…'));
  const refresh = h('button', { type: 'button', testid: 'queue-refresh', on: { click: () => loadQueue(body, updated, 'manual') } }, 'Refresh');
  const id = view([
    h('h1', null, 'Open reviews'),
    h('div', { class: 'toolbar' }, refresh, updated),
    body,
  ], focus);
  loadQueue(body, updated, 'first');
  state.queueTimer = window.setInterval(() => {
    if (state.renderId !== id) { stopQueueTimer(); return; }
    loadQueue(body, updated, 'auto');
  }, QUEUE_REFRESH_MS);
}
async function loadQueue(body, updated, why) {
  const id = state.renderId;
  let data;
  try {
    data = await api('GET', '/reviews?status=open');
  } catch (err) {
    if (err.handled || state.renderId !== id) return;
    if (err.status === 403) {
      fill(body, h('div', { class: 'notice error', role: 'alert', testid: 'load-error' },
        'This sign-in is not a clinical reviewer\u2019s, so the queue cannot be shown. Sign out and sign in as a reviewer.'));
    } else {
      fill(body, errorNotice(err));
    }
    return;
  }
  if (state.renderId !== id) return;
  const items = (data && data.items) || [];
  // Keep keyboard focus where it was across an automatic refresh.
  const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.getAttribute('data-testid') : null;
  if (items.length === 0) {
    fill(body, h('p', { class: 'card', testid: 'queue-empty' }, 'No open reviews. The queue refreshes every 30 seconds.'));
  } else {
    const rows = items.map((item) => {
      const link = h('a', { class: 'button', href: '#/reviews/' + encodeURIComponent(item.reviewId), testid: 'open-review-' + item.reviewId },
        'Open', h('span', { class: 'sr-only' }, ' ' + (KIND_LABELS[item.kind] || item.kind).toLowerCase() + ' review ' + item.reviewId));
      return h('tr', { testid: 'queue-row-' + item.reviewId, class: item.overdue || item.escalated ? 'flagged' : null },
        h('th', { scope: 'row', 'data-label': 'Due' }, dueCell(item, item.reviewId)),
        h('td', { 'data-label': 'Kind' }, h('span', { class: 'badge kind' }, (KIND_LABELS[item.kind] || item.kind).toUpperCase())),
        h('td', { 'data-label': 'Referral' }, h('span', { class: 'mono' }, item.referralId)),
        h('td', { 'data-label': 'Recommendation' }, item.recommendation ? h('strong', null, item.recommendation) : h('span', { class: 'muted' }, 'none')),
        h('td', { 'data-label': 'Reasons' }, reasonList(item.reasons)),
        h('td', { 'data-label': 'Review' }, link));
    });
    fill(body, table(items.length + (items.length === 1 ? ' open review' : ' open reviews') + ', soonest due first',
      ['Due', 'Kind', 'Referral', 'Recommendation', 'Reasons', 'Review'], rows, { testid: 'queue-table', class: 'queue' }));
  }
  updated.textContent = 'Updated ' + timeFormat.format(new Date()) + ' · refreshes every 30 s';
  if (focused) {
    const again = body.querySelector('[data-testid="' + CSS.escape(focused) + '"]');
    if (again) again.focus();
  }
  if (why === 'manual' || (why === 'auto' && items.length !== state.queueCount)) {
    announce('Queue updated: ' + items.length + (items.length === 1 ? ' open review.' : ' open reviews.'));
  }
  state.queueCount = items.length;
}

// ---------- review ----------
async function renderReview(reviewId, focus) {
  const id = view([
    h('p', null, h('a', { href: '#/queue', testid: 'back-to-queue' }, '\u2190 Back to open reviews')),
    h('h1', null, 'Review'),
    h('p', { class: 'muted', testid: 'review-loading' }, 'Loading the review…'),
  ], focus);
  let review;
  try {
    review = await api('GET', '/reviews/' + encodeURIComponent(reviewId));
  } catch (err) {
    if (err.handled || state.renderId !== id) return;
    fill(main, 
      h('p', null, h('a', { href: '#/queue', testid: 'back-to-queue' }, '\u2190 Back to open reviews')),
      h('h1', { tabindex: '-1' }, 'Review'),
      err.status === 404 ? h('div', { class: 'notice error', role: 'alert', testid: 'load-error' }, 'This review was not found. It may have been removed.') : errorNotice(err));
    return;
  }
  if (state.renderId !== id) return;
  const heading = h('h1', { tabindex: '-1', testid: 'review-heading' }, (KIND_LABELS[review.kind] || review.kind) + ' review');
  const referral = (review.evidence && review.evidence.referral) || {};
  const request = (review.evidence && review.evidence.request) || {};
  const evidence = [
    recommendationSection(review),
    review.kind === 'CONTINUATION' ? visitsSection(review, request, referral) : null,
    criteriaSection(review, referral),
    requestSection(request),
    linesSection(referral),
    authorizationSection(referral),
    review.kind !== 'CONTINUATION' && referral.visits && referral.visits.length ? visitsSection(review, request, referral) : null,
    historySection(referral),
  ];
  fill(main, 
    h('p', null, h('a', { href: '#/queue', testid: 'back-to-queue' }, '\u2190 Back to open reviews')),
    heading,
    summaryFacts(review, request),
    review.escalated && review.status === 'OPEN'
      ? h('div', { class: 'notice warn', role: 'note', testid: 'escalation-notice' },
          review.overdue ? 'This review is past its due time and has been escalated. Please decide it now.' : 'This review has been escalated.')
      : null,
    h('div', { class: 'review-layout' },
      h('div', { class: 'evidence' }, evidence),
      h('aside', { 'aria-labelledby': 'decision-heading' }, decisionSection(review))));
  if (focus) heading.focus();
}
function summaryFacts(review, request) {
  const pairs = [
    ['Review', h('span', { class: 'mono', testid: 'review-id' }, review.reviewId)],
    ['Referral', h('span', { class: 'mono', testid: 'referral-id' }, review.referralId)],
    ['Status', h('span', { testid: 'review-status' }, review.status)],
    ['Due', h('span', null, dueCell(review, 'review'))],
    ['Urgency', request.urgency || 'not given'],
  ];
  return h('dl', { class: 'card facts-inline', testid: 'review-summary' },
    pairs.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))));
}
function recommendationSection(review) {
  const rec = review.recommendation;
  const reasons = review.reasons || [];
  return h('section', { class: 'card recommendation', 'aria-labelledby': 'rec-heading', testid: 'recommendation' },
    h('h2', { id: 'rec-heading' }, 'Recommendation'),
    h('p', { class: 'verdict ' + String(rec || 'none').toLowerCase(), testid: 'recommendation-value' }, rec || 'No recommendation'),
    h('p', { class: 'muted' }, rec
      ? 'The software recommends; it never denies or stops on clinical grounds. You decide.'
      : 'The software made no recommendation. You decide.'),
    reasons.map((code) => {
      const entry = (review.reasonTexts && review.reasonTexts[code]) || REASONS.get(code);
      return h('article', { class: 'reason', testid: 'reason-' + code, 'aria-label': 'Reason ' + code },
        h('h3', null, entry ? entry.title : words(code), ' ', h('span', { class: 'code' }, code)),
        entry ? h('p', null, entry.sentence) : null,
        entry ? policyQuote(entry.policy) : null);
    }));
}
function criterionPolicy(criterion, reasons) {
  const info = CRITERIA.get(criterion.id);
  if (!info) return { code: null, entry: null };
  const present = info.codes.filter((c) => reasons.has(c));
  const entries = info.codes.map((c) => REASONS.get(c)).filter(Boolean);
  let entry;
  if (criterion.met === false) {
    entry = REASONS.get(present.find((c) => REASONS.get(c).kind !== 'approval')) || entries.find((e) => e.kind !== 'approval') || entries[0];
    return { entry, reason: Boolean(entry && reasons.has(entry.code)) };
  }
  entry = REASONS.get(present[0]) || entries.find((e) => e.kind === 'approval') || entries[0];
  return { entry, reason: Boolean(entry && reasons.has(entry.code) && entry.kind === 'approval') };
}
function resultMarker(met) {
  if (met === true) return h('span', { class: 'result met' }, '\u2713 Met');
  if (met === false) return h('span', { class: 'result notmet' }, '\u2717 Not met');
  return h('span', { class: 'result unknown' }, '? Unknown');
}
function criteriaSection(review, referral) {
  const criteria = referral.criteria || [];
  const reasons = new Set([...(review.reasons || []), ...(referral.reasons || [])]);
  for (const line of referral.lines || []) for (const r of line.reasons || []) reasons.add(r);
  const counts = { met: 0, notmet: 0, unknown: 0 };
  const rows = criteria.map((c) => {
    counts[c.met === true ? 'met' : c.met === false ? 'notmet' : 'unknown'] += 1;
    const info = CRITERIA.get(c.id);
    const { entry, reason } = criterionPolicy(c, reasons);
    return h('tr', { testid: 'criterion-' + c.id, class: c.met === false && reason ? 'crit-notmet' : null },
      h('th', { scope: 'row' }, info ? info.name : c.id, h('br'), h('span', { class: 'code' }, c.id)),
      h('td', { testid: 'criterion-' + c.id + '-result' }, resultMarker(c.met)),
      h('td', null,
        h('p', { class: 'evidence', testid: 'criterion-' + c.id + '-evidence' }, c.evidence),
        entry
          ? h('div', { class: 'crit-policy', testid: 'criterion-' + c.id + '-policy' },
              reason ? h('p', { class: 'why' }, h('span', { class: 'code' }, entry.code), ' ', entry.sentence) : null,
              policyQuote(entry.policy))
          : null));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'criteria-heading', testid: 'criteria' },
    h('h2', { id: 'criteria-heading' }, review.kind === 'CONTINUATION' ? 'Criteria at the initial determination' : 'Criteria, one by one'),
    criteria.length === 0
      ? h('p', { class: 'muted' }, 'No criteria were recorded for this referral.')
      : [
          h('p', { class: 'muted', testid: 'criteria-counts' }, counts.met + ' met, ' + counts.notmet + ' not met, ' + counts.unknown + ' unknown or not applicable.'),
          table(null, ['Criterion', 'Finding', 'Evidence, and the policy it rests on'], rows, { class: 'criteria' }),
        ]);
}
function requestSection(request) {
  const c = request.clinical || {};
  const measures = c.outcomeMeasures || [];
  const measureTable = measures.length === 0
    ? h('span', { class: 'muted' }, 'none named')
    : table(null, ['Instrument', 'Baseline', 'Goal', 'Scale', 'MCID'], measures.map((m, i) => {
        const inst = DATA.instruments[m.instrument];
        return h('tr', null,
          h('th', { scope: 'row' }, m.instrument, i === 0 ? h('span', { class: 'tag' }, 'primary') : null),
          h('td', null, num(m.score)),
          h('td', null, m.goal === undefined ? h('span', { class: 'muted' }, 'none') : num(m.goal)),
          h('td', null, inst ? inst.min + '–' + inst.max + ', ' + inst.better + ' is better' : ''),
          h('td', null, inst ? num(inst.mcid) : ''));
      }));
  const ti = c.terminalIllness || {};
  const poc = c.planOfCare;
  return h('section', { class: 'card', 'aria-labelledby': 'request-heading', testid: 'clinical-request' },
    h('h2', { id: 'request-heading' }, 'Clinical request'),
    facts([
      ['Member ID', h('span', { class: 'mono' }, request.memberId || '')],
      ['Start date', request.startDate || null],
      ['Visits requested', request.requestedVisits === undefined ? null : String(request.requestedVisits)],
      ['Diagnoses', listOrNone(request.diagnoses, (d) => h('span', { class: 'code' }, d.code))],
      ['Rendering provider NPI', h('span', { class: 'mono' }, request.renderingProviderNpi || '')],
      ['Ordering provider NPI', h('span', { class: 'mono' }, request.orderingProviderNpi || '')],
      ['Purpose', c.purpose || null],
      ['Objective findings', listOrNone(c.objectiveFindings)],
      ['Functional limitations', listOrNone(c.functionalLimitations)],
      ['Therapeutic benefit', c.therapeuticBenefit || null],
      ['Expected improvement', c.expectedImprovement && c.expectedImprovement.withinWeeks !== undefined
        ? h('span', { testid: 'expected-improvement' }, 'within ' + c.expectedImprovement.withinWeeks + ' weeks')
        : null],
      ['Terminal illness', ti.terminal ? (ti.comfortCare ? 'yes, therapy for comfort' : 'yes') : 'no'],
      ['Contraindications', listOrNone(c.contraindications)],
      ['Outcome measures', measureTable],
      ['Plan of care', poc ? h('span', null, 'certified ' + poc.certifiedOn + ' by NPI ', h('span', { class: 'mono' }, poc.certifiedByNpi)) : null],
    ]));
}
function linesSection(referral) {
  const lines = referral.lines || [];
  return h('section', { class: 'card', 'aria-labelledby': 'lines-heading', testid: 'lines' },
    h('h2', { id: 'lines-heading' }, 'Requested services'),
    lines.length === 0 ? h('p', { class: 'muted' }, 'No lines recorded.') : table(null,
      ['Code', 'Units per visit', 'Line status', 'Reasons', 'Separately payable'],
      lines.map((l) => h('tr', { testid: 'line-' + l.cpt },
        h('th', { scope: 'row' }, h('span', { class: 'code' }, l.cpt)),
        h('td', null, String(l.unitsPerVisit)),
        h('td', null, l.status),
        h('td', null, reasonList(l.reasons)),
        h('td', null, l.separatelyPayable ? 'yes' : 'no (bundled)')))));
}
function authorizationSection(referral) {
  const a = referral.authorization;
  if (!a) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'auth-heading', testid: 'authorization' },
    h('h2', { id: 'auth-heading' }, 'Authorization'),
    facts([
      ['Status', h('strong', null, a.status)],
      ['Basis', a.basis === 'A' ? 'criteria A' : a.basis === 'B' ? 'criterion B (comfort care)' : a.basis || null],
      ['Visits', a.visitsAuthorized + ' authorized of ' + a.visitsRequested + ' requested; ' + a.visitsUsed + ' used, ' + a.visitsRemaining + ' left'],
      ['Valid', a.validFrom + ' to ' + a.validTo],
      ['Codes', listOrNone(a.approvedCpts, (c) => h('span', { class: 'code' }, c))],
      ['Latest reasons', reasonList(a.reasons)],
    ]));
}
function primarySeries(measure, visits) {
  const points = [{ x: 0, y: measure.score, label: 'baseline' }];
  for (const v of visits) {
    const reports = (v.outcomeMeasures || []).filter((m) => m.instrument === measure.instrument);
    const last = reports[reports.length - 1];
    if (last) points.push({ x: v.visitNumber, y: last.score, label: 'visit ' + v.visitNumber });
  }
  return points;
}
function niceStep(range) {
  for (const step of [0.5, 1, 2, 5, 10, 20, 25, 50]) if (range / step <= 6) return step;
  return Math.ceil(range / 5);
}
function progressChart(measure, visits, authorized) {
  const inst = DATA.instruments[measure.instrument];
  if (!inst) return h('p', { class: 'muted' }, 'Unknown instrument ' + measure.instrument + '.');
  const lower = inst.better === 'lower';
  const threshold = lower ? measure.score - inst.mcid : measure.score + inst.mcid;
  const thresholdShown = Math.min(inst.max, Math.max(inst.min, threshold));
  const points = primarySeries(measure, visits);
  const lastVisit = visits.reduce((m, v) => Math.max(m, v.visitNumber || 0), 0);
  const xMax = Math.max(4, lastVisit, authorized || 0);
  const W = 660, H = 300, L = 54, R = 158, T = 16, B = 46;
  const pw = W - L - R, ph = H - T - B;
  const X = (x) => L + (x / xMax) * pw;
  const Y = (y) => T + ph - ((y - inst.min) / (inst.max - inst.min)) * ph;
  const svg = s('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-title', testid: 'progress-chart' });
  const latest = points[points.length - 1];
  const change = lower ? measure.score - latest.y : latest.y - measure.score;
  const summary = measure.instrument + ' (scale ' + inst.min + ' to ' + inst.max + ', ' + inst.better + ' is better). Baseline ' + num(measure.score) +
    (measure.goal === undefined ? ', no goal set' : ', goal ' + num(measure.goal)) +
    '. Meaningful improvement (MCID ' + num(inst.mcid) + ') means ' + num(threshold) + (lower ? ' or lower' : ' or higher') + '. ' +
    (points.length === 1 ? 'No visit has reported it yet.'
      : 'Reported: ' + points.slice(1).map((p) => 'visit ' + p.x + ': ' + num(p.y)).join(', ') + '. Latest ' + num(latest.y) +
        ' is ' + num(Math.abs(change)) + ' points ' + (change >= 0 ? 'better' : 'worse') + ' than baseline, ' +
        (change >= inst.mcid - 1e-9 ? 'a meaningful improvement.' : 'less than the MCID.'));
  svg.setAttribute('aria-label', summary);
  svg.appendChild(s('title', { id: 'chart-title' }, summary));
  // grid and y axis
  const step = niceStep(inst.max - inst.min);
  for (let v = inst.min; v <= inst.max + 1e-9; v += step) {
    svg.appendChild(s('line', { class: 'grid', x1: L, x2: L + pw, y1: Y(v), y2: Y(v) }));
    svg.appendChild(s('text', { x: L - 8, y: Y(v) + 4, 'text-anchor': 'end' }, num(v)));
  }
  for (let x = 0; x <= xMax; x += xMax > 16 ? 2 : 1) {
    svg.appendChild(s('line', { class: 'axis', x1: X(x), x2: X(x), y1: T + ph, y2: T + ph + 5 }));
    svg.appendChild(s('text', { x: X(x), y: T + ph + 18, 'text-anchor': 'middle' }, x === 0 ? 'Base' : String(x)));
  }
  svg.appendChild(s('line', { class: 'axis', x1: L, x2: L, y1: T, y2: T + ph }));
  svg.appendChild(s('line', { class: 'axis', x1: L, x2: L + pw, y1: T + ph, y2: T + ph }));
  svg.appendChild(s('text', { x: L + pw / 2, y: H - 6, 'text-anchor': 'middle' }, 'Visit number (Base = the referral\u2019s baseline)'));
  svg.appendChild(s('text', { x: 14, y: T + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + ph / 2) + ')' },
    measure.instrument + ' score (' + inst.better + ' is better)'));
  // the band of change smaller than the MCID, between baseline and threshold
  const bandTop = Math.min(Y(measure.score), Y(thresholdShown));
  svg.appendChild(s('rect', { class: 'band', x: L, y: bandTop, width: pw, height: Math.abs(Y(measure.score) - Y(thresholdShown)) }));
  const labels = [];
  const hline = (cls, y, text) => {
    svg.appendChild(s('line', { class: cls, x1: L, x2: L + pw, y1: Y(y), y2: Y(y) }));
    labels.push({ y: Y(y), text, cls });
  };
  hline('baseline', measure.score, 'Baseline ' + num(measure.score));
  if (threshold >= inst.min && threshold <= inst.max) hline('mcid', threshold, 'MCID threshold ' + num(threshold));
  if (measure.goal !== undefined) hline('goal', measure.goal, 'Goal ' + num(measure.goal));
  // Right-hand labels, nudged apart so they never overlap.
  labels.sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) if (labels[i].y - labels[i - 1].y < 14) labels[i].y = labels[i - 1].y + 14;
  for (const l of labels) svg.appendChild(s('text', { x: L + pw + 8, y: l.y + 4, class: 'label-' + l.cls }, l.text));
  // the reported scores
  if (points.length > 1) {
    svg.appendChild(s('polyline', { class: 'series', points: points.map((p) => X(p.x) + ',' + Y(p.y)).join(' ') }));
  }
  for (const p of points) {
    svg.appendChild(s('circle', { class: p.x === 0 ? 'point base' : 'point', cx: X(p.x), cy: Y(p.y), r: 4.5 },
      s('title', null, (p.x === 0 ? 'Baseline' : 'Visit ' + p.x) + ': ' + num(p.y))));
  }
  const rows = points.map((p) => {
    const d = lower ? measure.score - p.y : p.y - measure.score;
    return h('tr', null,
      h('th', { scope: 'row' }, p.x === 0 ? 'Baseline' : 'Visit ' + p.x),
      h('td', null, num(p.y)),
      h('td', null, p.x === 0 ? '' : (d >= 0 ? '+' : '') + num(d)),
      h('td', null, p.x === 0 ? '' : d >= inst.mcid - 1e-9 ? 'yes' : 'no'));
  });
  return h('figure', { class: 'chart-wrap' },
    h('div', { class: 'chart-scroll' }, svg),
    h('figcaption', { class: 'hint' }, 'Blue line: reported scores (open circle: the baseline). Shaded: change smaller than the MCID (' + num(inst.mcid) + ' points). Dashed: the meaningful-improvement threshold. Dotted: the goal.'),
    h('details', null, h('summary', null, 'Scores as a table'),
      table(measure.instrument + ' scores (improvement counts in the better direction)', ['When', 'Score', 'Change from baseline', 'At least the MCID'], rows, { testid: 'progress-table' })));
}
function billingText(billing) {
  const lines = (billing && billing.lines) || [];
  if (lines.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('ul', { class: 'plain' }, lines.map((l) => h('li', null,
    h('span', { class: 'code' }, l.cpt), ' \u00d7' + l.units + (l.minutes !== undefined ? ' (' + l.minutes + ' min)' : ''),
    l.modifiers && l.modifiers.length ? ' mod ' + l.modifiers.join(', ') : '',
    l.separatelyPayable === false ? ' · not separately payable' : '',
    (l.edits || []).map((e) => h('span', { class: 'badge escalated' }, e)))));
}
function visitsSection(review, request, referral) {
  const visits = (referral.visits || []).slice().sort((a, b) => a.visitNumber - b.visitNumber);
  const measures = (request.clinical && request.clinical.outcomeMeasures) || [];
  const primary = measures[0];
  const auth = referral.authorization;
  const rows = visits.map((v) => {
    const rr = v.reReview;
    return h('tr', { testid: 'visit-' + v.visitNumber, class: v.visitId === review.visitId ? 'current' : null },
      h('th', { scope: 'row' }, String(v.visitNumber), v.visitId === review.visitId ? h('span', { class: 'tag' }, 'this review') : null),
      h('td', { class: 'nowrap' }, v.date),
      h('td', null, billingText(v.billing)),
      h('td', null, v.outcomeMeasures && v.outcomeMeasures.length
        ? v.outcomeMeasures.map((m) => m.instrument + ' ' + num(m.score)).join(', ')
        : h('span', { class: 'muted' }, 'none reported')),
      h('td', null, rr ? [h('strong', null, rr.action), rr.reasons && rr.reasons.length ? reasonList(rr.reasons) : null,
        rr.explanation ? h('p', { class: 'visually-quiet' }, rr.explanation) : null] : h('span', { class: 'muted' }, 'pending')));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'visits-heading', testid: 'visits' },
    h('h2', { id: 'visits-heading' }, 'Visits and progress'),
    primary
      ? [h('h3', null, 'Primary outcome measure: ' + primary.instrument), progressChart(primary, visits, auth ? auth.visitsAuthorized : 0)]
      : h('p', { class: 'muted' }, 'The referral names no outcome measure, so progress cannot be charted.'),
    h('h3', null, 'Visit timeline'),
    visits.length === 0 ? h('p', { class: 'muted' }, 'No visits recorded yet.')
      : table(null, ['Visit', 'Date', 'Billed (code × units)', 'Measures', 'Re-review'], rows, { testid: 'visit-timeline' }));
}
function actorText(actor) {
  if (!actor || actor === 'system') return 'system';
  return String(actor.id || '?') + (actor.credential ? ' (' + actor.credential + ')' : actor.role ? ' (' + actor.role + ')' : '');
}
function historySection(referral) {
  const history = referral.history || [];
  if (history.length === 0) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'history-heading', testid: 'history' },
    h('details', null, h('summary', null, h('h2', { id: 'history-heading', class: 'sr-only' }, 'History'), 'History (' + history.length + ' entries)'),
      table(null, ['When', 'Who', 'Event', 'Status', 'Reasons'], history.map((e) => h('tr', null,
        h('th', { scope: 'row' }, h('time', { datetime: e.at }, localTime(e.at))),
        h('td', null, actorText(e.actor)),
        h('td', null, words(e.event)),
        h('td', null, e.status || ''),
        h('td', null, e.reasons ? reasonList(e.reasons) : ''))))));
}

// ---------- decision ----------
function decisionSection(review) {
  const section = h('section', { class: 'card', testid: 'decision' }, h('h2', { id: 'decision-heading' }, 'Your decision'));
  if (review.status !== 'OPEN') {
    const d = review.decision || {};
    section.classList.add('decided');
    append(section, [
      h('p', { testid: 'decision-existing' }, 'Decided: ', h('strong', null, d.outcome || 'unknown'),
        d.reviewer ? ' by ' + actorText(d.reviewer) : '', d.decidedAt ? ' on ' + localTime(d.decidedAt) : ''),
      d.reasonCodes && d.reasonCodes.length ? reasonList(d.reasonCodes) : null,
      d.note ? h('blockquote', { class: 'policy' }, h('p', null, d.note)) : null,
      h('p', null, h('a', { href: '#/queue' }, 'Back to open reviews')),
    ]);
    return section;
  }
  append(section, [decisionForm(review, section)]);
  return section;
}
function fieldError(id) {
  return h('p', { id, class: 'field-error', role: 'alert', hidden: true, testid: id });
}
function decisionForm(review, section) {
  const allowed = review.allowedOutcomes || DATA.outcomes[review.kind] || [];
  const ownReasons = new Set(review.reasons || []);
  const outcomeError = fieldError('outcome-error');
  const reasonsError = fieldError('reasons-error');
  const noteError = fieldError('note-error');
  const visitsError = fieldError('visits-error');
  const summary = h('div', { class: 'form-error', role: 'alert', hidden: true, testid: 'decision-error', id: 'decision-error' });
  const radios = allowed.map((o) => h('input', { type: 'radio', name: 'outcome', value: o, id: 'outcome-' + o, testid: 'outcome-' + o, 'aria-describedby': 'outcome-error' }));
  const checkboxes = [];
  const pickable = DATA.reasons.filter((r) => r.kind !== 'reviewer');
  const checkbox = (r) => {
    const box = h('input', { type: 'checkbox', name: 'reasonCodes', value: r.code, id: 'reason-code-' + r.code, testid: 'reason-code-' + r.code, 'aria-describedby': 'reasons-hint reasons-error' });
    checkboxes.push(box);
    return h('div', { class: 'choice' }, box, h('label', { for: 'reason-code-' + r.code }, r.title, ' ', h('span', { class: 'code' }, r.code)));
  };
  const own = pickable.filter((r) => ownReasons.has(r.code));
  // Continuation reviews are about progress: those codes first.
  const groupOrder = review.kind === 'CONTINUATION'
    ? DATA.groups.filter((g) => g.kind === 'progress').concat(DATA.groups.filter((g) => g.kind !== 'progress'))
    : DATA.groups;
  const groups = [
    own.length ? h('fieldset', null, h('legend', null, 'This review\u2019s reasons'), own.map(checkbox)) : null,
    groupOrder.map((g) => {
      const entries = pickable.filter((r) => r.kind === g.kind && !ownReasons.has(r.code));
      if (entries.length === 0) return null;
      return h('details', { class: 'reason-group', testid: 'reason-group-' + g.kind },
        h('summary', null, g.label + ' (' + entries.length + ')'),
        h('fieldset', null, h('legend', { class: 'sr-only' }, g.label), entries.map(checkbox)));
    }),
  ];
  const note = h('textarea', { id: 'decision-note', name: 'note', rows: 5, maxlength: 4000, testid: 'decision-note', 'aria-describedby': 'note-hint note-error' });
  const noteReq = h('span', { class: 'muted', id: 'note-required' }, ' (optional)');
  const approved = h('input', { type: 'number', id: 'approved-visits', name: 'approvedVisits', min: 1, max: 52, step: 1, inputmode: 'numeric', testid: 'decision-approved-visits', 'aria-describedby': 'visits-hint visits-error' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'decision-submit' }, 'Submit decision');
  let autoSelected = false;
  const chosen = () => { const r = radios.find((x) => x.checked); return r ? r.value : ''; };
  const justify = () => NEEDS_JUSTIFICATION.includes(chosen());
  function onOutcome() {
    const o = chosen();
    const needs = justify();
    noteReq.textContent = needs ? ' (required for ' + OUTCOME_LABELS[o].toLowerCase() + ')' : ' (optional)';
    note.required = needs;
    approved.disabled = needs;
    if (needs && !checkboxes.some((b) => b.checked)) {
      let any = false;
      for (const b of checkboxes) if (ownReasons.has(b.value) && REASONS.get(b.value).kind !== 'approval') { b.checked = true; any = true; }
      autoSelected = any;
      if (any) announce('Selected this review\u2019s reason codes. Change them if needed.');
    } else if (!needs && autoSelected) {
      for (const b of checkboxes) b.checked = false;
      autoSelected = false;
    }
  }
  for (const r of radios) r.addEventListener('change', onOutcome);
  for (const b of checkboxes) b.addEventListener('change', () => { autoSelected = false; });

  function setError(controls, errorEl, message) {
    errorEl.textContent = message || '';
    show(errorEl, Boolean(message));
    for (const c of controls) {
      if (message) c.setAttribute('aria-invalid', 'true');
      else c.removeAttribute('aria-invalid');
    }
  }
  function clearErrors() {
    setError(radios, outcomeError, '');
    setError(checkboxes, reasonsError, '');
    setError([note], noteError, '');
    setError([approved], visitsError, '');
    summary.textContent = '';
    show(summary, false);
  }
  const fieldFor = {
    outcome: [radios, outcomeError],
    reasonCodes: [checkboxes, reasonsError],
    note: [[note], noteError],
    approvedVisits: [[approved], visitsError],
  };
  function showErrors(problems, headline) {
    clearErrors();
    let first = null;
    const other = [];
    for (const p of problems) {
      const key = String(p.field || '').split('.')[0];
      const target = fieldFor[key];
      if (!target) { other.push((p.field ? p.field + ': ' : '') + p.message); continue; }
      const [controls, errorEl] = target;
      setError(controls, errorEl, errorEl.textContent ? errorEl.textContent + ' ' + p.message : p.message);
      if (!first) first = controls[0];
    }
    fill(summary, h('strong', null, headline), other.length ? h('ul', null, other.map((t) => h('li', null, t))) : null);
    show(summary, true);
    if (first) {
      const group = first.closest('details');
      if (group) group.open = true;
      first.focus();
    } else summary.focus();
  }
  function validate() {
    const problems = [];
    const o = chosen();
    const codes = checkboxes.filter((b) => b.checked).map((b) => b.value);
    if (!o) problems.push({ field: 'outcome', message: 'Choose an outcome.' });
    if (justify()) {
      if (codes.length === 0) problems.push({ field: 'reasonCodes', message: 'A ' + OUTCOME_LABELS[o].toLowerCase() + ' needs at least one reason code.' });
      if (!note.value.trim()) problems.push({ field: 'note', message: 'A ' + OUTCOME_LABELS[o].toLowerCase() + ' needs a note explaining it.' });
    }
    if (codes.length > 10) problems.push({ field: 'reasonCodes', message: 'Choose at most 10 reason codes.' });
    const v = approved.value.trim();
    if (!approved.disabled && v !== '' && !/^\d+$/.test(v)) problems.push({ field: 'approvedVisits', message: 'Enter a whole number of visits, 1 to 52, or leave it empty.' });
    else if (!approved.disabled && v !== '' && (Number(v) < 1 || Number(v) > 52)) problems.push({ field: 'approvedVisits', message: 'Visits to approve must be between 1 and 52.' });
    return { problems, o, codes, v };
  }
  let sending = false;
  const form = h('form', { novalidate: true, testid: 'decision-form', 'aria-describedby': 'decision-error', on: { submit: async (e) => {
    e.preventDefault();
    if (sending) return;
    const { problems, o, codes, v } = validate();
    if (problems.length) {
      showErrors(problems, 'The decision was not sent. ' + (problems.length === 1 ? 'One field needs' : problems.length + ' fields need') + ' attention.');
      return;
    }
    clearErrors();
    const body = { outcome: o, reasonCodes: codes };
    if (note.value.trim()) body.note = note.value.trim();
    if (!approved.disabled && v !== '') body.approvedVisits = Number(v);
    sending = true;
    submit.disabled = true;
    submit.textContent = 'Submitting…';
    form.setAttribute('aria-busy', 'true');
    try {
      const answer = await api('POST', '/reviews/' + encodeURIComponent(review.reviewId) + '/decision', body);
      showResult(review, answer || { outcome: o }, section);
    } catch (err) {
      sending = false;
      submit.disabled = false;
      submit.textContent = 'Submit decision';
      form.removeAttribute('aria-busy');
      if (err.handled) return;
      if (err.status === 409 && err.code === 'REVIEW_ALREADY_DECIDED') {
        clearErrors();
        submit.disabled = true;
        fill(summary, h('strong', null, 'Another reviewer decided this review.'), ' Your decision was not recorded. ',
          h('a', { href: '#/queue' }, 'Back to open reviews'));
        show(summary, true);
        summary.focus();
      } else if (err.status === 422 && err.details.length) {
        showErrors(err.details, 'The decision was refused: ' + err.message);
      } else {
        clearErrors();
        fill(summary, h('strong', null, 'The decision was not recorded.'), ' ' + err.message);
        show(summary, true);
        summary.focus();
      }
    }
  } } },
    h('fieldset', null, h('legend', null, 'Outcome (required)'),
      h('div', { class: 'outcomes' }, radios.map((r) => h('div', { class: 'choice' }, r,
        h('label', { for: r.id }, OUTCOME_LABELS[r.value] || r.value,
          review.recommendation && (review.recommendation === r.value) ? h('span', { class: 'tag' }, 'recommended') : null)))),
      outcomeError),
    h('fieldset', null, h('legend', null, 'Reason codes'),
      h('p', { class: 'hint', id: 'reasons-hint' }, 'Deny and Stop need at least one (at most 10). Choosing Deny or Stop selects this review\u2019s reasons.'),
      groups, reasonsError),
    h('div', { class: 'field' },
      h('label', { class: 'block', for: 'decision-note' }, 'Note', noteReq),
      h('p', { class: 'hint', id: 'note-hint' }, 'Goes on the record and the notice; explain the clinical reasoning. Required for Deny and Stop.'),
      note, noteError),
    h('div', { class: 'field' },
      h('label', { class: 'block', for: 'approved-visits' }, review.kind === 'CONTINUATION' ? 'More visits to approve' : 'Visits to approve', h('span', { class: 'muted' }, ' (optional)')),
      h('p', { class: 'hint', id: 'visits-hint' }, review.kind === 'CONTINUATION'
        ? 'For Continue: extra visits to add (1 to 52). Leave empty to continue with the visits left.'
        : 'For Approve: 1 to 52. Leave empty to approve what the rules propose.'),
      approved, visitsError),
    summary,
    h('p', null, submit));
  summary.setAttribute('tabindex', '-1');
  return form;
}
function showResult(review, answer, section) {
  const statusLine = h('p', { class: 'status-line', testid: 'referral-status', 'aria-live': 'polite' }, 'Waiting for the workflow to record it…');
  const heading = h('h2', { id: 'decision-heading', tabindex: '-1' }, 'Decision recorded');
  section.classList.add('decided');
  fill(section, 
    heading,
    h('div', { testid: 'decision-result' },
      h('p', null, 'Outcome: ', h('strong', { testid: 'decision-result-outcome' }, answer.outcome),
        answer.decidedBy ? ' by ' + actorText(answer.decidedBy) : '',
        answer.decidedAt ? ' at ' + localTime(answer.decidedAt) : ''),
      statusLine),
    h('p', null, h('a', { href: '#/queue', testid: 'result-back-to-queue' }, 'Back to open reviews')));
  heading.focus();
  announce('Decision recorded: ' + answer.outcome + '.');
  pollReferral(review, statusLine);
}
async function pollReferral(review, statusLine) {
  const id = state.renderId;
  const deadline = Date.now() + 10000;
  let last = null;
  while (Date.now() < deadline) {
    await new Promise((r) => window.setTimeout(r, 500));
    if (state.renderId !== id) return;
    try {
      last = await api('GET', '/referrals/' + encodeURIComponent(review.referralId));
    } catch (err) {
      if (err.handled) return;
      continue;
    }
    if (review.kind === 'CONTINUATION' ? last.authorization && last.authorization.status !== 'PENDING_REVIEW' : last.status !== 'PENDING_REVIEW' && last.status !== 'RECEIVED') break;
  }
  if (state.renderId !== id) return;
  if (!last) { statusLine.textContent = 'The referral could not be read just now; it will show in its history shortly.'; return; }
  const text = review.kind === 'CONTINUATION'
    ? 'Authorization status: ' + (last.authorization ? last.authorization.status : 'none') + ' · referral status: ' + last.status
    : 'Referral status: ' + last.status;
  const reasons = review.kind === 'CONTINUATION' ? (last.authorization && last.authorization.reasons) || [] : last.reasons || [];
  const pending = review.kind === 'CONTINUATION' ? last.authorization && last.authorization.status === 'PENDING_REVIEW' : last.status === 'PENDING_REVIEW';
  fill(statusLine, h('strong', null, text),
    pending ? ' (the workflow is still recording the decision; check the referral again shortly)' : '',
    reasons.length ? reasonList(reasons) : null);
  announce(text);
}

// ---------- start ----------
document.getElementById('signout').addEventListener('click', () => { signOut('You have signed out.'); announce('Signed out.'); });
document.getElementById('skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
window.addEventListener('hashchange', route);
route();
`;

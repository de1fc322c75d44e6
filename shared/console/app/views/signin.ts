/**
 * Sign-in: paste an ID token (from the health plan's Cognito sign-in), or — on the local stack,
 * which serves the page its demo reviewers — pick one and get a local token.
 */
import { api, errorMessage } from '../api.js';
import { DATA } from '../data.js';
import { h, show } from '../dom.js';
import { looksLikeJwt, setToken } from '../session.js';
import { announce, view } from '../shell.js';

export interface SigninOptions {
  /** Why the reviewer is here (signed out, token refused). */
  message: string;
  /** After a successful sign-in. */
  signedIn(): void;
}

function demoSection(signedIn: () => void): HTMLElement {
  const reviewers = DATA.demoReviewers;
  if (reviewers.length === 0) {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'demo-heading' },
      h('h2', { id: 'demo-heading' }, 'Demo reviewers'),
      h(
        'p',
        { class: 'muted' },
        'Demo sign-in is available on the local stack only. Here, paste an ID token.',
      ),
    );
  }
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true, testid: 'signin-error' });
  const button = (r: (typeof reviewers)[number]) => {
    const b = h(
      'button',
      { type: 'button', testid: `signin-reviewer-${r.claims.sub}` },
      r.label,
      h('span', { class: 'sub' }, `${r.claims.sub} · credential ${r.claims.credential}`),
    );
    b.addEventListener('click', async () => {
      b.disabled = true;
      show(error, false);
      try {
        const answer = await api<{ token: string }>('POST', '/_local/token', r.claims, { anonymous: true });
        setToken(answer.token);
        announce(`Signed in as ${r.label}.`);
        signedIn();
      } catch (err) {
        b.disabled = false;
        error.textContent = `Sign-in failed: ${errorMessage(err)}`;
        show(error, true);
      }
    });
    return b;
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'demo-heading', testid: 'demo-reviewers' },
    h('h2', { id: 'demo-heading' }, 'Demo reviewers (local stack)'),
    h('p', { class: 'muted' }, 'Choose who you are signing in as.'),
    h(
      'ul',
      { class: 'plain reviewer-list' },
      reviewers.map((r) => h('li', null, button(r))),
    ),
    error,
  );
}

function tokenSection(signedIn: () => void): HTMLElement {
  const input = h('textarea', {
    id: 'token-input',
    rows: 4,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-hint token-error',
    testid: 'signin-token',
  });
  const error = h('p', {
    id: 'token-error',
    class: 'field-error',
    role: 'alert',
    hidden: true,
    testid: 'signin-token-error',
  });
  const form = h(
    'form',
    { novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'block', for: 'token-input' }, 'ID token'),
      h(
        'p',
        { class: 'hint', id: 'token-hint' },
        'From the health plan\u2019s sign-in (Cognito). It is kept for this browser tab only.',
      ),
      input,
      error,
    ),
    h(
      'button',
      { type: 'submit', class: 'primary', testid: 'signin-token-submit' },
      'Sign in with this token',
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (!looksLikeJwt(value)) {
      error.textContent = 'Paste the whole ID token: three parts separated by dots.';
      show(error, true);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    setToken(value);
    announce('Signed in.');
    signedIn();
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'paste-heading' },
    h('h2', { id: 'paste-heading' }, 'Paste an ID token'),
    form,
  );
}

export function renderSignin(focus: boolean, options: SigninOptions): void {
  view(
    [
      h('h1', null, 'Sign in'),
      options.message
        ? h('div', { class: 'notice warn', role: 'alert', testid: 'signin-message' }, options.message)
        : null,
      h('p', null, 'Sign in as a clinical reviewer to work the queue of prior-authorization reviews.'),
      h('div', { class: 'signin-grid' }, demoSection(options.signedIn), tokenSection(options.signedIn)),
    ],
    focus,
  );
}

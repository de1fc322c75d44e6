/**
 * The reviewer console in the browser (bundled by esbuild into the page's one inline module; see
 * shared/console/bundle.ts). Routes are hash routes carrying review ids only: member data never goes
 * into the URL or the document title. A new view is a module under views/ and a line in ROUTES.
 */
import { whenUnauthorized } from './api.js';
import { byId, show } from './dom.js';
import { claims, clearToken, token } from './session.js';
import { announce, leaveView, main } from './shell.js';
import { renderQueue } from './views/queue.js';
import { renderReport } from './views/report.js';
import { renderReview } from './views/review.js';
import { renderSignin } from './views/signin.js';

interface Route {
  /** Matched against location.hash; its groups are the view's parameters. */
  path: RegExp;
  render(params: string[], focus: boolean): void | Promise<void>;
}

const ROUTES: Route[] = [
  { path: /^#\/queue$/, render: (_, focus) => renderQueue(focus) },
  { path: /^#\/report(?:\?year=(\d{4}))?$/, render: ([year], focus) => renderReport(focus, year) },
  {
    path: /^#\/reviews\/([^/?#]+)$/,
    render: ([id = ''], focus) => renderReview(decodeURIComponent(id), focus),
  },
];
const HOME = '#/queue';

let signinMessage = '';
let firstRoute = true;

function updateHeader(): void {
  const who = byId('who');
  const signout = byId('signout');
  const queueItem = byId('nav-queue').parentElement;
  const reportItem = byId('nav-report').parentElement;
  const bearer = token();
  if (queueItem) show(queueItem, Boolean(bearer));
  if (reportItem) show(reportItem, Boolean(bearer));
  show(signout, Boolean(bearer));
  if (!bearer) {
    who.textContent = 'Not signed in';
    return;
  }
  const c = claims(bearer);
  const id = typeof c.sub === 'string' ? c.sub : 'reviewer';
  const credential = typeof c['custom:credential'] === 'string' ? ` (${c['custom:credential']})` : '';
  who.textContent = `Signed in as ${id}${credential}`;
}

function route(): void {
  leaveView();
  updateHeader();
  // The first view keeps focus at the top of the page; later ones move it to their heading.
  const focus = !firstRoute;
  firstRoute = false;
  if (!token()) {
    const message = signinMessage;
    signinMessage = '';
    renderSignin(focus, {
      message,
      signedIn: () => {
        if (location.hash === HOME) route();
        else location.hash = HOME;
      },
    });
    return;
  }
  if (!ROUTES.some((r) => r.path.test(location.hash))) history.replaceState(null, '', HOME);
  for (const r of ROUTES) {
    const m = r.path.exec(location.hash);
    if (m) {
      void r.render(m.slice(1), focus);
      return;
    }
  }
}

function signOut(message: string): void {
  clearToken();
  signinMessage = message;
  if (location.hash !== '#/signin') location.hash = '#/signin';
  else route();
}

whenUnauthorized(() =>
  signOut(
    'You were signed out: the API did not accept your sign-in (it may have expired). Please sign in again.',
  ),
);
byId('signout').addEventListener('click', () => {
  signOut('You have signed out.');
  announce('Signed out.');
});
byId('skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();

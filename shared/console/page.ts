/**
 * The reviewer console (SPEC 4 `GET /console`): one self-contained HTML document with its style,
 * its data (a JSON block) and its script (one module, bundled from app/) inline, no external
 * resources. The page holds no member data: its script signs the reviewer in and calls the API
 * with a bearer token. Built once per process, with the Content-Security-Policy that allows
 * exactly this script and this style.
 */
import { createHash } from 'node:crypto';
import { type ConsoleData, scriptSafeJson } from './reason-texts.js';
import { CONSOLE_CSS } from './styles.js';

/** The page title never changes: no member data in it (SPEC: no PHI in titles or URLs). */
export const CONSOLE_TITLE = 'Reviewer console';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface ConsolePage {
  html: string;
  headers: Record<string, string>;
  /** The inline module script, exactly as it appears in the page (its hash is in the CSP). */
  script: string;
  /** The inline stylesheet, exactly as it appears in the page. */
  style: string;
}

export function buildConsolePage(script: string, data: ConsoleData): ConsolePage {
  const style = CONSOLE_CSS;
  for (const [name, text, closing] of [
    ['script', script, '</script'],
    ['style', style, '</style'],
  ] as const) {
    if (text.toLowerCase().includes(closing))
      throw new Error(`The console's inline ${name} contains ${closing}`);
  }
  const directives = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  // The meta copy is for hosts that drop headers; frame-ancestors is not allowed there.
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${directives.join('; ')}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${CONSOLE_TITLE}</title>
<style>${style}</style>
</head>
<body>
<a class="skip-link" id="skip" href="#main">Skip to main content</a>
<header class="site">
<div class="bar">
<div class="brand">Reviewer console<small>Massage therapy prior authorization</small></div>
<nav aria-label="Console">
<ul>
<li><a id="nav-queue" href="#/queue" data-testid="nav-queue">Open reviews</a></li>
<li><a id="nav-report" href="#/report" data-testid="nav-report">Report</a></li>
<li><span id="who" class="who" data-testid="signed-in-as">Not signed in</span></li>
<li><button type="button" id="signout" data-testid="sign-out" hidden>Sign out</button></li>
</ul>
</nav>
</div>
</header>
<div id="live" class="sr-only" role="status" aria-live="polite" data-testid="live-region"></div>
<main id="main" tabindex="-1">
<h1>Reviewer console</h1>
<noscript><p>The reviewer console needs JavaScript.</p></noscript>
</main>
<script type="application/json" id="console-data">${scriptSafeJson(data)}</script>
<script type="module">${script}</script>
</body>
</html>
`;
  return {
    html,
    script,
    style,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': [...directives, "frame-ancestors 'none'"].join('; '),
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    },
  };
}

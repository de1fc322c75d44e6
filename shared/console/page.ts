/**
 * The reviewer console (SPEC 4 `GET /console`): one self-contained HTML document with its style
 * and script inline, no external resources and no build step. The page holds no data: its
 * script signs the reviewer in and calls the API with a bearer token. Built once, at module load,
 * together with the Content-Security-Policy that allows exactly this script and this style.
 */
import { createHash } from 'node:crypto';
import { CONSOLE_DATA, scriptSafeJson } from './reason-texts.js';
import { CONSOLE_SCRIPT } from './script.js';
import { CONSOLE_CSS } from './styles.js';

/** The page title never changes: no member data in it (SPEC: no PHI in titles or URLs). */
export const CONSOLE_TITLE = 'Reviewer console';

/** The inline module script, exactly as it appears in the page (its hash is in the CSP). */
export const CONSOLE_INLINE_SCRIPT = `\nconst DATA = ${scriptSafeJson(CONSOLE_DATA)};\n${CONSOLE_SCRIPT}`;
/** The inline stylesheet, exactly as it appears in the page. */
export const CONSOLE_INLINE_STYLE = CONSOLE_CSS;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const SCRIPT_HASH = sha256(CONSOLE_INLINE_SCRIPT);
export const STYLE_HASH = sha256(CONSOLE_INLINE_STYLE);

const CSP_DIRECTIVES = [
  "default-src 'none'",
  `script-src ${SCRIPT_HASH}`,
  `style-src ${STYLE_HASH}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
];
/** The full policy, sent as a header. */
export const CONSOLE_CSP = [...CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');
/** The same policy as a meta element (frame-ancestors is not allowed there), for hosts that drop headers. */
const META_CSP = CSP_DIRECTIVES.join('; ');

for (const [name, text, closing] of [
  ['script', CONSOLE_INLINE_SCRIPT, '</script'],
  ['style', CONSOLE_INLINE_STYLE, '</style'],
] as const) {
  if (text.toLowerCase().includes(closing))
    throw new Error(`The console's inline ${name} contains ${closing}`);
}

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${META_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${CONSOLE_TITLE}</title>
<style>${CONSOLE_INLINE_STYLE}</style>
</head>
<body>
<a class="skip-link" id="skip" href="#main">Skip to main content</a>
<header class="site">
<div class="bar">
<div class="brand">Reviewer console<small>Massage therapy prior authorization</small></div>
<nav aria-label="Console">
<ul>
<li><a id="nav-queue" href="#/queue" data-testid="nav-queue">Open reviews</a></li>
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
<script type="module">${CONSOLE_INLINE_SCRIPT}</script>
</body>
</html>
`;

/** The console's HTML document (the same string on every call). */
export function consolePage(): string {
  return HTML;
}

/** Response headers for the console: its type, and the CSP pinned to the inline script and style. */
export function consoleHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CONSOLE_CSP,
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}

/** The reviewer console's HTML document, headers and handler, without a browser (see test/browser for one). */
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { handler } from '../../functions/api-console/index.js';
import { CATALOGUE } from '../../shared/catalogue.js';
import {
  CONSOLE_CSP,
  CONSOLE_INLINE_SCRIPT,
  CONSOLE_INLINE_STYLE,
  CONSOLE_TITLE,
  consoleHeaders,
  consolePage,
} from '../../shared/console/page.js';
import { CRITERIA_LABELS, scriptSafeJson } from '../../shared/console/reason-texts.js';
import { CRITERION_IDS } from '../../shared/policy/determine.js';
import { REASON_CODES } from '../../shared/reasons.js';
import { INSTRUMENTS } from '../../shared/schemas.js';

const html = consolePage();
const sha256 = (text: string) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
const between = (text: string, open: RegExp, close: string) => {
  const m = open.exec(text);
  if (!m) throw new Error(`no ${open}`);
  const start = m.index + m[0].length;
  return text.slice(start, text.indexOf(close, start));
};

describe('console page', () => {
  test('is one HTML document, built once', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(consolePage()).toBe(html);
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<style\b/g)).toHaveLength(1);
    expect(html).toContain('<html lang="en">');
  });

  test('its title is fixed and carries no member data', () => {
    expect(CONSOLE_TITLE).toBe('Reviewer console');
    expect(html.match(/<title>([^<]*)<\/title>/)?.[1]).toBe('Reviewer console');
    // The script never touches document.title, so no review can put PHI there.
    expect(CONSOLE_INLINE_SCRIPT).not.toMatch(/document\.title/);
  });

  test('the CSP header pins the exact inline script and style by hash', () => {
    const script = between(html, /<script type="module">/, '</script>');
    const style = between(html, /<style>/, '</style>');
    expect(script).toBe(CONSOLE_INLINE_SCRIPT);
    expect(style).toBe(CONSOLE_INLINE_STYLE);
    const csp = consoleHeaders()['content-security-policy'];
    expect(csp).toBe(CONSOLE_CSP);
    const directives = new Map(
      (csp ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual([`'${sha256(script)}'`]);
    expect(directives.get('style-src')).toEqual([`'${sha256(style)}'`]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // The meta copy says the same (frame-ancestors is not allowed in a meta policy).
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1] ?? '';
    expect(meta).toContain(`script-src '${sha256(script)}'`);
    expect(meta).toContain(`style-src '${sha256(style)}'`);
    expect(meta).not.toContain('frame-ancestors');
  });

  test('headers: HTML, no framing, no referrer', () => {
    expect(consoleHeaders()).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });

  test('never mentions the workflow task token', () => {
    expect(html.toLowerCase()).not.toContain('tasktoken');
    expect(JSON.stringify(consoleHeaders()).toLowerCase()).not.toContain('tasktoken');
  });

  test('loads nothing from elsewhere and has no inline handlers or style attributes', () => {
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/<link\b(?![^>]*href="data:,")/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
    // The only absolute URL is the SVG namespace.
    expect(html.match(/https?:\/\/[^\s'"]+/g)).toEqual(['http://www.w3.org/2000/svg']);
  });

  test('the script builds the DOM from text only', () => {
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
    ]) {
      expect(CONSOLE_INLINE_SCRIPT).not.toContain(sink);
    }
    expect(CONSOLE_INLINE_SCRIPT).not.toMatch(/setAttribute\('style'/);
    expect(CONSOLE_INLINE_SCRIPT).not.toMatch(/setAttribute\('on/);
  });

  test('the script is valid JavaScript and closes neither its element nor the style', () => {
    expect(() => new Script(CONSOLE_INLINE_SCRIPT)).not.toThrow();
    expect(CONSOLE_INLINE_SCRIPT.toLowerCase()).not.toContain('</script');
    expect(CONSOLE_INLINE_STYLE.toLowerCase()).not.toContain('</style');
  });

  test('every form control the script creates has an id that a label points at', () => {
    const controls = [...CONSOLE_INLINE_SCRIPT.matchAll(/h\('(input|textarea|select)', \{([^}]*)\}/g)];
    expect(controls.length).toBeGreaterThanOrEqual(5);
    for (const [, , attrs = ''] of controls) {
      const id = attrs.match(/\bid: ([^,]+),/)?.[1] ?? '';
      expect(id, attrs).not.toBe('');
      // A label's `for` is the same expression; a radio's label points at the radio element's id.
      const labelled =
        CONSOLE_INLINE_SCRIPT.includes(`for: ${id}`) ||
        (attrs.includes("type: 'radio'") && CONSOLE_INLINE_SCRIPT.includes('for: r.id'));
      expect(labelled, `no label for ${id}`).toBe(true);
    }
    // The static page has no controls (the sign-out button names itself).
    expect(html).not.toMatch(/<(input|textarea|select)\b/);
  });

  test('embeds every reason code with its title and policy, and the instrument scales', () => {
    const data = JSON.parse(
      between(CONSOLE_INLINE_SCRIPT, /const DATA = /, ';\n')
        .replace(/\\u003c/g, '<')
        .replace(/\\u003e/g, '>'),
    ) as { reasons: { code: string; title: string }[]; instruments: typeof INSTRUMENTS };
    expect(data.reasons.map((r) => r.code)).toEqual([...REASON_CODES]);
    for (const r of data.reasons) expect(r).toEqual(CATALOGUE[r.code as keyof typeof CATALOGUE]);
    expect(data.instruments).toEqual(INSTRUMENTS);
  });

  test('names every criterion of the policy and ties it to existing reason codes', () => {
    expect(CRITERIA_LABELS.map((c) => c.id).sort()).toEqual([...CRITERION_IDS].sort());
    for (const c of CRITERIA_LABELS) for (const code of c.codes) expect(REASON_CODES).toContain(code);
  });

  test('scriptSafeJson cannot close the script element', () => {
    const out = scriptSafeJson({ text: '</script><script>alert(1)</script>&\u2028' });
    expect(out).not.toContain('<');
    expect(out).not.toContain('\u2028');
    expect(JSON.parse(out)).toEqual({ text: '</script><script>alert(1)</script>&\u2028' });
  });
});

describe('GET /console handler', () => {
  test('answers the page with its headers, public and uncached', async () => {
    const event = {
      httpMethod: 'GET',
      resource: '/console',
      path: '/console',
      headers: {},
      pathParameters: null,
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'test' },
    } as unknown as APIGatewayProxyEvent;
    const res = await handler(event);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    expect(res.headers).toMatchObject({
      ...consoleHeaders(),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
});

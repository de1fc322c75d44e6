/**
 * The reviewer console's HTML document, headers and handler, without a browser. What the page does
 * is tested in a real browser (test/browser/console.test.ts).
 */
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { handler } from '../../functions/api-console/index.js';
import { CATALOGUE } from '../../shared/catalogue.js';
import { bundleConsoleApp } from '../../shared/console/bundle.js';
import { buildConsolePage, CONSOLE_TITLE } from '../../shared/console/page.js';
import {
  type ConsoleData,
  CRITERIA_LABELS,
  consoleData,
  scriptSafeJson,
} from '../../shared/console/reason-texts.js';
import { CRITERION_IDS } from '../../shared/policy/determine.js';
import { REASON_CODES } from '../../shared/reasons.js';
import { DECISION_RULES, INSTRUMENTS, ReviewDecisionSchema } from '../../shared/schemas.js';

const script = bundleConsoleApp();
const page = buildConsolePage(script, consoleData());
const { html } = page;
const sha256 = (text: string) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
const between = (text: string, open: RegExp, close: string) => {
  const m = open.exec(text);
  if (!m) throw new Error(`no ${open}`);
  const start = m.index + m[0].length;
  return text.slice(start, text.indexOf(close, start));
};
const dataOf = (doc: string) =>
  JSON.parse(between(doc, /<script type="application\/json" id="console-data">/, '</script>')) as ConsoleData;

const consoleEvent = {
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

describe('console page', () => {
  test('is one HTML document with one module script and one JSON data block', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<script type="module">/g)).toHaveLength(1);
    expect(html.match(/<script type="application\/json" id="console-data">/g)).toHaveLength(1);
    expect(html.match(/<style\b/g)).toHaveLength(1);
    expect(html).toContain('<html lang="en">');
  });

  test('the bundle is the same on every build, so its hash is too', () => {
    expect(bundleConsoleApp()).toBe(script);
  });

  test('its title is fixed and carries no member data', () => {
    expect(CONSOLE_TITLE).toBe('Reviewer console');
    expect(html.match(/<title>([^<]*)<\/title>/)?.[1]).toBe('Reviewer console');
  });

  test('the CSP header pins the exact inline script and style by hash', () => {
    const inlineScript = between(html, /<script type="module">/, '</script>');
    const style = between(html, /<style>/, '</style>');
    expect(inlineScript).toBe(script);
    expect(style).toBe(page.style);
    const csp = page.headers['content-security-policy'];
    const directives = new Map(
      (csp ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual([`'${sha256(inlineScript)}'`]);
    expect(directives.get('style-src')).toEqual([`'${sha256(style)}'`]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // The meta copy says the same (frame-ancestors is not allowed in a meta policy).
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1] ?? '';
    expect(meta).toContain(`script-src '${sha256(inlineScript)}'`);
    expect(meta).toContain(`style-src '${sha256(style)}'`);
    expect(meta).not.toContain('frame-ancestors');
  });

  test('headers: HTML, no framing, no referrer', () => {
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });

  test('never mentions the workflow task token', () => {
    expect(html.toLowerCase()).not.toContain('tasktoken');
    expect(JSON.stringify(page.headers).toLowerCase()).not.toContain('tasktoken');
  });

  test('loads nothing from elsewhere and has no inline handlers or style attributes', () => {
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/<link\b(?![^>]*href="data:,")/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
    // The only absolute URL is the SVG namespace.
    expect([...new Set(html.match(/https?:\/\/[^\s'"`]+/g))]).toEqual(['http://www.w3.org/2000/svg']);
  });

  test('the script is plain JavaScript for the browser: no imports left, closes neither element', () => {
    expect(() => new Script(script)).not.toThrow();
    expect(script.toLowerCase()).not.toContain('</script');
    expect(page.style.toLowerCase()).not.toContain('</style');
  });

  test('refuses a script or style that would close its element', () => {
    expect(() => buildConsolePage('"</script>"', consoleData())).toThrow(/<\/script/);
  });

  test('embeds every reason code with its title and policy, the instrument scales and the decision rules', () => {
    const data = dataOf(html);
    expect(data.reasons.map((r) => r.code)).toEqual([...REASON_CODES]);
    for (const r of data.reasons) expect(r).toEqual(CATALOGUE[r.code]);
    expect(data.instruments).toEqual(INSTRUMENTS);
    expect(data.decision).toEqual(DECISION_RULES);
  });

  test('the decision rules served to the form are the ones the API parses with', () => {
    const { justifiedOutcomes, maxReasonCodes, approvedVisits, noteMaxLength } = DECISION_RULES;
    for (const outcome of ['APPROVE', 'DENY', 'CONTINUE', 'STOP'] as const) {
      const bare = ReviewDecisionSchema.safeParse({ outcome });
      expect(bare.success, outcome).toBe(!(justifiedOutcomes as readonly string[]).includes(outcome));
    }
    const codes = (n: number) => REASON_CODES.slice(0, n);
    expect(
      ReviewDecisionSchema.safeParse({ outcome: 'APPROVE', reasonCodes: codes(maxReasonCodes) }).success,
    ).toBe(true);
    expect(
      ReviewDecisionSchema.safeParse({ outcome: 'APPROVE', reasonCodes: codes(maxReasonCodes + 1) }).success,
    ).toBe(false);
    for (const [visits, ok] of [
      [approvedVisits.min, true],
      [approvedVisits.max, true],
      [approvedVisits.min - 1, false],
      [approvedVisits.max + 1, false],
    ] as const) {
      expect(ReviewDecisionSchema.safeParse({ outcome: 'APPROVE', approvedVisits: visits }).success).toBe(ok);
    }
    expect(
      ReviewDecisionSchema.safeParse({ outcome: 'APPROVE', note: 'x'.repeat(noteMaxLength + 1) }).success,
    ).toBe(false);
  });

  test('has no demo reviewers unless the host gives some', () => {
    expect(dataOf(html).demoReviewers).toEqual([]);
    const demo = [{ label: 'Demo', claims: { role: 'reviewer', sub: 'rev-1', credential: 'MD' } }] as const;
    const local = buildConsolePage(script, consoleData([...demo]));
    expect(dataOf(local.html).demoReviewers).toEqual(demo);
    // The data block is not script: the same script, the same hash, on every host.
    expect(local.headers['content-security-policy']).toBe(page.headers['content-security-policy']);
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
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  test('answers the page with its headers, public and uncached', async () => {
    const res = await handler(consoleEvent);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    expect(res.headers).toMatchObject({
      ...page.headers,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });

  test('offers the demo reviewers its environment names, and refuses a malformed list at cold start', async () => {
    const demo = [{ label: 'Dr. Demo', claims: { role: 'reviewer', sub: 'rev-md-1', credential: 'MD' } }];
    vi.stubEnv('CONSOLE_DEMO_REVIEWERS', JSON.stringify(demo));
    vi.resetModules();
    const local = await import('../../functions/api-console/index.js');
    const res = await local.handler(consoleEvent);
    expect(dataOf(res.body).demoReviewers).toEqual(demo);

    vi.stubEnv('CONSOLE_DEMO_REVIEWERS', JSON.stringify([{ label: 'x', claims: { role: 'admin' } }]));
    vi.resetModules();
    await expect(import('../../functions/api-console/index.js')).rejects.toThrow();
  });
});

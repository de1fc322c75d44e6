/**
 * The reviewer console in a real browser against the real local stack (no mocks): a reviewer
 * signs in, works pended referrals from the queue to a decision, the form refuses a denial
 * without a note, and a continuation review shows the visit timeline and progress chart with the
 * API's own progress figures. The page builds its DOM from text only (markup in a referral stays
 * text), every control has a label, and the CSP is never violated.
 * Screenshots of each step go to test-artifacts/console/ (git-ignored).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { bundleConsoleApp } from '../../shared/console/bundle.js';
import { buildConsolePage } from '../../shared/console/page.js';
import { consoleData } from '../../shared/console/reason-texts.js';
import { referralBody, visitBody } from '../fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = resolve(ROOT, 'test-artifacts/console');
const haveStack = existsSync(resolve(ROOT, 'infra/local/stack.ts'));
const haveChromium = existsSync(CHROMIUM);

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

type Json = any;

describe.skipIf(!haveStack)('reviewer console on the local stack', () => {
  let stack: LocalStack;
  let dataDir: string;
  let browser: Browser;
  let portalToken: string;
  let reviewerToken: string;
  const decisionPosts: string[] = [];
  /** Every request a page made, as `METHOD path`, and every error it logged (a failed load is one). */
  const requests = new Map<Page, string[]>();
  const consoleErrors = new Map<Page, string[]>();
  /** Script errors and CSP violations in any page: each test ends by checking there were none. */
  const pageProblems: string[] = [];

  async function issueToken(body: object): Promise<string> {
    const res = await fetch(`${stack.url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  async function call(method: string, path: string, token: string, body?: unknown): Promise<Json> {
    const res = await fetch(stack.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Timed out waiting for ${what}`);
  }

  /** Submits a referral as the demo portal and waits until its workflow has opened a review. */
  async function pendedReferral(clinical: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
    const base = referralBody({ startDate: day(7), ...overrides });
    const { referralId } = await call('POST', '/referrals', portalToken, {
      ...base,
      clinical: { ...base.clinical, ...clinical },
    });
    await waitFor('the referral to pend', async () => {
      const view = await call('GET', `/referrals/${referralId}`, portalToken);
      return view.status === 'PENDING_REVIEW' && view.reviews.length > 0 ? view : undefined;
    });
    const review = await waitFor('its review in the queue', async () => {
      const { items } = await call('GET', '/reviews?status=open', reviewerToken);
      return items.find((i: Json) => i.referralId === referralId);
    });
    return { referralId: referralId as string, reviewId: review.reviewId as string };
  }

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/decision')) decisionPosts.push(req.url());
    });
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
    requests.set(page, []);
    consoleErrors.set(page, []);
    page.on('request', (req) => requests.get(page)?.push(`${req.method()} ${new URL(req.url()).pathname}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      consoleErrors.get(page)?.push(msg.text());
      if (/Content Security Policy|Refused to/i.test(msg.text())) pageProblems.push(`console: ${msg.text()}`);
    });
    return page;
  }

  /** The id of the element with keyboard focus (the test's TypeScript has no DOM types: a string expression). */
  const focusedId = (page: Page) =>
    page.evaluate<string>('document.activeElement ? document.activeElement.id : ""');

  /** Form controls that no label names. */
  const unlabelledControls = (page: Page) =>
    page.evaluate<string[]>(
      "[...document.querySelectorAll('input, textarea, select')].filter((c) => c.labels.length === 0 && !c.getAttribute('aria-label')).map((c) => c.id || c.name || c.outerHTML)",
    );

  /** The whole page, and what the reviewer sees in the 1280×800 window. */
  async function shot(page: Page, name: string) {
    // On every page the console shows: a fixed title, and no member id in the URL.
    await expect(page.title()).resolves.toBe('Reviewer console');
    expect(page.url()).not.toContain('M-1001');
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-window.png`) });
  }

  async function signIn(page: Page) {
    await page.goto(`${stack.url}/console`);
    await expect(page.title()).resolves.toBe('Reviewer console');
    await page.getByTestId('signin-reviewer-rev-md-1').waitFor();
    await expect(unlabelledControls(page)).resolves.toEqual([]);
    // Loading the sign-in asks the API nothing: the demo reviewers came with the page.
    expect(requests.get(page)).toEqual(['GET /console']);
    expect(consoleErrors.get(page)).toEqual([]);
    await shot(page, '01-sign-in');
    await page.getByTestId('signin-reviewer-rev-md-1').click();
    await page.getByTestId('queue-updated').filter({ hasText: 'Updated' }).waitFor();
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('rev-md-1 (MD)');
  }

  /** The queue row for a review, pressing Refresh until it shows (the page also refreshes every 30 s). */
  async function queueRow(page: Page, reviewId: string) {
    const row = page.getByTestId(`queue-row-${reviewId}`);
    await waitFor('the review in the console queue', async () => {
      if (await row.count()) return true;
      await page.getByTestId('queue-refresh').click();
      await page.waitForTimeout(300);
      return undefined;
    });
    return row;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
    stack = await startLocalStack({ port: 0, dataDir });
    portalToken = await issueToken({ role: 'portal', sub: 'portal-user-1', portalId: 'P-100' });
    reviewerToken = await issueToken({ role: 'reviewer', sub: 'rev-pt-1', credential: 'PT' });
    if (haveChromium) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('GET /console is the page, with a CSP pinned to its inline script and style', async () => {
    const res = await fetch(`${stack.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('<title>Reviewer console</title>');
    expect(html).not.toContain('taskToken');
  });

  test.skipIf(!haveChromium)(
    'a reviewer works a pended referral from the queue to an approval',
    async () => {
      const { referralId, reviewId } = await pendedReferral({ expectedImprovement: { withinWeeks: 13 } });
      const page = await newPage();
      await signIn(page);
      const row = await queueRow(page, reviewId);
      await expect(row.textContent()).resolves.toContain('A4_NOT_MET');
      await shot(page, '02-queue');

      await page.getByTestId(`open-review-${reviewId}`).click();
      await page.getByTestId('criterion-A4').waitFor();
      await expect(page.getByTestId('recommendation-value').textContent()).resolves.toBe('DENY');
      await expect(page.getByTestId('criterion-A4-result').textContent()).resolves.toContain('Not met');
      await expect(page.getByTestId('criterion-A4-evidence').textContent()).resolves.toContain('13 weeks');
      await expect(page.getByTestId('criterion-A4-policy').textContent()).resolves.toContain(
        'expected to improve significantly',
      );
      for (const met of ['ELIGIBILITY', 'PROVIDER', 'CODES', 'A1', 'A2', 'A3']) {
        await expect(page.getByTestId(`criterion-${met}-result`).textContent()).resolves.toContain('Met');
      }
      await expect(page.getByTestId('reason-A4_NOT_MET').textContent()).resolves.toContain(
        'KPWA Clinical Review Criteria',
      );
      // No PHI in the title or the URL; the workflow's callback token is never in the page.
      await expect(page.title()).resolves.toBe('Reviewer console');
      expect(page.url()).toBe(`${stack.url}/console#/reviews/${reviewId}`);
      expect(await page.content()).not.toContain('taskToken');
      await expect(unlabelledControls(page)).resolves.toEqual([]);
      await shot(page, '03-review-initial');

      // What an approval grants is the API's proposal, quoted as it is.
      const detail = await call('GET', `/reviews/${reviewId}`, reviewerToken);
      const proposed = detail.proposedAuthorization;
      expect(proposed.visitsAuthorized).toBeGreaterThan(0);
      await expect(page.getByTestId('visits-hint').textContent()).resolves.toContain(
        `${proposed.visitsAuthorized} visits, valid ${proposed.validFrom} to ${proposed.validTo}`,
      );

      await page.getByTestId('outcome-APPROVE').check();
      await page
        .getByTestId('decision-note')
        .fill('A 13-week horizon is reasonable for this chronic presentation.');
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('decision-result').waitFor();
      await expect(page.getByTestId('decision-result-outcome').textContent()).resolves.toBe('APPROVE');
      await page.getByTestId('referral-status').filter({ hasText: 'Referral status: APPROVED' }).waitFor();
      await shot(page, '04-approved');

      const view = await call('GET', `/referrals/${referralId}`, reviewerToken);
      expect(view.status).toBe('APPROVED');
      expect(view.decidedBy).toEqual({ id: 'rev-md-1', credential: 'MD' });
      await page.getByTestId('result-back-to-queue').click();
      await page.getByTestId('queue-updated').filter({ hasText: 'Updated' }).waitFor();
      expect(await page.getByTestId(`queue-row-${reviewId}`).count()).toBe(0);
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    90_000,
  );

  test.skipIf(!haveChromium)(
    'the form refuses a denial without a note and sends nothing; with one, the referral is denied',
    async () => {
      // An ordering provider who is not a physician: A3 not met.
      const { referralId, reviewId } = await pendedReferral({}, { orderingProviderNpi: '1972000024' });
      const page = await newPage();
      await signIn(page);
      await queueRow(page, reviewId);
      await page.getByTestId(`open-review-${reviewId}`).click();
      await expect(page.getByTestId('criterion-A3-result').textContent()).resolves.toContain('Not met');

      await page.getByTestId('outcome-DENY').check();
      // Choosing DENY selects the review's own reasons.
      await expect(page.getByTestId('reason-code-A3_NOT_MET').isChecked()).resolves.toBe(true);
      const postsBefore = decisionPosts.length;
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('note-error').waitFor();
      await expect(page.getByTestId('note-error').getAttribute('role')).resolves.toBe('alert');
      await expect(page.getByTestId('decision-error').isVisible()).resolves.toBe(true);
      await expect(page.getByTestId('decision-note').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(focusedId(page)).resolves.toBe('decision-note');
      await shot(page, '05-deny-refused');

      // Nothing was sent: the review is still open.
      expect(decisionPosts.length).toBe(postsBefore);
      const review = await call('GET', `/reviews/${reviewId}`, reviewerToken);
      expect(review.status).toBe('OPEN');
      const { items } = await call('GET', '/reviews?status=open', reviewerToken);
      expect(items.map((i: Json) => i.reviewId)).toContain(reviewId);

      // No reason code either: both fields are named.
      await page.getByTestId('reason-code-A3_NOT_MET').uncheck();
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('reasons-error').waitFor();
      await expect(page.getByTestId('note-error').isVisible()).resolves.toBe(true);
      await expect(focusedId(page)).resolves.toBe('reason-code-A3_NOT_MET');
      expect(decisionPosts.length).toBe(postsBefore);

      await page.getByTestId('reason-code-A3_NOT_MET').check();
      await page
        .getByTestId('decision-note')
        .fill('Ordered by a nurse practitioner; a physician order is required.');
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('referral-status').filter({ hasText: 'Referral status: DENIED' }).waitFor();
      expect(decisionPosts.length).toBe(postsBefore + 1);
      await shot(page, '06-denied');
      const view = await call('GET', `/referrals/${referralId}`, reviewerToken);
      expect(view.status).toBe('DENIED');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    90_000,
  );

  test.skipIf(!haveChromium)(
    "a decision racing another reviewer's is refused with a clear message",
    async () => {
      const { reviewId } = await pendedReferral({ expectedImprovement: { withinWeeks: 20 } });
      const page = await newPage();
      await signIn(page);
      await queueRow(page, reviewId);
      await page.getByTestId(`open-review-${reviewId}`).click();
      await page.getByTestId('outcome-APPROVE').waitFor();
      // Another reviewer decides first, through the API.
      await call('POST', `/reviews/${reviewId}/decision`, reviewerToken, { outcome: 'APPROVE' });
      await page.getByTestId('outcome-APPROVE').check();
      await page.getByTestId('decision-submit').click();
      await page
        .getByTestId('decision-error')
        .filter({ hasText: 'Another reviewer decided this review' })
        .waitFor();
      expect(await page.getByTestId('decision-result').count()).toBe(0);
      await shot(page, '10-decided-elsewhere');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    60_000,
  );

  test.skipIf(!haveChromium)(
    'a continuation review shows the visit timeline and the progress chart, and continues visits',
    async () => {
      // Approved straight away (criteria A met), started ten days ago; four visits with little progress.
      const { referralId } = await call(
        'POST',
        '/referrals',
        portalToken,
        referralBody({ startDate: day(-10) }),
      );
      await waitFor('the approval', async () => {
        const v = await call('GET', `/referrals/${referralId}`, portalToken);
        return v.authorization?.status === 'ACTIVE' ? v : undefined;
      });
      const scores = [40, 38, null, 36];
      for (const [i, score] of scores.entries()) {
        await call(
          'POST',
          `/referrals/${referralId}/visits`,
          portalToken,
          visitBody({
            visitId: randomUUID(),
            date: day(-8 + 2 * i),
            sameDayProcedures: [],
            outcomeMeasures: score === null ? [] : [{ instrument: 'ODI', score }],
          }),
        );
        await waitFor(`visit ${i + 1}'s re-review`, async () => {
          const v = await call('GET', `/referrals/${referralId}`, portalToken);
          return v.visits.length === i + 1 && v.visits[i].reReview ? v : undefined;
        });
      }
      const review = await waitFor('the continuation review', async () => {
        const { items } = await call('GET', '/reviews?status=open', reviewerToken);
        return items.find((i: Json) => i.referralId === referralId && i.kind === 'CONTINUATION');
      });

      const page = await newPage();
      await signIn(page);
      await queueRow(page, review.reviewId);
      await page.getByTestId(`open-review-${review.reviewId}`).click();
      await page.getByTestId('progress-chart').waitFor();
      await expect(page.getByTestId('recommendation-value').textContent()).resolves.toBe('STOP');
      const label = (await page.getByTestId('progress-chart').getAttribute('aria-label')) ?? '';
      expect(label).toContain('Baseline 42');
      expect(label).toContain('goal 20');
      expect(label).toContain('32 or lower');
      expect(label).toContain('visit 4: 36');
      expect(await page.getByTestId('progress-chart').getAttribute('role')).toBe('img');
      // The judgement is the API's: the review's progress figures, quoted.
      const detail = await call('GET', `/reviews/${review.reviewId}`, reviewerToken);
      expect(detail.progress).toMatchObject({ baseline: 42, latest: 36, latestAtVisit: 4, improvement: 6 });
      expect(detail.progress.meaningful).toBe(false);
      expect(label).toContain('Latest 36 (visit 4) is 6 points better than baseline, less than the MCID.');
      await expect(page.getByTestId('progress-verdict').textContent()).resolves.toBe(
        'Latest 36 (visit 4) is 6 points better than baseline, less than the MCID.',
      );
      // Each visit's row carries that visit's re-review figures; visit 3 reported no score.
      await page.getByTestId('progress-table').locator('xpath=ancestor::details').locator('summary').click();
      await expect(page.getByTestId('progress-visit-1').textContent()).resolves.toBe('Visit 140+2no');
      await expect(page.getByTestId('progress-visit-4').textContent()).resolves.toBe('Visit 436+6no');
      expect(await page.getByTestId('progress-visit-3').count()).toBe(0);
      for (const n of [1, 2, 3, 4]) await page.getByTestId(`visit-${n}`).waitFor();
      await expect(page.getByTestId('visit-4').textContent()).resolves.toContain('NO_MEANINGFUL_PROGRESS');
      await expect(page.getByTestId('visit-1').textContent()).resolves.toContain('97124');
      await expect(unlabelledControls(page)).resolves.toEqual([]);
      await shot(page, '07-review-continuation');

      await page.getByTestId('outcome-CONTINUE').check();
      await page.getByTestId('decision-approved-visits').fill('4');
      await page.getByTestId('decision-note').fill('Improving slowly; four more visits, then reassess.');
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('referral-status').filter({ hasText: 'Authorization status: ACTIVE' }).waitFor();
      await shot(page, '08-continued');
      const view = await call('GET', `/referrals/${referralId}`, reviewerToken);
      expect(view.authorization.status).toBe('ACTIVE');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    120_000,
  );

  test.skipIf(!haveChromium)(
    'the deployed page (no demo reviewers) asks nothing of the API and signs in with a pasted ID token',
    async () => {
      // The page as the deployed function builds it: the same script, no demo reviewers.
      const deployed = buildConsolePage(bundleConsoleApp(), consoleData());
      const page = await newPage();
      await page.route(`${stack.url}/console`, (route) =>
        route.fulfill({ status: 200, headers: deployed.headers, body: deployed.html }),
      );
      await page.goto(`${stack.url}/console`);
      await page.getByTestId('signin-token').waitFor();
      await expect(page.locator('main').textContent()).resolves.toContain(
        'Demo sign-in is available on the local stack only',
      );
      expect(await page.getByTestId('demo-reviewers').count()).toBe(0);
      await expect(unlabelledControls(page)).resolves.toEqual([]);

      await page.getByTestId('signin-token').fill('not a token');
      await page.getByTestId('signin-token-submit').click();
      await page.getByTestId('signin-token-error').waitFor();
      await expect(page.getByTestId('signin-token').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(focusedId(page)).resolves.toBe('token-input');
      await shot(page, '11-deployed-sign-in');

      await page.getByTestId('signin-token').fill(reviewerToken);
      await page.getByTestId('signin-token-submit').click();
      await page.getByTestId('queue-updated').filter({ hasText: 'Updated' }).waitFor();
      await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('rev-pt-1 (PT)');
      expect(requests.get(page)).toEqual(['GET /console', 'GET /reviews']);
      expect(consoleErrors.get(page)).toEqual([]);
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    60_000,
  );

  test.skipIf(!haveChromium)(
    "markup in a referral's text is shown as text, never parsed",
    async () => {
      const markup = '<img src="x" data-injected="1"><b data-injected="1">bold?</b>';
      const { reviewId } = await pendedReferral({
        expectedImprovement: { withinWeeks: 14 },
        objectiveFindings: [markup],
        therapeuticBenefit: markup,
      });
      const page = await newPage();
      await signIn(page);
      await queueRow(page, reviewId);
      await page.getByTestId(`open-review-${reviewId}`).click();
      await page.getByTestId('clinical-request').waitFor();
      await expect(page.getByTestId('clinical-request').textContent()).resolves.toContain(markup);
      expect(await page.locator('[data-injected]').count()).toBe(0);
      // No request for the image either.
      expect(requests.get(page)?.filter((r) => r.endsWith('/x'))).toEqual([]);
      await shot(page, '12-markup-as-text');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    90_000,
  );

  test.skipIf(!haveChromium)(
    'keyboard and session basics: skip link, a refused token, sign out',
    async () => {
      const page = await newPage();
      await signIn(page);
      // A fresh load keeps the session (sessionStorage) and starts focus at the top of the page.
      await page.reload();
      await page.getByTestId('queue-updated').filter({ hasText: 'Updated' }).waitFor();
      await page.keyboard.press('Tab');
      await expect(focusedId(page)).resolves.toBe('skip');
      await page.keyboard.press('Enter');
      await expect(focusedId(page)).resolves.toBe('main');

      // A token the API refuses (401) sends the reviewer back to sign-in with a message.
      await page.evaluate("sessionStorage.setItem('reviewer-console.token', 'x.y.z')");
      await page.getByTestId('queue-refresh').click();
      await page.getByTestId('signin-message').waitFor();
      await expect(page.getByTestId('signin-message').textContent()).resolves.toContain('sign in again');
      await shot(page, '09-signed-out-401');

      await page.getByTestId('signin-reviewer-rev-pt-1').click();
      await page.getByTestId('queue-updated').filter({ hasText: 'Updated' }).waitFor();
      await page.getByTestId('sign-out').click();
      await page.getByTestId('signin-reviewer-rev-md-1').waitFor();
      await expect(page.evaluate("sessionStorage.getItem('reviewer-console.token')")).resolves.toBeNull();
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    60_000,
  );
  test.skipIf(!haveChromium)(
    'a reviewer requests information; the answer comes back as a new review showing what changed',
    async () => {
      const { referralId, reviewId } = await pendedReferral({ expectedImprovement: { withinWeeks: 13 } });
      const page = await newPage();
      await signIn(page);
      await queueRow(page, reviewId);
      await page.getByTestId(`open-review-${reviewId}`).click();
      await page.getByTestId('criterion-A4').waitFor();
      expect(await page.getByTestId('requested-fieldset').isHidden()).toBe(true);
      await page.getByTestId('outcome-REQUEST_INFORMATION').check();
      expect(await page.getByTestId('requested-fieldset').isVisible()).toBe(true);
      await expect(unlabelledControls(page)).resolves.toEqual([]);
      // Nothing said about what is needed: refused in the page, nothing sent.
      const posted = decisionPosts.length;
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('requested-error').waitFor();
      expect(decisionPosts.length).toBe(posted);
      await page.getByTestId('requested-code').selectOption('CLINICAL_NOTES');
      await page.getByTestId('requested-text').fill('Notes saying when improvement is expected');
      await shot(page, '13-request-information');
      await page.getByTestId('decision-submit').click();
      await page.getByTestId('decision-result').waitFor();
      await expect(page.getByTestId('decision-result-outcome').textContent()).resolves.toBe(
        'REQUEST_INFORMATION',
      );
      // The workflow records the request after the decision answers: wait for it, as a clinic would.
      const waiting = await waitFor('the referral to wait for information', async () => {
        const r = await call('GET', `/referrals/${referralId}`, reviewerToken);
        return r.status === 'PENDING_INFORMATION' ? r : undefined;
      });
      expect(waiting.status).toBe('PENDING_INFORMATION');
      expect(waiting.informationRequests[0].requested).toEqual([
        { code: 'CLINICAL_NOTES', text: 'Notes saying when improvement is expected' },
      ]);

      // The clinic answers with a horizon still past 12 weeks: a new review, with the diff.
      await call('POST', `/referrals/${referralId}/information`, portalToken, {
        clinical: { expectedImprovement: { withinWeeks: 16 } },
        note: 'updated plan',
      });
      const second = await waitFor('the second review', async () => {
        const { items } = await call('GET', '/reviews?status=open', reviewerToken);
        return items.find((x: Json) => x.referralId === referralId && x.reviewId !== reviewId);
      });
      await page.goto(`${stack.url}/console#/reviews/${second.reviewId}`);
      await page.getByTestId('information-section').waitFor();
      await expect(page.getByTestId('information-status').textContent()).resolves.toBe('Answered');
      const diff = page.getByTestId('diff-clinical.expectedImprovement');
      await expect(diff.textContent()).resolves.toContain('{"withinWeeks":13}');
      await expect(diff.textContent()).resolves.toContain('{"withinWeeks":16}');
      await expect(page.getByTestId('information-section').textContent()).resolves.toContain('updated plan');
      await shot(page, '14-information-diff');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    90_000,
  );

  test.skipIf(!haveChromium)(
    'an appeal review shows the appeal and refuses the reviewer who made the decision appealed',
    async () => {
      const { referralId, reviewId } = await pendedReferral({ expectedImprovement: { withinWeeks: 13 } });
      const md = await issueToken({ role: 'reviewer', sub: 'rev-md-1', credential: 'MD' });
      await call('POST', `/reviews/${reviewId}/decision`, md, {
        outcome: 'DENY',
        reasonCodes: ['A4_NOT_MET'],
        note: 'horizon too long',
      });
      await waitFor('the denial', async () => {
        const v = await call('GET', `/referrals/${referralId}`, md);
        return v.status === 'DENIED' ? v : undefined;
      });
      await call('POST', `/referrals/${referralId}/appeals`, portalToken, {
        urgency: 'expedited',
        note: 'The physician expects improvement within 6 weeks.',
      });
      const item = await waitFor('the appeal review', async () => {
        const { items } = await call('GET', '/reviews?status=open', reviewerToken);
        return items.find((x: Json) => x.referralId === referralId && x.kind === 'APPEAL');
      });
      const page = await newPage();
      await signIn(page);
      await page.goto(`${stack.url}/console#/reviews/${item.reviewId}`);
      await page.getByTestId('appeal-section').waitFor();
      await expect(page.getByTestId('review-heading').textContent()).resolves.toBe('Appeal review');
      await expect(page.getByTestId('appeal-section').textContent()).resolves.toContain('rev-md-1 (MD)');
      await expect(page.getByTestId('appeal-note').textContent()).resolves.toContain('within 6 weeks');
      await page.getByTestId('outcome-OVERTURN').check();
      await page.getByTestId('decision-submit').click();
      await page
        .getByTestId('decision-error')
        .filter({ hasText: 'did not make the decision appealed' })
        .waitFor();
      await shot(page, '15-appeal-conflict');
      expect((await call('GET', `/referrals/${referralId}`, md)).status).toBe('DENIED');
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    90_000,
  );

  test.skipIf(!haveChromium)(
    "the report page shows the year's measures in a table and decision times in a chart",
    async () => {
      const admin = await issueToken({ role: 'admin', sub: 'admin-1' });
      const year = new Date().getUTCFullYear();
      const report = await call('GET', `/reports/prior-authorization?year=${year}`, admin);
      expect(report.standard.requestsDecided).toBeGreaterThan(0);
      const page = await newPage();
      await page.goto(`${stack.url}/console`);
      await page.evaluate(`sessionStorage.setItem('reviewer-console.token', ${JSON.stringify(admin)})`);
      await page.goto(`${stack.url}/console#/report`);
      await page.getByTestId('report-table').waitFor();
      await expect(page.getByTestId('measure-requestsDecided-standard').textContent()).resolves.toBe(
        String(report.standard.requestsDecided),
      );
      await expect(page.getByTestId('measure-percentApproved-standard').textContent()).resolves.toBe(
        `${report.standard.percentApproved}%`,
      );
      const bars = report.decisionTimes.standard.length;
      expect(await page.locator('[data-testid^="bar-standard-"]').count()).toBeGreaterThanOrEqual(bars);
      await page.getByTestId('decision-time-chart').waitFor();
      await shot(page, '16-report');
      // A reviewer is told the report is for administrators.
      await page.evaluate(
        `sessionStorage.setItem('reviewer-console.token', ${JSON.stringify(reviewerToken)})`,
      );
      await page.reload();
      await page.getByTestId('report-error').filter({ hasText: 'administrators' }).waitFor();
      await page.close();
      expect(pageProblems).toEqual([]);
    },
    60_000,
  );
});

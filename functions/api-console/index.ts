import * as z from 'zod';
import { buildConsolePage, type ConsolePage } from '../../shared/console/page.js';
import { consoleData, DemoReviewerSchema } from '../../shared/console/reason-texts.js';
import { consoleScript } from '../../shared/console/script.js';
import { readEnv } from '../../shared/env.js';
import { httpHandler } from '../../shared/http.js';

/**
 * CONSOLE_DEMO_REVIEWERS (JSON): demo sign-in buttons, set by the local stack only. The deployed
 * function has none, so its page offers only the ID-token sign-in.
 */
const env = readEnv({ CONSOLE_DEMO_REVIEWERS: z.string().optional() });
const demoReviewers = env.CONSOLE_DEMO_REVIEWERS
  ? z.array(DemoReviewerSchema).parse(JSON.parse(env.CONSOLE_DEMO_REVIEWERS))
  : [];

let page: Promise<ConsolePage> | undefined;
/** Built once per process: the page and its CSP hashes never change. */
export const consolePage = () => {
  page ??= consoleScript().then((script) => buildConsolePage(script, consoleData(demoReviewers)));
  return page;
};

/** GET /console: the reviewer console page. Public: it holds no data; its script calls the API with a token. */
export const handler = httpHandler({
  'GET /console': async () => {
    const { html, headers } = await consolePage();
    return { status: 200, text: html, headers };
  },
});

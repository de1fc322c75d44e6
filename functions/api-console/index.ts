import { consoleHeaders, consolePage } from '../../shared/console/page.js';
import { httpHandler } from '../../shared/http.js';

/** GET /console: the reviewer console page. Public: it holds no data; its script calls the API with a token. */
export const handler = httpHandler({
  'GET /console': async () => ({ status: 200, text: consolePage(), headers: consoleHeaders() }),
});

import { httpHandler } from '../../shared/http.js';
import { openApiDocument } from '../../shared/openapi.js';

/** GET /health and GET /openapi.json: no authorizer, no data. */
export const handler = httpHandler({
  'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
  'GET /openapi.json': async () => ({ status: 200, body: openApiDocument() }),
});

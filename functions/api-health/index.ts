import { answer } from '../../shared/answer.js';
import { httpHandler } from '../../shared/http.js';
import { openApiDocument } from '../../shared/openapi.js';
import type { HealthResponseSchema } from '../../shared/responses.js';

/** GET /health and GET /openapi.json: no authorizer, no data. */
export const handler = httpHandler({
  'GET /health': async () => ({
    status: 200,
    body: answer<typeof HealthResponseSchema>()({ status: 'ok' as const }),
  }),
  'GET /openapi.json': async () => ({ status: 200, body: openApiDocument() }),
});

import { answer } from '../../shared/answer.js';
import { httpHandler } from '../../shared/http.js';
import type { HealthResponseSchema } from '../../shared/responses.js';

/** GET /health and GET /openapi.json: no authorizer, no data. */
export const handler = httpHandler({
  'GET /health': async () => ({
    status: 200,
    body: answer<typeof HealthResponseSchema>()({ status: 'ok' as const }),
  }),
  // The document's ~40 zod schemas are built when it is first asked for, not at every cold start of
  // the health check (esbuild keeps a bundled dynamic import lazy).
  'GET /openapi.json': async () => ({
    status: 200,
    body: (await import('../../shared/openapi.js')).openApiDocument(),
  }),
});

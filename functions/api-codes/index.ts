import { answer } from '../../shared/answer.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { CodeCheckSchema } from '../../shared/responses.js';
import { checkCode } from '../../shared/usecases/directory.js';

export const handler = httpHandler({
  'GET /codes/{cpt}': async (req) => {
    requireRole(req.caller, 'portal', 'reviewer', 'admin');
    return {
      status: 200,
      body: answer<typeof CodeCheckSchema>()(checkCode(req.params.cpt ?? '', req.query.lineOfBusiness)),
    };
  },
});

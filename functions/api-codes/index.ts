import { httpHandler, requireRole } from '../../shared/http.js';
import { checkCode } from '../../shared/usecases/directory.js';

export const handler = httpHandler({
  'GET /codes/{cpt}': async (req) => {
    requireRole(req.caller, 'portal', 'reviewer', 'admin');
    return { status: 200, body: checkCode(req.params.cpt ?? '', req.query.lineOfBusiness) };
  },
});

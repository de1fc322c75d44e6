import { answer } from '../../shared/answer.js';
import { tableRepository } from '../../shared/aws/runtime.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { MemberSavedSchema, ProviderSavedSchema } from '../../shared/responses.js';
import { upsertMember, upsertProvider } from '../../shared/usecases/directory.js';

const repo = tableRepository();

export const handler = httpHandler({
  'PUT /admin/members/{memberId}': async (req) => {
    requireRole(req.caller, 'admin');
    return {
      status: 200,
      body: answer<typeof MemberSavedSchema>()(await upsertMember(repo, req.params.memberId ?? '', req.body)),
    };
  },
  'PUT /admin/providers/{npi}': async (req) => {
    requireRole(req.caller, 'admin');
    return {
      status: 200,
      body: answer<typeof ProviderSavedSchema>()(await upsertProvider(repo, req.params.npi ?? '', req.body)),
    };
  },
});

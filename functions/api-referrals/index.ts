import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { answer } from '../../shared/answer.js';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { sfnAppealStarter, sfnTaskCallbacks, sfnWorkflowStarter } from '../../shared/aws/sfn.js';
import { readEnv } from '../../shared/env.js';
import { httpHandler, requireRole } from '../../shared/http.js';
import type { NoticeSchema, ReferralAcceptedSchema, ReferralViewSchema } from '../../shared/responses.js';
import { fileAppeal } from '../../shared/usecases/appeals.js';
import { answerInformationRequestBody } from '../../shared/usecases/information.js';
import { getNotice } from '../../shared/usecases/notice.js';
import { getReferralView, submitReferral } from '../../shared/usecases/referrals.js';

const env = readEnv({ AUTH_WORKFLOW_ARN: z.string().min(1), APPEAL_WORKFLOW_ARN: z.string().min(1) });
const deps = {
  repo: tableRepository(),
  workflow: sfnWorkflowStarter(env.AUTH_WORKFLOW_ARN),
  appeals: sfnAppealStarter(env.APPEAL_WORKFLOW_ARN),
  callbacks: sfnTaskCallbacks(),
  clock: systemClock,
  newId: () => `ref-${randomUUID()}`,
};
const appealDeps = { ...deps, newId: () => `ap-${randomUUID()}` };

export const handler = httpHandler({
  'POST /referrals': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    const { answer: accepted } = await submitReferral(deps, caller, req.body, req.headers['idempotency-key']);
    return { status: 202, body: answer<typeof ReferralAcceptedSchema>()(accepted) };
  },
  'GET /referrals/{id}': async (req) => {
    const caller = requireRole(req.caller, 'portal', 'reviewer');
    return {
      status: 200,
      body: answer<typeof ReferralViewSchema>()(
        await getReferralView(deps.repo, caller, req.params.id ?? ''),
      ),
    };
  },
  'GET /referrals/{id}/notice': async (req) => {
    const caller = requireRole(req.caller, 'portal', 'reviewer');
    return {
      status: 200,
      body: answer<typeof NoticeSchema>()(await getNotice(deps.repo, caller, req.params.id ?? '')),
    };
  },
  // SPEC 10: the clinic answers an information request; the workflow re-evaluates the merged case.
  'POST /referrals/{id}/information': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return {
      status: 202,
      body: await answerInformationRequestBody(deps, caller, req.params.id ?? '', req.body),
    };
  },
  // SPEC 11: an appeal opens an APPEAL review in its own workflow execution.
  'POST /referrals/{id}/appeals': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return { status: 202, body: await fileAppeal(appealDeps, caller, req.params.id ?? '', req.body) };
  },
});

import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { systemClock, tableRepository } from '../../shared/aws/runtime.js';
import { sfnTaskCallbacks, sfnWorkflowStarter } from '../../shared/aws/sfn.js';
import { readEnv } from '../../shared/env.js';
import { capabilityStatement, massageTherapyQuestionnaire } from '../../shared/fhir/conformance.js';
import { FHIR_JSON } from '../../shared/fhir/constants.js';
import { type HttpResponse, httpHandler, requireRole } from '../../shared/http.js';
import { getPasClaimResponse, inquirePasClaim, submitPasClaim } from '../../shared/usecases/pas.js';

const env = readEnv({
  AUTH_WORKFLOW_ARN: z.string().min(1),
  // SPEC 8: $submit waits for the determination this long, then answers A4 (the PAS IG allows 15 s).
  PAS_SUBMIT_WAIT_MS: z.coerce.number().int().min(0).max(25_000).default(10_000),
});
const deps = {
  repo: tableRepository(),
  workflow: sfnWorkflowStarter(env.AUTH_WORKFLOW_ARN),
  // A Claim update answers an information request: it resumes the waiting workflow (SPEC 10).
  callbacks: sfnTaskCallbacks(),
  clock: systemClock,
  newId: () => `ref-${randomUUID()}`,
  waitMs: env.PAS_SUBMIT_WAIT_MS,
};

const fhir = (status: number, body: unknown): HttpResponse => ({
  status,
  body,
  headers: { 'content-type': FHIR_JSON },
});

export const handler = httpHandler(
  {
    'GET /fhir/metadata': async () => fhir(200, capabilityStatement(systemClock.now().toISOString())),
    'GET /fhir/Questionnaire/massage-therapy': async (req) => {
      requireRole(req.caller, 'portal', 'reviewer', 'admin');
      return fhir(200, massageTherapyQuestionnaire());
    },
    'POST /fhir/Claim/$submit': async (req) => {
      const caller = requireRole(req.caller, 'portal');
      return fhir(200, (await submitPasClaim(deps, caller, req.body)).bundle);
    },
    'POST /fhir/Claim/$inquire': async (req) => {
      const caller = requireRole(req.caller, 'portal');
      return fhir(200, await inquirePasClaim(deps, caller, req.body));
    },
    'GET /fhir/ClaimResponse/{id}': async (req) => {
      const caller = requireRole(req.caller, 'portal', 'reviewer');
      return fhir(200, await getPasClaimResponse(deps, caller, req.params.id ?? ''));
    },
  },
  { errors: 'fhir' },
);

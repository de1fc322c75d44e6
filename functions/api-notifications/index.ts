import * as z from 'zod';
import { dynamoClient } from '../../shared/aws/dynamodb.js';
import { kmsSecretBox } from '../../shared/aws/notify-clients.js';
import { NotificationStore } from '../../shared/data/notifications.js';
import { readEnv, TableEnv } from '../../shared/env.js';
import { AppError, toErrorResponse } from '../../shared/errors.js';
import {
  type HttpRequest,
  type HttpResponse,
  httpHandler,
  type Route,
  requireRole,
} from '../../shared/http.js';
import { systemClock } from '../../shared/model.js';
import { postJson } from '../../shared/notify/http-post.js';
import {
  createSubscription,
  deleteSubscription,
  listDeliveries,
  makeHandshake,
  readSubscription,
  registerWebhook,
} from '../../shared/usecases/notifications.js';

const env = readEnv({
  ...TableEnv,
  SECRET_KEY_ID: z.string().min(1),
  ALLOW_LOOPBACK_ENDPOINTS: z.enum(['true', 'false']),
});
const policy = { allowLoopback: env.ALLOW_LOOPBACK_ENDPOINTS === 'true' };
const deps = {
  store: new NotificationStore(dynamoClient(), env.TABLE_NAME),
  clock: systemClock,
  policy,
  secrets: kmsSecretBox(env.SECRET_KEY_ID),
  handshake: makeHandshake(policy, postJson),
};

const FHIR_JSON = { 'content-type': 'application/fhir+json' };

/** /fhir answers errors as an OperationOutcome (SPEC 8) with the statuses of SPEC 4. */
function fhir(route: (req: HttpRequest) => Promise<HttpResponse>): Route {
  return async (req) => {
    try {
      const res = await route(req);
      return { ...res, headers: { ...FHIR_JSON, ...res.headers } };
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      const code =
        status === 404
          ? 'not-found'
          : status === 403 || status === 401
            ? 'forbidden'
            : status >= 500
              ? 'exception'
              : 'invalid';
      const details =
        err instanceof AppError && err.details?.length
          ? err.details
          : [{ field: '', message: body.error.message }];
      return {
        status,
        headers: FHIR_JSON,
        body: {
          resourceType: 'OperationOutcome',
          issue: details.map((d) => ({
            severity: 'error',
            code,
            details: { text: d.field ? `${d.field}: ${d.message}` : d.message },
            ...(d.field ? { expression: [`Subscription.${d.field}`] } : {}),
          })),
        },
      };
    }
  };
}

export const handler = httpHandler({
  'PUT /portals/{portalId}/webhook': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return { status: 200, body: await registerWebhook(deps, caller, req.params.portalId ?? '', req.body) };
  },
  'GET /portals/{portalId}/deliveries': async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return { status: 200, body: await listDeliveries(deps, caller, req.params.portalId ?? '') };
  },
  'POST /fhir/Subscription': fhir(async (req) => {
    const caller = requireRole(req.caller, 'portal');
    const resource = await createSubscription(deps, caller, req.body);
    return { status: 201, body: resource, headers: { location: `/fhir/Subscription/${resource.id}` } };
  }),
  'GET /fhir/Subscription/{id}': fhir(async (req) => {
    const caller = requireRole(req.caller, 'portal');
    return { status: 200, body: await readSubscription(deps, caller, req.params.id ?? '') };
  }),
  'DELETE /fhir/Subscription/{id}': fhir(async (req) => {
    const caller = requireRole(req.caller, 'portal');
    await deleteSubscription(deps, caller, req.params.id ?? '');
    return { status: 204 };
  }),
});

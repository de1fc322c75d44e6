/**
 * SPEC 8: Da Vinci PAS over the same workflow, table and policy as POST /referrals.
 *
 * `$submit` maps the Bundle to the SPEC 4.1 body and hands it to `submitCase` (the JSON route's intake,
 * with the Claim identifier as its idempotency key), so the FHIR request and the equivalent JSON request
 * produce the same referral, decision, reasons and authorization. It then waits, bounded, for the
 * workflow's recorded determination and answers with what is recorded (A4 if still pended). Without a
 * QuestionnaireResponse the case has no clinical section and the workflow asks for it (SPEC 10); a Claim
 * update carrying it is that information request's answer (`answerInformationRequest`).
 *
 * Two small records make the FHIR face durable (both idempotency-shaped items without a practical
 * expiry, written after the referral; a crash between is healed by the client's retry, which the
 * 24-hour submit idempotency answers with the same referral):
 *   `PAS#<portalId>` / sha256(Claim identifier) → the referral id, the mapped body's hash, the echo
 *     (a Claim update's own identifier gets one too, once its answer is applied)
 *   `PAS-RESPONSE` / <referralId> → the owning portal and the echo (for GET ClaimResponse/{id})
 */
import { createHash } from 'node:crypto';
import type { Bundle, ClaimResponse, Identifier } from '@medplum/fhirtypes';
import { ConditionFailedError, type Repository } from '../data/repository.js';
import { toIsoDate } from '../dates.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import {
  claimKey,
  elementOf,
  type PasEcho,
  readPasInquiry,
  readPasRequest,
  toBundleDetails,
} from '../fhir/request.js';
import { type PasDetermination, pasResponseBundle } from '../fhir/response.js';
import { type Caller, type Clock, FINAL_STATUSES, type ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import type { TaskCallbacks, WorkflowStarter } from '../ports.js';
import { InformationAnswerSchema, parseCase, parseOrThrow, type ReferralCase } from '../schemas.js';
import { assertCanRead, bodyHash, loadReferral } from './common.js';
import { answerInformationRequest } from './information.js';
import { submitCase } from './referrals.js';

export interface PasDeps {
  repo: Repository;
  workflow: WorkflowStarter;
  /** Resumes the workflow waiting for the clinic's answer (a Claim update, SPEC 10). */
  callbacks: TaskCallbacks;
  clock: Clock;
  newId: () => string;
  /** How long `$submit` waits for the recorded determination before answering A4 (SPEC 8). */
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

interface ClaimRecord {
  referralId: string;
  echo: PasEcho;
}
interface ResponseRecord {
  portalId: string;
  echo: PasEcho;
}

/** The records stay as long as the referral: 10 years, well past any record-keeping duty. */
const KEEP_SECONDS = 10 * 365 * 86_400;
const RESPONSE_SCOPE = 'PAS-RESPONSE';
const claimScope = (portalId: string) => `PAS#${portalId}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const defaultSleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

function requirePortal(caller: Caller): string {
  if (!caller.portalId) throw new ForbiddenError('Portal users need a portalId claim to submit requests.');
  return caller.portalId;
}

/** A referral as the response mapping reads it. */
export function determinationOf(referral: ReferralRecord): PasDetermination {
  const request = referral.request as ReferralRecord['request'] & { clinical?: unknown };
  return {
    referralId: referral.referralId,
    status: referral.status,
    reasons: referral.reasons,
    lines: referral.lines,
    authorization: referral.authorization,
    receivedAt: referral.receivedAt,
    decidedAt: referral.decidedAt,
    renderingProviderNpi: referral.request.renderingProviderNpi,
    // A final determination (e.g. an administrative denial) needs nothing more from the clinic.
    needsQuestionnaire: request.clinical === undefined && !FINAL_STATUSES.includes(referral.status),
  };
}

/** What a referral submitted as JSON echoes: its services numbered from 1, no Claim identifier. */
function echoOfJson(referral: ReferralRecord): PasEcho {
  return {
    claimIdentifiers: [],
    items: referral.request.services.map((s, i) => ({ sequence: i + 1, cpt: s.cpt })),
    memberId: referral.request.memberId,
  };
}

/** The Claim identifier → referral record, and (for the first Claim of a referral) the referral's echo. */
async function storeClaim(
  repo: Repository,
  portalId: string,
  key: string,
  hash: string,
  record: ClaimRecord,
  now: Date,
  firstOfReferral: boolean,
) {
  const expiresAt = Math.floor(now.getTime() / 1000) + KEEP_SECONDS;
  const tx = repo.transaction().putIdempotency(claimScope(portalId), key, hash, record, expiresAt);
  if (firstOfReferral) {
    const response: ResponseRecord = { portalId, echo: record.echo };
    tx.putIdempotency(RESPONSE_SCOPE, record.referralId, '', response, expiresAt);
  }
  try {
    await repo.commit(tx);
  } catch (err) {
    // A concurrent identical submit wrote the same records first.
    if (!(err instanceof ConditionFailedError)) throw err;
  }
}

/** A referral 422 (its fields) as a Bundle 422 (the elements they were read from). */
async function inBundleTerms<T>(origin: Record<string, string>, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ValidationError && err.details) {
      throw new ValidationError(toBundleDetails(err.details, origin), err.message);
    }
    throw err;
  }
}

/**
 * Polls the referral until the workflow has recorded something past `waiting` (by default RECEIVED),
 * or the wait runs out (a monotonic clock).
 */
async function awaitDetermination(
  deps: PasDeps,
  referralId: string,
  waiting: readonly string[] = ['RECEIVED'],
): Promise<ReferralRecord> {
  const sleep = deps.sleep ?? defaultSleep;
  const until = performance.now() + deps.waitMs;
  let pause = 20;
  for (;;) {
    const referral = await loadReferral(deps.repo, referralId);
    if (!waiting.includes(referral.status) || performance.now() >= until) return referral;
    await sleep(Math.min(pause, Math.max(1, until - performance.now())));
    pause = Math.min(pause * 2, 100);
  }
}

export interface PasAnswer {
  bundle: Bundle;
  referralId: string;
  replayed: boolean;
}

/** POST /fhir/Claim/$submit. */
export async function submitPasClaim(deps: PasDeps, caller: Caller, body: unknown): Promise<PasAnswer> {
  const portalId = requirePortal(caller);
  const request = readPasRequest(body);
  if (request.updates) return updatePasClaim(deps, caller, request, request.updates);

  const key = sha256(claimKey(request.echo.claimIdentifiers) ?? '');
  const hash = bodyHash(request.referral);
  const previous = await deps.repo.getIdempotency(claimScope(portalId), key);
  if (previous) {
    if (previous.bodyHash !== hash) {
      throw new ConflictError(
        'CLAIM_IDENTIFIER_REUSED',
        'A request with this Claim identifier was submitted with different content.',
      );
    }
    const record = previous.response as ClaimRecord;
    const referral = await awaitDetermination(deps, record.referralId);
    return { bundle: respond(deps, referral, record.echo), referralId: record.referralId, replayed: true };
  }

  // A request without a QuestionnaireResponse is a case without its clinical section: not an error,
  // the workflow asks for it (SPEC 8, 10), and a Claim update answers.
  const { answer } = await inBundleTerms(request.origin, () =>
    submitCase(deps, caller, parseCase(request.referral, toIsoDate(deps.clock.now())), {
      idempotencyKey: `pas:${key.slice(0, 64)}`,
      bodyHash: hash,
    }),
  );
  const { referralId } = answer;
  await storeClaim(
    deps.repo,
    portalId,
    key,
    hash,
    { referralId, echo: request.echo },
    deps.clock.now(),
    true,
  );
  logger.info('PAS request received', { referralId, portalId });
  const referral = await awaitDetermination(deps, referralId);
  return { bundle: respond(deps, referral, request.echo), referralId, replayed: false };
}

function respond(deps: PasDeps, referral: ReferralRecord, echo: PasEcho, inquiry = false): Bundle {
  return pasResponseBundle(determinationOf(referral), echo, { now: deps.clock.now().toISOString(), inquiry });
}

/** The request an identifier names, for this portal. */
async function findClaim(repo: Repository, portalId: string, identifiers: readonly Identifier[]) {
  for (const identifier of identifiers) {
    const key = claimKey([identifier]);
    if (!key) continue;
    const found = await repo.getIdempotency(claimScope(portalId), sha256(key));
    if (found) return found.response as ClaimRecord;
  }
  return undefined;
}

/** POST /fhir/Claim/$inquire: the current answer to the request the Claim's identifier names. */
export async function inquirePasClaim(deps: PasDeps, caller: Caller, body: unknown): Promise<Bundle> {
  const portalId = requirePortal(caller);
  const inquiry = readPasInquiry(body);
  const record = await findClaim(deps.repo, portalId, inquiry.claimIdentifiers);
  if (!record) throw new NotFoundError('A prior-authorization request with this Claim identifier');
  const referral = await loadReferral(deps.repo, record.referralId);
  const bundle = respond(deps, referral, record.echo, true);
  if (inquiry.bundleIdentifier) bundle.identifier = { ...inquiry.bundleIdentifier };
  return bundle;
}

/** GET /fhir/ClaimResponse/{id}: the owning portal or a reviewer; anyone else 404 (SPEC 4). */
export async function getPasClaimResponse(deps: PasDeps, caller: Caller, id: string): Promise<ClaimResponse> {
  const referral = await deps.repo.getReferral(id);
  if (!referral) throw new NotFoundError(`ClaimResponse ${id}`);
  try {
    assertCanRead(caller, referral);
  } catch {
    throw new NotFoundError(`ClaimResponse ${id}`);
  }
  return respond(deps, referral, await echoFor(deps.repo, referral)).entry?.[0]?.resource as ClaimResponse;
}

/** The request as the response echoes it: the PAS Claim's, or a JSON referral's services. */
async function echoFor(repo: Repository, referral: ReferralRecord): Promise<PasEcho> {
  const stored = await repo.getIdempotency(RESPONSE_SCOPE, referral.referralId);
  return stored ? (stored.response as ResponseRecord).echo : echoOfJson(referral);
}

/**
 * The PAS response Bundle for a referral as it stands now, or undefined when there is no such
 * referral: what a full-resource FHIR notification carries (SPEC 9). No caller check: the
 * notification goes only to the owning portal's subscriptions.
 */
export async function currentPasResponse(
  repo: Repository,
  referralId: string,
  now: string,
): Promise<Bundle | undefined> {
  const referral = await repo.getReferral(referralId);
  if (!referral) return undefined;
  return pasResponseBundle(determinationOf(referral), await echoFor(repo, referral), { now });
}

/** What a Claim update may change: the SPEC 10 answer's fields. Anything else needs a new request. */
const FIXED_FIELDS = [
  'memberId',
  'renderingProviderNpi',
  'urgency',
  'startDate',
  'requestedVisits',
  'services',
] as const;

const canonical = (value: unknown) => JSON.stringify(value);

/**
 * A Claim update (`related.claim` naming an earlier request of this portal, PASClaimUpdate): the FHIR
 * face of SPEC 10's information answer. What the update carries beyond the first request — the
 * QuestionnaireResponse, changed diagnoses or ordering provider — is the answer, handed to
 * `answerInformationRequest` (the JSON route's use case), which merges it and resumes the workflow;
 * the answer then waits, bounded like `$submit`, for the re-evaluated determination.
 * Refused, changing nothing: an unknown request (or another portal's) 404; a request not waiting for
 * information 409 INFORMATION_NOT_REQUESTED; an update changing the member, providers, items, visits
 * or dates 422 naming the element (a new request is needed for those).
 * The update's own identifier is remembered like a `$submit`'s: the same update again gets the
 * current answer and resumes nothing.
 */
async function updatePasClaim(
  deps: PasDeps,
  caller: Caller,
  request: ReturnType<typeof readPasRequest>,
  updates: NonNullable<ReturnType<typeof readPasRequest>['updates']>,
): Promise<PasAnswer> {
  const portalId = requirePortal(caller);
  const original = await findClaim(deps.repo, portalId, updates.identifiers);
  if (!original)
    throw new NotFoundError('The prior-authorization request this Claim updates (Claim.related.claim)');
  const { referralId } = original;

  const ownKey = claimKey(request.echo.claimIdentifiers);
  const reusesOriginalId = updates.identifiers.some((i) => claimKey([i]) === ownKey);
  const hash = bodyHash({ updates: referralId, referral: request.referral });
  // An update under the original's own identifier is remembered by its content: sent again it gets
  // the current answer, while a later round's different update still goes through.
  const key = sha256(reusesOriginalId ? `${ownKey}#update#${hash}` : (ownKey ?? ''));
  {
    const previous = await deps.repo.getIdempotency(claimScope(portalId), key);
    if (previous) {
      const record = previous.response as ClaimRecord;
      if (previous.bodyHash !== hash || record.referralId !== referralId) {
        throw new ConflictError(
          'CLAIM_IDENTIFIER_REUSED',
          'A request with this Claim identifier was submitted with different content.',
        );
      }
      const referral = await awaitDetermination(deps, referralId, ['PENDING_INFORMATION']);
      return { bundle: respond(deps, referral, request.echo), referralId, replayed: true };
    }
  }

  const referral = await loadReferral(deps.repo, referralId);
  const answer = updateAnswer(referral.request, request);
  await inBundleTerms(request.origin, () =>
    answerInformationRequest(deps, caller, referralId, parseOrThrow(InformationAnswerSchema, answer)),
  );
  await storeClaim(
    deps.repo,
    portalId,
    key,
    hash,
    { referralId, echo: request.echo },
    deps.clock.now(),
    false,
  );
  logger.info('PAS update received', { referralId, portalId });
  const decided = await awaitDetermination(deps, referralId, ['PENDING_INFORMATION']);
  return { bundle: respond(deps, decided, request.echo), referralId, replayed: false };
}

/**
 * The update as a SPEC 10 answer body over the case as it stands (422 naming the element otherwise);
 * `InformationAnswerSchema` then judges its values, as for the JSON route.
 */
function updateAnswer(current: ReferralCase, request: ReturnType<typeof readPasRequest>) {
  const update = request.referral;
  const fixed: Record<string, unknown> = {
    ...current,
    services: current.services.map((s) => s.cpt).sort(),
  };
  const sent: Record<string, unknown> = {
    ...update,
    services: (update.services as { cpt: string }[]).map((s) => s.cpt).sort(),
  };
  const changed = FIXED_FIELDS.filter((f) => canonical(fixed[f]) !== canonical(sent[f]));
  if (changed.length) {
    throw new ValidationError(
      changed.map((field) => ({
        field: elementOf(field === 'services' ? 'services.0' : field, request.origin),
        message: `${field}: differs from the request this Claim updates; an update answers the questionnaire (and may change diagnoses or the ordering provider), anything else needs a new request`,
      })),
      'The Claim update changes what only a new request can change.',
    );
  }
  const raw: Record<string, unknown> = {};
  if (update.clinical !== undefined) raw.clinical = update.clinical;
  if (canonical(update.diagnoses) !== canonical(current.diagnoses.map((d) => ({ code: d.code }))))
    raw.diagnoses = update.diagnoses;
  if (update.orderingProviderNpi !== current.orderingProviderNpi)
    raw.orderingProviderNpi = update.orderingProviderNpi;
  if (Object.keys(raw).length === 0) {
    throw new ValidationError(
      [
        {
          field: request.origin.clinical ?? 'Bundle.entry[0].resource.supportingInfo',
          message:
            'the update carries nothing new: it needs the QuestionnaireResponse answering Questionnaire/massage-therapy',
        },
      ],
      'The Claim update answers nothing.',
    );
  }
  return raw;
}

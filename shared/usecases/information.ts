/**
 * SPEC 10: asking the clinic for what is missing. The AuthorizationWorkflow's RequestInformation
 * task holds the callback token on the referral; an answer (JSON or a PAS Claim update) merges into
 * the case and resumes the workflow, which evaluates the merged case through the same policy.
 */
import { ConditionFailedError, type Repository } from '../data/repository.js';
import { ConflictError, NotFoundError, TransientError } from '../errors.js';
import type { Caller, Clock, InformationRequestRecord, ReferralRecord } from '../model.js';
import { logger } from '../observability.js';
import {
  applyInformationLapse,
  applyInformationRequest,
  decisionDueAfterAnswer,
  informationDiff,
  informationDueAt,
  mergeInformation,
} from '../policy/information.js';
import { type EventPublisher, type TaskCallbacks, TaskGoneError } from '../ports.js';
import { type InformationAnswer, InformationAnswerSchema, parseOrThrow } from '../schemas.js';
import { actorOf, loadReferral, nowIso } from './common.js';
import type { AuthorizationState } from './determination.js';

/** What the workflow's information wait resumes with: the next pass over the case. */
export interface InformationOutcome {
  referralId: string;
  round: number;
  informationNotReceived?: true;
}

export interface RequestInformationInput {
  state: AuthorizationState;
  taskToken: string;
}

/**
 * AuthorizationWorkflow › RequestInformation (.waitForTaskToken): the referral becomes
 * PENDING_INFORMATION, the decision clock stops, and the token waits on the referral for the
 * clinic's answer. Asked by the reviewer's REQUEST_INFORMATION, or by the system when the case has
 * no clinical section. A re-armed wait (a re-drive) only swaps the token.
 */
export async function requestInformation(
  repo: Repository,
  events: EventPublisher,
  clock: Clock,
  input: RequestInformationInput,
): Promise<{ referralId: string; round: number }> {
  const { state, taskToken } = input;
  const round = state.round ?? 0;
  const referral = await loadReferral(repo, state.referralId);
  const expected = referral.version;
  const requests = referral.informationRequests ?? [];
  const current = requests.find((r) => r.round === round);
  if (current) {
    // The same pass asked already: wait again with the new token (unless it was answered meanwhile).
    if (!current.answeredAt && !current.lapsedAt) {
      await repo.commit(
        repo.transaction().putReferral({ ...referral, informationTaskToken: taskToken }, expected),
      );
    }
    return { referralId: referral.referralId, round };
  }
  const at = nowIso(clock);
  const decision = state.decision?.outcome === 'REQUEST_INFORMATION' ? state.decision : undefined;
  const requested = decision?.requested ?? state.evaluation?.determination.informationNeeded ?? [];
  if (requested.length === 0)
    throw new NotFoundError(`Information request for referral ${referral.referralId}`);
  const det = state.evaluation?.determination;
  const patch = applyInformationRequest(referral, {
    round,
    at,
    requested,
    taskToken,
    ...(decision ? { reviewer: { ...decision.reviewer, reviewId: decision.reviewId } } : {}),
    ...(det ? { determination: det } : {}),
  });
  const tx = repo.transaction().putReferral(patch.referral, expected);
  if (decision) {
    const review = await repo.getReview(decision.reviewId);
    if (review) tx.putReview({ ...review, recorded: true }, 'any');
  }
  tx.addHistory(referral.referralId, { at, ...patch.history });
  await repo.commit(tx);
  await events.publish('prior-auth.reviews', 'InformationRequested', {
    schemaVersion: '1',
    referralId: referral.referralId,
    status: 'PENDING_INFORMATION',
    reasons: ['INFORMATION_REQUESTED'],
    codes: requested.map((r) => r.code),
    dueAt: informationDueAt(at),
  });
  logger.info('information requested', {
    referralId: referral.referralId,
    round,
    by: decision ? 'reviewer' : 'system',
  });
  return { referralId: referral.referralId, round };
}

/**
 * The 14 days ran out (SPEC 10): the request is marked lapsed, the decision clock runs again from
 * now, and the next pass opens a review flagged INFORMATION_NOT_RECEIVED. Nothing is decided.
 */
export async function informationLapsed(
  repo: Repository,
  clock: Clock,
  state: Pick<AuthorizationState, 'referralId' | 'round'>,
): Promise<InformationOutcome> {
  const round = state.round ?? 0;
  const outcome: InformationOutcome = {
    referralId: state.referralId,
    round: round + 1,
    informationNotReceived: true,
  };
  const referral = await loadReferral(repo, state.referralId);
  const at = nowIso(clock);
  const patch = applyInformationLapse(referral, round, at);
  if (!patch) return outcome;
  await repo.commit(
    repo
      .transaction()
      .putReferral(patch.referral, referral.version)
      .addHistory(referral.referralId, { at, ...patch.history }),
  );
  logger.warn('information not received in time', { referralId: referral.referralId, round });
  return outcome;
}

export interface AnswerDeps {
  repo: Repository;
  callbacks: TaskCallbacks;
  clock: Clock;
}

export interface AnswerResult {
  referralId: string;
  status: ReferralRecord['status'];
  /** The fields the answer changed. */
  changed: string[];
  decisionDueAt: string;
}

/** `POST /referrals/{id}/information`: the JSON body, parsed (422 naming each bad field), then answered. */
export async function answerInformationRequestBody(
  deps: AnswerDeps,
  caller: Caller,
  referralId: string,
  body: unknown,
): Promise<AnswerResult> {
  return answerInformationRequest(deps, caller, referralId, parseOrThrow(InformationAnswerSchema, body));
}

/**
 * SPEC 10, for every face of the desk (JSON, PAS Claim update): merge the answer over the case,
 * restart the decision clock, and resume the workflow, which evaluates the merged case through the
 * same policy. Only the owning portal may answer (anyone else: 404, as if the referral did not
 * exist); a referral not waiting for information is 409 INFORMATION_NOT_REQUESTED. A rejected
 * answer changes nothing, and so does one the workflow could not take (it is rolled back).
 */
export async function answerInformationRequest(
  deps: AnswerDeps,
  caller: Caller,
  referralId: string,
  answer: InformationAnswer,
): Promise<AnswerResult> {
  const referral = await deps.repo.getReferral(referralId);
  if (!referral || !caller.portalId || caller.portalId !== referral.portalId) {
    throw new NotFoundError(`Referral ${referralId}`);
  }
  const requests = referral.informationRequests ?? [];
  const open = requests.at(-1);
  const token = referral.informationTaskToken;
  if (referral.status !== 'PENDING_INFORMATION' || !open || open.answeredAt || open.lapsedAt || !token) {
    throw new ConflictError(
      'INFORMATION_NOT_REQUESTED',
      `Referral ${referralId} is not waiting for information (status ${referral.status}).`,
    );
  }
  const merged = mergeInformation(referral.request, answer);
  const at = nowIso(deps.clock);
  const changes = informationDiff(referral.request, merged);
  const answered: InformationRequestRecord = {
    ...open,
    answeredAt: at,
    answeredBy: caller.sub,
    previousRequest: referral.request,
    changes,
  };
  if (answer.note) answered.note = answer.note;
  const { informationTaskToken: _used, ...rest } = referral;
  const next: ReferralRecord = {
    ...rest,
    request: merged,
    decisionDueAt: decisionDueAfterAnswer(at, merged.urgency),
    informationRequests: [...requests.slice(0, -1), answered],
  };
  const expected = referral.version;
  try {
    await deps.repo.commit(
      deps.repo
        .transaction()
        .putReferral(next, expected)
        .addHistory(referralId, {
          at,
          actor: actorOf(caller, 'portal'),
          event: 'INFORMATION_RECEIVED',
          status: referral.status,
        }),
    );
  } catch (err) {
    if (err instanceof ConditionFailedError)
      throw new ConflictError(
        'INFORMATION_NOT_REQUESTED',
        'The referral changed meanwhile; read it and try again.',
      );
    throw err;
  }
  const outcome: InformationOutcome = { referralId, round: open.round + 1 };
  try {
    await deps.callbacks.succeed(token, outcome);
  } catch (err) {
    // The workflow did not take it: put the referral back as it was, so the answer is never half-applied.
    await deps.repo.commit(deps.repo.transaction().putReferral(referral, expected + 1));
    if (err instanceof TaskGoneError) {
      throw new ConflictError(
        'INFORMATION_NOT_REQUESTED',
        'The information request has ended (its 14 days ran out); the answer was not applied.',
        err,
      );
    }
    throw new TransientError(
      'The answer could not be delivered to the workflow; nothing was recorded. Try again.',
      err,
    );
  }
  logger.info('information received', { referralId, round: open.round, changed: changes.length });
  return {
    referralId,
    status: referral.status,
    changed: changes.map((c) => c.field),
    decisionDueAt: next.decisionDueAt,
  };
}

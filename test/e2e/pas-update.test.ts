/**
 * SPEC 8 + 10 over HTTP against the local stack: a PAS request without its QuestionnaireResponse
 * pends for it, and a Claim update carrying it gets the case re-evaluated through the same
 * information answer as `POST /referrals/{id}/information`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewActions as actions, claimIdentifier, type PasCase, pasBundle } from '../fhir/bundles.js';
import { r4IssuesDeep } from '../fhir/validator.js';
import { type Api, inDays, pasCases, referral, settled, startApi } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

const clinical = referral().clinical;
const aCase = pasCases('U');
let updates = 0;

type User = Parameters<Api['token']>[0];

async function post(path: string, body: unknown, user: User = 'portal') {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      accept: 'application/fhir+json',
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${await api.token(user)}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  // Whatever the desk answers on /fhir is valid R4: response Bundles and OperationOutcomes alike.
  expect(r4IssuesDeep(parsed)).toEqual([]);
  return { status: res.status, type: res.headers.get('content-type'), body: parsed };
}

const submitBundle = (c: PasCase, user?: User) => post('/fhir/Claim/$submit', pasBundle(c), user);

/** A request without its QuestionnaireResponse, pended for it. */
async function pendedForQuestionnaire(overrides: Partial<PasCase> = {}) {
  const first = aCase({ ...overrides, clinical: null });
  const res = await submitBundle(first);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { first, answer: res.body, referralId: res.body.entry[0].resource.preAuthRef as string };
}

async function view(referralId: string) {
  const res = await api.call('GET', `/referrals/${referralId}`, { token: await api.token('reviewerMd') });
  expect(res.status).toBe(200);
  return res.body;
}

describe('pended for the questionnaire, then decided on the Claim update', () => {
  it(
    'no QuestionnaireResponse → A4 queued asking for it → Claim update with it → A1, on the same referral',
    { timeout: 60_000 },
    async () => {
      const { first, answer, referralId } = await pendedForQuestionnaire();
      const cr = answer.entry[0].resource;
      expect(cr.outcome).toBe('queued');
      expect(actions(answer)).toEqual([[1, 'A4', ['INFORMATION_REQUESTED'], undefined]]);
      expect(cr.processNote[0].text).toMatch(/Questionnaire\/massage-therapy.*Claim update/);
      // The need is named as a PAS Task asking for the questionnaire, about this Claim.
      const task = answer.entry.find((e: any) => e.resource.resourceType === 'Task')?.resource;
      expect(task.code.coding[0].code).toBe('attachment-request-questionnaire');
      expect(task.reasonReference).toEqual({ identifier: claimIdentifier(first.claimId) });
      expect(task.input).toContainEqual({
        type: { text: 'questionnaire' },
        valueCanonical: 'https://prior-auth.example.org/fhir/Questionnaire/massage-therapy',
      });
      // Behind it, SPEC 10's information request, as the JSON view shows it.
      const waiting = await settled(api, referralId, 'PENDING_INFORMATION');
      expect(waiting.informationRequests).toEqual([
        expect.objectContaining({ requestedBy: 'system', status: 'OPEN' }),
      ]);

      const update = aCase({ ...first, claimId: `${first.claimId}-u1`, updates: first.claimId, clinical });
      const decided = await submitBundle(update);
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
      const dcr = decided.body.entry[0].resource;
      expect(dcr.id).toBe(cr.id);
      expect(dcr.preAuthRef).toBe(referralId);
      expect(dcr.outcome).toBe('complete');
      expect(dcr.identifier).toEqual([claimIdentifier(update.claimId)]);
      expect(actions(decided.body)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
      expect(dcr.preAuthPeriod).toEqual({ start: inDays(7), end: inDays(67) });
      expect(decided.body.entry.some((e: any) => e.resource.resourceType === 'Task')).toBe(false);

      const after = await view(referralId);
      expect(after.status).toBe('APPROVED');
      expect(after.informationRequests).toEqual([
        expect.objectContaining({ status: 'ANSWERED', answeredAt: expect.any(String) }),
      ]);
      const events = after.history.map((h: { event: string }) => h.event);
      expect(events).toContain('INFORMATION_RECEIVED');

      // $inquire by the first identifier sees the decision; the same update again is the same answer
      // and resumes nothing.
      const inquired = await post('/fhir/Claim/$inquire', pasBundle(first));
      expect(actions(inquired.body)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
      const again = await submitBundle(update);
      expect(again.status).toBe(200);
      expect(actions(again.body)).toEqual(actions(decided.body));
      expect((await view(referralId)).history).toHaveLength(after.history.length);
    },
  );

  it(
    'an update under the original Claim identifier is applied once: sent again it is the same answer',
    { timeout: 60_000 },
    async () => {
      const { first, referralId } = await pendedForQuestionnaire();
      await settled(api, referralId, 'PENDING_INFORMATION');
      const update = aCase({ ...first, updates: first.claimId, clinical });
      const decided = await submitBundle(update);
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
      expect(actions(decided.body)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
      const after = await view(referralId);
      const again = await submitBundle(update);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(actions(again.body)).toEqual(actions(decided.body));
      expect((await view(referralId)).history).toHaveLength(after.history.length);
    },
  );

  it(
    'the JSON information answer takes a PAS-pended request too: one re-evaluation path for both faces',
    { timeout: 60_000 },
    async () => {
      const { first, referralId } = await pendedForQuestionnaire();
      await settled(api, referralId, 'PENDING_INFORMATION');
      const answered = await api.call('POST', `/referrals/${referralId}/information`, {
        token: await api.token('portal'),
        body: { clinical },
      });
      expect(answered.status, JSON.stringify(answered.body)).toBe(202);
      await settled(api, referralId, 'APPROVED');
      const inquired = await post('/fhir/Claim/$inquire', pasBundle(first));
      expect(actions(inquired.body)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
      // Answered already: a Claim update now finds nothing waiting (409).
      const late = await submitBundle(
        aCase({ ...first, claimId: `${first.claimId}-u`, updates: first.claimId, clinical }),
      );
      expect(late.status).toBe(409);
    },
  );

  it(
    'a bad update is a 4xx OperationOutcome and changes nothing; a good one still works afterwards',
    {
      timeout: 60_000,
    },
    async () => {
      const { first, referralId } = await pendedForQuestionnaire();
      await settled(api, referralId, 'PENDING_INFORMATION');
      const before = await view(referralId);
      const update = (overrides: Partial<PasCase>) =>
        aCase({
          ...first,
          claimId: `${first.claimId}-u${++updates}`,
          updates: first.claimId,
          clinical,
          ...overrides,
        });
      const expression = (res: { body: any }) =>
        res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);

      // An unknown original, and another portal naming this portal's request: 404.
      const unknown = await submitBundle(update({ updates: 'U-never-submitted' }));
      expect(unknown.status).toBe(404);
      expect(unknown.type).toBe('application/fhir+json');
      expect(unknown.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'not-found' }],
      });
      const foreign = await submitBundle(update({}), 'otherPortal');
      expect(foreign.status).toBe(404);

      // An update that changes the visits asked is not an answer: 422 at the element.
      const visits = await submitBundle(update({ requestedVisits: 9 }));
      expect(visits.status).toBe(422);
      expect(expression(visits)).toEqual(['Bundle.entry[0].resource.item[0].quantity.value']);

      // An update without the QuestionnaireResponse answers nothing; one whose answers break the rules
      // is 422 naming the answer in the QuestionnaireResponse.
      const empty = await submitBundle(update({ clinical: null }));
      expect(empty.status).toBe(422);
      expect(expression(empty)).toEqual(['Bundle.entry[0].resource.supportingInfo']);
      const badWeeks = await submitBundle(
        update({ clinical: { ...clinical, expectedImprovement: { withinWeeks: -3 } } }),
      );
      expect(badWeeks.status).toBe(422);
      expect(expression(badWeeks)[0]).toMatch(/^Bundle\.entry\[6\]\.resource\.item\[\d+\]\.answer$/);

      const unchanged = await view(referralId);
      expect(unchanged.status).toBe('PENDING_INFORMATION');
      expect(unchanged.history).toEqual(before.history);
      expect(unchanged.informationRequests).toEqual(before.informationRequests);

      // The first request itself, decided: no update answers it any more (409).
      const good = await submitBundle(update({}));
      expect(good.status).toBe(200);
      expect(actions(good.body)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
      const late = await submitBundle(update({}));
      expect(late.status).toBe(409);
      expect(late.body.issue[0].details.text).toMatch(/not waiting for information/);
    },
  );
});

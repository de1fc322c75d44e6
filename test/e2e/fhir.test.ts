/** SPEC 8 over HTTP against the local stack: Da Vinci PAS on the same workflow, table and policy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  reviewActions as actions,
  claimIdentifier,
  jsonBody,
  type PasCase,
  pasBundle,
} from '../fhir/bundles.js';
import { r4IssuesDeep } from '../fhir/validator.js';
import { type Api, inDays, pasCases, settled, startApi, submit } from './helpers.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api?.stop());

const aCase = pasCases('C');

async function fhir(
  method: string,
  path: string,
  body?: unknown,
  user: Parameters<Api['token']>[0] | null = 'portal',
) {
  const headers: Record<string, string> = { accept: 'application/fhir+json' };
  if (user) headers.authorization = `Bearer ${await api.token(user)}`;
  if (body !== undefined) headers['content-type'] = 'application/fhir+json';
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

async function submitClaim(c: PasCase, user: Parameters<Api['token']>[0] = 'portal') {
  const res = await fhir('POST', '/fhir/Claim/$submit', pasBundle(c), user);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.type).toBe('application/fhir+json');
  expect(r4IssuesDeep(res.body)).toEqual([]);
  return res.body;
}

const claimResponse = (bundle: any) => bundle.entry[0].resource;

describe('PAS conformance resources', () => {
  it('serves the CapabilityStatement without a token, as application/fhir+json, valid R4', async () => {
    const res = await fhir('GET', '/fhir/metadata', undefined, null);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/fhir+json');
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(r4IssuesDeep(res.body)).toEqual([]);
  });

  it('serves the questionnaire to a signed-in caller only', async () => {
    expect((await fhir('GET', '/fhir/Questionnaire/massage-therapy', undefined, null)).status).toBe(401);
    const res = await fhir('GET', '/fhir/Questionnaire/massage-therapy');
    expect(res.status).toBe(200);
    expect(res.body.item.map((i: { linkId: string }) => i.linkId)).toContain('expectedImprovementWeeks');
    expect(r4IssuesDeep(res.body)).toEqual([]);
  });
});

describe('Claim/$submit answers synchronously with the recorded determination', () => {
  it('A1, and the same referral, decision, reasons and authorization as the equivalent JSON request', async () => {
    const c = aCase();
    const bundle = await submitClaim(c);
    const cr = claimResponse(bundle);
    expect(cr.outcome).toBe('complete');
    expect(cr.identifier).toEqual([claimIdentifier(c.claimId)]);
    expect(actions(bundle)).toEqual([[1, 'A1', ['CRITERIA_A_MET'], 6]]);
    expect(cr.preAuthPeriod).toEqual({ start: inDays(7), end: inDays(67) });

    const viaFhir = await settled(api, cr.preAuthRef);
    const viaJson = await settled(api, await submit(api, jsonBody(c)));
    const same = (v: any) => ({
      status: v.status,
      reasons: v.reasons,
      criteria: v.criteria,
      lines: v.lines,
      memberId: v.memberId,
      urgency: v.urgency,
      startDate: v.startDate,
      decidedBy: v.decidedBy,
      authorization: v.authorization,
    });
    expect(same(viaFhir)).toEqual(same(viaJson));
    expect(viaFhir.status).toBe('APPROVED');
  });

  it('A2 when the yearly limit cuts the visits (3 left of 6 asked)', async () => {
    const bundle = await submitClaim(aCase({ memberId: 'M-2004' }));
    expect(actions(bundle)).toEqual([[1, 'A2', ['CRITERIA_A_MET', 'BENEFIT_LIMIT_APPLIED'], 3]]);
    expect(claimResponse(bundle).outcome).toBe('complete');
  });

  it('A3 per line: 99213 (E&M) not certified beside 97124 certified', async () => {
    const bundle = await submitClaim(aCase({ cpts: ['97124', '99213'] }));
    expect(actions(bundle)).toEqual([
      [1, 'A1', ['CRITERIA_A_MET'], 6],
      [2, 'A3', ['CODE_NOT_IN_RANGE'], undefined],
    ]);
  });

  it('A4 queued when an ARNP ordered it (criterion A3 goes to a reviewer)', async () => {
    const bundle = await submitClaim(aCase({ orderingProviderNpi: '1972000024' }));
    expect(actions(bundle)).toEqual([[1, 'A4', ['A3_NOT_MET'], undefined]]);
    expect(claimResponse(bundle).outcome).toBe('queued');
    expect(claimResponse(bundle)).not.toHaveProperty('preAuthPeriod');
  });

  it('an unknown member is a determination (A3 MEMBER_NOT_ELIGIBLE), not an error', async () => {
    const bundle = await submitClaim(aCase({ memberId: 'M-9999' }));
    expect(actions(bundle)).toEqual([[1, 'A3', ['MEMBER_NOT_ELIGIBLE'], undefined]]);
  });

  it('the same Claim identifier again returns the first answer; other content under it is 409', async () => {
    const c = aCase();
    const first = await submitClaim(c);
    const again = await submitClaim(c);
    expect(claimResponse(again).id).toBe(claimResponse(first).id);
    expect(actions(again)).toEqual(actions(first));
    const other = await fhir('POST', '/fhir/Claim/$submit', pasBundle({ ...c, requestedVisits: 4 }));
    expect(other.status).toBe(409);
    expect(other.body.resourceType).toBe('OperationOutcome');
    expect(r4IssuesDeep(other.body)).toEqual([]);
  });
});

describe('Claim/$inquire and ClaimResponse/{id}', () => {
  it('$inquire by the Claim identifier answers the current ClaimResponse; an unknown one 404', async () => {
    const c = aCase();
    const submitted = await submitClaim(c);
    const res = await fhir('POST', '/fhir/Claim/$inquire', pasBundle(c));
    expect(res.status).toBe(200);
    expect(r4IssuesDeep(res.body)).toEqual([]);
    expect(claimResponse(res.body).id).toBe(claimResponse(submitted).id);
    expect(actions(res.body)).toEqual(actions(submitted));
    const unknown = await fhir('POST', '/fhir/Claim/$inquire', pasBundle(aCase()));
    expect(unknown.status).toBe(404);
    expect(unknown.body.issue[0].code).toBe('not-found');
    // Another portal cannot inquire about it either.
    expect((await fhir('POST', '/fhir/Claim/$inquire', pasBundle(c), 'otherPortal')).status).toBe(404);
  });

  it('the owning portal and reviewers read the ClaimResponse; another portal gets a 404 OperationOutcome', async () => {
    const id = claimResponse(await submitClaim(aCase())).id;
    const own = await fhir('GET', `/fhir/ClaimResponse/${id}`);
    expect(own.status).toBe(200);
    expect(own.body.resourceType).toBe('ClaimResponse');
    expect(r4IssuesDeep(own.body)).toEqual([]);
    expect((await fhir('GET', `/fhir/ClaimResponse/${id}`, undefined, 'reviewerMd')).status).toBe(200);
    const other = await fhir('GET', `/fhir/ClaimResponse/${id}`, undefined, 'otherPortal');
    expect(other.status).toBe(404);
    expect(other.type).toBe('application/fhir+json');
    expect(other.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    expect(r4IssuesDeep(other.body)).toEqual([]);
  });
});

describe('bad requests get an OperationOutcome naming the element, never a 5xx', () => {
  it('422 for a Bundle the desk cannot read, 400 for malformed JSON, 403 for a reviewer', async () => {
    const bundle = pasBundle(aCase());
    delete (bundle.entry[0]?.resource as { careTeam?: unknown }).careTeam;
    const res = await fhir('POST', '/fhir/Claim/$submit', bundle);
    expect(res.status).toBe(422);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain(
      'Bundle.entry[0].resource.careTeam',
    );
    expect(r4IssuesDeep(res.body)).toEqual([]);

    const badDate = await fhir('POST', '/fhir/Claim/$submit', pasBundle(aCase({ startDate: inDays(400) })));
    expect(badDate.status).toBe(422);
    expect(badDate.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.item[0].servicedDate']);

    const malformed = await fhir('POST', '/fhir/Claim/$submit', '{"resourceType":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.resourceType).toBe('OperationOutcome');
    expect((await fhir('POST', '/fhir/Claim/$submit', pasBundle(aCase()), 'reviewerMd')).status).toBe(403);
  });
});

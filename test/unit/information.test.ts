import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import type { ReferralRecord } from '../../shared/model.js';
import {
  applyInformationLapse,
  applyInformationRequest,
  decisionDueAfterAnswer,
  determineCase,
  informationDiff,
  informationDueAt,
  MISSING_CLINICAL_REQUEST,
  mergeInformation,
} from '../../shared/policy/information.js';
import {
  CaseSchema,
  InformationAnswerSchema,
  parseReferral,
  type ReferralCase,
} from '../../shared/schemas.js';
import { member, ORDERING_NPI, provider, referralBody, TODAY } from '../fixtures.js';

const RECEIVED = '2026-11-22T10:00:00.000Z';
const base = (): ReferralCase => parseReferral(referralBody(), TODAY);
const answer = (body: unknown) => InformationAnswerSchema.parse(body);

describe('mergeInformation (SPEC 10)', () => {
  it('replaces the clinical fields sent and keeps every other field', () => {
    const before = base();
    const after = mergeInformation(before, answer({ clinical: { expectedImprovement: { withinWeeks: 4 } } }));
    expect(after.clinical?.expectedImprovement).toEqual({ withinWeeks: 4 });
    expect(after.clinical?.objectiveFindings).toEqual(before.clinical?.objectiveFindings);
    expect(after.clinical?.outcomeMeasures).toEqual(before.clinical?.outcomeMeasures);
    expect(after.diagnoses).toEqual(before.diagnoses);
    // Pure: the case it was given is unchanged.
    expect(before.clinical?.expectedImprovement).toEqual({ withinWeeks: 6 });
  });

  it('replaces lists whole (the clinic sends the list as it now stands)', () => {
    const after = mergeInformation(base(), answer({ clinical: { objectiveFindings: ['a', 'b'] } }));
    expect(after.clinical?.objectiveFindings).toEqual(['a', 'b']);
  });

  it('merges terminalIllness and planOfCare field by field', () => {
    const after = mergeInformation(
      base(),
      answer({
        clinical: { terminalIllness: { terminal: true }, planOfCare: { certifiedOn: '2026-11-21' } },
      }),
    );
    expect(after.clinical?.terminalIllness).toEqual({ terminal: true, comfortCare: false });
    expect(after.clinical?.planOfCare).toEqual({ certifiedByNpi: ORDERING_NPI, certifiedOn: '2026-11-21' });
  });

  it('replaces diagnoses and the ordering provider when sent; a note alone changes nothing in the case', () => {
    const after = mergeInformation(
      base(),
      answer({ diagnoses: [{ code: 'S33.5XXA' }], orderingProviderNpi: '1234567802' }),
    );
    expect(after.diagnoses).toEqual([{ code: 'S33.5XXA' }]);
    expect(after.orderingProviderNpi).toBe('1234567802');
    expect(mergeInformation(base(), answer({ note: 'see fax' }))).toEqual(base());
  });

  it('gives a case without a clinical section the answer as its first, with the defaults', () => {
    const { clinical: _none, ...rest } = base();
    const bare = CaseSchema.parse(rest);
    const after = mergeInformation(
      bare,
      answer({ clinical: { purpose: 'rehabilitation', objectiveFindings: ['x'] } }),
    );
    expect(after.clinical).toEqual({
      purpose: 'rehabilitation',
      objectiveFindings: ['x'],
      functionalLimitations: [],
      terminalIllness: { terminal: false, comfortCare: false },
      contraindications: [],
      outcomeMeasures: [],
    });
  });

  it('refuses (422) a first clinical section without its purpose, naming the field', () => {
    const { clinical: _none, ...rest } = base();
    const bare = CaseSchema.parse(rest);
    let caught: unknown;
    try {
      mergeInformation(bare, answer({ clinical: { objectiveFindings: ['x'] } }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).details?.map((d) => d.field)).toEqual(['clinical.purpose']);
  });

  it('refuses an empty answer and a merged planOfCare without a certifier', () => {
    expect(InformationAnswerSchema.safeParse({}).success).toBe(false);
    const { clinical, ...rest } = base();
    const noPlan = CaseSchema.parse({ ...rest, clinical: { ...clinical, planOfCare: undefined } });
    expect(() =>
      mergeInformation(noPlan, answer({ clinical: { planOfCare: { certifiedOn: '2026-11-21' } } })),
    ).toThrow(ValidationError);
  });
});

describe('informationDiff', () => {
  it('lists each changed field with its value before and after, whatever the key order', () => {
    const before = base();
    const after = mergeInformation(before, answer({ clinical: { expectedImprovement: { withinWeeks: 4 } } }));
    const shuffled = {
      ...before,
      clinical: Object.fromEntries(Object.entries(before.clinical ?? {}).reverse()),
    };
    expect(informationDiff(shuffled as ReferralCase, after)).toEqual([
      { field: 'clinical.expectedImprovement', before: { withinWeeks: 6 }, after: { withinWeeks: 4 } },
    ]);
    expect(informationDiff(before, before)).toEqual([]);
  });
});

describe('the clock (SPEC 10)', () => {
  it('runs again in full from the answer: 72 h standard, 24 h expedited', () => {
    expect(decisionDueAfterAnswer('2026-12-02T08:30:00.000Z', 'standard')).toBe('2026-12-05T08:30:00.000Z');
    expect(decisionDueAfterAnswer('2026-12-02T08:30:00.000Z', 'expedited')).toBe('2026-12-03T08:30:00.000Z');
  });
  it('waits 14 days for the answer', () => {
    expect(informationDueAt('2026-12-20T08:30:00.000Z')).toBe('2027-01-03T08:30:00.000Z');
  });
});

describe('determineCase: a case without its clinical section', () => {
  const { clinical: _none, ...rest } = referralBody();
  const bare = CaseSchema.parse(rest);
  const input = {
    referral: bare,
    member: member(),
    renderingProvider: provider(),
    orderingProvider: provider({ credentials: ['MD'] }),
    visitsRecordedThisYear: 0,
    receivedAt: RECEIVED,
  };

  it('asks for the questionnaire once the administrative checks pass, judging nothing clinical', () => {
    const d = determineCase(input);
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.reasons).toEqual(['INFORMATION_REQUESTED']);
    expect(d.informationNeeded).toEqual(MISSING_CLINICAL_REQUEST);
    expect(d.informationNeeded?.[0]?.text).toMatch(/massage-therapy/);
    expect(d.recommendation).toBeNull();
    expect(d.criteria.find((c) => c.id === 'ELIGIBILITY')?.met).toBe(true);
    for (const id of ['A1', 'A2', 'A3', 'A4', 'B', 'EXCLUSIONS', 'CONTRAINDICATIONS']) {
      expect(d.criteria.find((c) => c.id === id)).toMatchObject({
        met: null,
        evidence: expect.stringMatching(/not been received/),
      });
    }
  });

  it('still denies an ineligible member', () => {
    const d = determineCase({ ...input, member: undefined });
    expect(d.status).toBe('DENIED');
    expect(d.reasons).toEqual(['MEMBER_NOT_ELIGIBLE']);
    expect(d.informationNeeded).toBeNull();
  });

  it('keeps what the administrative checks found (a non-contracted provider)', () => {
    const d = determineCase({ ...input, renderingProvider: provider({ contracted: false }) });
    expect(d.reasons).toEqual(['NON_CONTRACTED_PROVIDER', 'INFORMATION_REQUESTED']);
  });

  it('with a clinical section is the same determination as SPEC 5', () => {
    const d = determineCase({ ...input, referral: base() });
    expect(d.status).toBe('APPROVED');
    expect(d.informationNeeded).toBeNull();
  });
});

describe('asking and the wait running out (SPEC 10), as patches', () => {
  const referral = (): ReferralRecord =>
    ({
      referralId: 'r-1',
      status: 'PENDING_REVIEW',
      reasons: ['A4_NOT_MET'],
      decisionDueAt: '2026-11-25T10:00:00.000Z',
      request: base(),
      criteria: [],
      lines: [],
      version: 3,
    }) as unknown as ReferralRecord;

  it("a reviewer's request pends the referral, keeps the paused clock and names the reviewer", () => {
    const before = referral();
    const patch = applyInformationRequest(before, {
      round: 0,
      at: RECEIVED,
      requested: [{ code: 'OUTCOME_MEASURES', text: 'an ODI score' }],
      taskToken: 'tok-1',
      reviewer: { id: 'rev-1', credential: 'PT', reviewId: 'rv-1' },
    });
    expect(patch.referral).toMatchObject({
      status: 'PENDING_INFORMATION',
      reasons: ['INFORMATION_REQUESTED'],
      informationTaskToken: 'tok-1',
      informationRequests: [
        {
          round: 0,
          requestedBy: { id: 'rev-1', credential: 'PT' },
          reviewId: 'rv-1',
          dueAt: informationDueAt(RECEIVED),
          pausedDecisionDueAt: '2026-11-25T10:00:00.000Z',
        },
      ],
    });
    expect(patch.history).toMatchObject({ event: 'INFORMATION_REQUESTED', actor: { role: 'reviewer' } });
    expect(before.status).toBe('PENDING_REVIEW');
  });

  it('a lapse drops the token, restarts the decision clock from now and marks the round, once', () => {
    const asked = applyInformationRequest(referral(), {
      round: 0,
      at: RECEIVED,
      requested: MISSING_CLINICAL_REQUEST,
      taskToken: 'tok-1',
    }).referral;
    const at = '2026-12-06T10:00:00.000Z';
    const patch = applyInformationLapse(asked, 0, at);
    expect(patch?.referral).not.toHaveProperty('informationTaskToken');
    expect(patch?.referral).toMatchObject({
      reasons: ['INFORMATION_NOT_RECEIVED'],
      decisionDueAt: decisionDueAfterAnswer(at, 'standard'),
      informationRequests: [{ round: 0, lapsedAt: at }],
    });
    expect(patch?.history).toMatchObject({ actor: 'system', event: 'INFORMATION_NOT_RECEIVED' });
    expect(patch && applyInformationLapse(patch.referral, 0, at)).toBeUndefined();
  });
});

describe('the pass after an unanswered request (SPEC 10)', () => {
  it('flags a case going to a reviewer INFORMATION_NOT_RECEIVED, and leaves a decided case alone', () => {
    const input = {
      referral: base(),
      member: member(),
      renderingProvider: provider(),
      orderingProvider: provider({ credentials: ['MD'] }),
      visitsRecordedThisYear: 0,
      receivedAt: RECEIVED,
    };
    const pended = { ...input, referral: { ...base(), clinical: undefined } };
    expect(determineCase({ ...pended, informationNotReceived: true }).reasons).toContain(
      'INFORMATION_NOT_RECEIVED',
    );
    expect(determineCase(pended).reasons).not.toContain('INFORMATION_NOT_RECEIVED');
    const approved = determineCase({ ...input, informationNotReceived: true });
    expect(approved.status).toBe('APPROVED');
    expect(approved.reasons).not.toContain('INFORMATION_NOT_RECEIVED');
  });
});

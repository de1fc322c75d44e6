import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { isValidNpi, npiCheckDigit } from '../../shared/npi.js';
import { parseCase, parseReferral, parseVisit, ReviewDecisionSchema } from '../../shared/schemas.js';
import { referralBody, TODAY, visitBody } from '../fixtures.js';

function detailsOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).details?.map((d) => d.field);
  }
  throw new Error('expected a ValidationError');
}

describe('NPI check digit', () => {
  it.each([
    ['1234567893', true],
    ['1972000008', true],
    ['1972000000', false],
    ['123456789', false],
    ['12345678a3', false],
  ])('%s valid=%s', (npi, valid) => expect(isValidNpi(npi)).toBe(valid));
  it('computes the CMS example check digit', () => expect(npiCheckDigit('123456789')).toBe(3));
});

describe('referral body', () => {
  it('accepts the SPEC 4.1 example (with a Luhn-valid ordering NPI)', () => {
    const r = parseReferral(referralBody(), TODAY);
    expect(r.services[0]?.cpt).toBe('97124');
  });
  it('names every bad field', () => {
    const fields = detailsOf(() =>
      parseReferral(
        referralBody({
          orderingProviderNpi: '1972000000',
          requestedVisits: 53,
          diagnoses: [{ code: 'back pain' }],
          services: [{ cpt: '97124', unitsPerVisit: 5 }],
        }),
        TODAY,
      ),
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        'orderingProviderNpi',
        'requestedVisits',
        'diagnoses.0.code',
        'services.0.unitsPerVisit',
      ]),
    );
  });
  it('rejects unknown purposes and contraindications', () => {
    const base = referralBody();
    const fields = detailsOf(() =>
      parseReferral(
        { ...base, clinical: { ...base.clinical, purpose: 'spa', contraindications: ['headache'] } },
        TODAY,
      ),
    );
    expect(fields).toEqual(['clinical.purpose', 'clinical.contraindications.0']);
  });
  it.each([
    ['2026-10-23', true], // 30 days back
    ['2026-10-22', false], // 31 days back
    ['2027-05-21', true], // 180 days ahead
    ['2027-05-22', false],
  ])('start date %s accepted=%s', (startDate, ok) => {
    const run = () => parseReferral(referralBody({ startDate }), TODAY);
    if (ok) expect(run).not.toThrow();
    else expect(detailsOf(run)).toEqual(['startDate']);
  });
  it('a case (a PAS request without its QuestionnaireResponse) may lack clinical; POST /referrals may not', () => {
    const { clinical: _none, ...withoutClinical } = referralBody();
    expect(parseCase(withoutClinical, TODAY)).not.toHaveProperty('clinical');
    expect(detailsOf(() => parseReferral(withoutClinical, TODAY))).toEqual(['clinical']);
    // The same date rules apply to a case.
    expect(detailsOf(() => parseCase({ ...withoutClinical, startDate: '2027-05-22' }, TODAY))).toEqual([
      'startDate',
    ]);
  });
  it('rejects an outcome score outside its instrument range', () => {
    const base = referralBody();
    const fields = detailsOf(() =>
      parseReferral(
        {
          ...base,
          clinical: { ...base.clinical, outcomeMeasures: [{ instrument: 'PSFS', score: 11, goal: 8 }] },
        },
        TODAY,
      ),
    );
    expect(fields).toEqual(['clinical.outcomeMeasures.0.score']);
  });
});

describe('visit body', () => {
  it('accepts the SPEC 4.3 example', () => expect(parseVisit(visitBody(), TODAY).services).toHaveLength(1));
  it('refuses a visit dated after today', () =>
    expect(detailsOf(() => parseVisit(visitBody({ date: '2026-11-23' }), TODAY))).toEqual(['date']));
  it('refuses a score out of range', () =>
    expect(
      detailsOf(() => parseVisit(visitBody({ outcomeMeasures: [{ instrument: 'NDI', score: 51 }] }), TODAY)),
    ).toEqual(['outcomeMeasures.0.score']));
});

describe('review decision', () => {
  it('needs a note and a reason code to deny', () => {
    const r = ReviewDecisionSchema.safeParse({ outcome: 'DENY' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['note', 'reasonCodes']);
  });
  it('approves with nothing else', () =>
    expect(ReviewDecisionSchema.parse({ outcome: 'APPROVE' }).outcome).toBe('APPROVE'));
});

import { describe, expect, it } from 'vitest';
import {
  CODE_TABLE,
  type CodeTable,
  checkLineCode,
  codeCheck,
  isEmCode,
  isSeparatelyPayable,
  RANGE_CPTS,
  REFERRAL_REASON,
} from '../../shared/codes.js';

/** A fictional code deleted at the end of November 2026, next to a live one. */
const TABLE_WITH_DELETED: CodeTable = {
  ...CODE_TABLE,
  '97039': {
    description: 'Unlisted modality (fictional test entry)',
    timed: false,
    medicarePaymentStatus: 'A',
    effectiveFrom: '2020-03-16',
    deletedOn: '2026-11-30',
  },
  '97999': {
    description: 'Code entering the range in 2027 (fictional test entry)',
    timed: true,
    medicarePaymentStatus: 'A',
    effectiveFrom: '2027-01-01',
  },
};

describe('published range for Massage Therapy', () => {
  it('holds exactly 97124, 97140 and 97010', () => {
    expect([...RANGE_CPTS].sort()).toEqual(['97010', '97124', '97140']);
    expect(REFERRAL_REASON).toBe('Massage Therapy');
  });
  it('marks 97124 and 97140 as timed 15-minute codes and 97010 as untimed', () => {
    expect(CODE_TABLE['97124'].timed).toBe(true);
    expect(CODE_TABLE['97140'].timed).toBe(true);
    expect(CODE_TABLE['97010'].timed).toBe(false);
  });
  it('has no deleted code today', () => {
    for (const cpt of RANGE_CPTS) expect(checkLineCode(cpt, '2030-12-31')).toEqual({ ok: true });
  });
});

describe('GET /codes/{cpt} answer', () => {
  it('says an in-range code needs authorization and describes it', () => {
    expect(codeCheck('97124')).toMatchObject({
      cpt: '97124',
      inPublishedRange: true,
      referralReason: 'Massage Therapy',
      authorizationRequired: true,
      timed: true,
      separatelyPayable: null,
    });
    expect(codeCheck('97124').description).toMatch(/massage, including effleurage/);
  });
  it('tells a Medicare caller that hot/cold packs are bundled, not separately paid', () => {
    const medicare = codeCheck('97010', 'medicare');
    expect(medicare.authorizationRequired).toBe(true);
    expect(medicare.separatelyPayable).toBe(false);
    expect(medicare.note).toMatch(/not separately payable/);
    expect(codeCheck('97010', 'commercial').separatelyPayable).toBe(true);
    expect(codeCheck('97124', 'medicare').separatelyPayable).toBe(true);
  });
  it.each([
    ['99202', true],
    ['99213', true],
    ['99499', true],
    ['99201', false],
    ['99500', false],
  ])('E&M %s recognised=%s, never authorized with the procedure', (cpt, em) => {
    const answer = codeCheck(cpt);
    expect(isEmCode(cpt)).toBe(em);
    expect(answer).toMatchObject({
      inPublishedRange: false,
      referralReason: null,
      authorizationRequired: false,
      description: null,
    });
    expect(answer.note).toMatch(em ? /E&M/ : /Not in the published range/);
  });
  it.each(['97110', 'G0283', 'constructor', '__proto__'])('%s is not in the range', (cpt) =>
    expect(codeCheck(cpt).inPublishedRange).toBe(false));
});

describe('one requested line against the start date', () => {
  it.each([
    ['97124', '2026-12-01', { ok: true }],
    ['97039', '2026-11-29', { ok: true }],
    ['97039', '2026-11-30', { ok: true }], // the deletion day itself is not after the deletion
    ['97039', '2026-12-01', { ok: false, reason: 'CODE_DELETED' }],
    ['97999', '2026-12-31', { ok: false, reason: 'CODE_NOT_IN_RANGE' }], // not yet in effect
    ['97999', '2027-01-01', { ok: true }],
    ['99213', '2026-12-01', { ok: false, reason: 'CODE_NOT_IN_RANGE' }],
  ])('%s starting %s → %o', (cpt, start, expected) =>
    expect(checkLineCode(cpt, start, TABLE_WITH_DELETED)).toMatchObject(expected));
  it('explains a deletion with its date', () => {
    const r = checkLineCode('97039', '2026-12-01', TABLE_WITH_DELETED);
    expect(r.ok ? '' : r.evidence).toBe('97039 was deleted on 2026-11-30, before start date 2026-12-01');
  });
  it('pays out-of-range codes under this authorization never', () => {
    expect(isSeparatelyPayable('99213', 'commercial')).toBe(false);
    expect(isSeparatelyPayable('97140', undefined)).toBe(true);
  });
});

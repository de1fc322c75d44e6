import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BILLING_EDITS } from '../../shared/billing.js';
import {
  APPEAL_TEXT,
  BILLING_EDIT_CATALOGUE,
  CATALOGUE,
  describeReason,
  type PolicyText,
  QUOTE_GAP,
  QUOTED_SOURCES,
  REASON_KINDS,
} from '../../shared/catalogue.js';
import { REVIEW_REASONS } from '../../shared/progress.js';
import { REASON_CODES, type ReasonCode } from '../../shared/reasons.js';

/** Seed text as a reader sees it: no markdown bold, one space between words. */
const normalise = (text: string) => text.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
const seed = (file: string) =>
  normalise(readFileSync(new URL(`../../../shared/seeds/${file}`, import.meta.url), 'utf8'));

function quotedFile(policy: PolicyText): string | undefined {
  return (QUOTED_SOURCES as Record<string, string>)[policy.source];
}

describe('reason catalogue (SPEC 5.6)', () => {
  it('has exactly one entry per reason code, under its own code', () => {
    expect(Object.keys(CATALOGUE).sort()).toEqual([...REASON_CODES].sort());
    for (const code of REASON_CODES) expect(describeReason(code).code).toBe(code);
  });

  it.each(REASON_CODES)('%s has a title, a plain sentence, a kind and the policy it rests on', (code) => {
    const e = describeReason(code);
    expect(e.title.trim()).not.toBe('');
    expect(e.sentence.trim().length).toBeGreaterThan(30);
    expect(e.policy.source.trim()).not.toBe('');
    expect(e.policy.text.trim().length).toBeGreaterThan(20);
    expect(REASON_KINDS).toContain(e.kind);
    // Plain language: no reason codes or internal identifiers in what a member reads.
    expect(e.sentence).not.toMatch(/[A-Z0-9]+_[A-Z0-9_]+/);
  });

  it.each(
    REASON_CODES.flatMap((code) => {
      const file = quotedFile(CATALOGUE[code].policy);
      return file ? [[code, file] as const] : [];
    }),
  )('%s quotes %s word for word', (code, file) => {
    const text = seed(file);
    for (const fragment of CATALOGUE[code].policy.text.split(QUOTE_GAP)) expect(text).toContain(fragment);
  });

  it.each<[ReasonCode, string]>([
    ['A1_NOT_MET', 'objective physical and functional limitations'],
    ['A2_NOT_MET', 'It will have physical therapeutic benefits.'],
    ['A3_NOT_MET', 'It has been ordered by the treating physician.'],
    ['A4_NOT_MET', 'improve significantly within a reasonable and generally predictable period of time'],
    ['CRITERIA_B_MET', 'The patient is terminally ill, and the therapy is needed for comfort.'],
    ['EXCLUDED_PURPOSE', 'prevention, recreation (spa therapy) or stress reduction'],
    ['MAINTENANCE_NOT_COVERED', 'maintenance of current level of functioning'],
    ['CONTRAINDICATION', 'acute inflammations, skin infections, unhealed fractures, and burns'],
    ['NO_MEANINGFUL_PROGRESS', 'is not showing meaningful progress'],
    ['GOALS_ACHIEVED', 'has achieved therapeutic goals'],
    ['MEDICARE_PT_REQUIRED', 'delivered by a physical therapist as part of the rehabilitation plan of care'],
    ['CODE_NOT_IN_RANGE', '97124, 97140, 97010'],
    ['CODE_NOT_IN_RANGE', 'do not include the standard E&M code range'],
    ['CODE_DELETED', 'CPT codes deleted by the American Medical Association'],
  ])('%s rests on the criterion that says "%s"', (code, words) => {
    expect(CATALOGUE[code].policy.text).toContain(words);
  });

  it.each<[ReasonCode, string]>([
    ['CRITERIA_A_MET', 'approval'],
    ['CRITERIA_B_MET', 'approval'],
    ['MEDICARE_CRITERIA_MET', 'approval'],
    ['MEMBER_NOT_ELIGIBLE', 'denial'],
    ['BENEFIT_EXHAUSTED', 'denial'],
    ['CODE_NOT_IN_RANGE', 'denial'],
    ['MEDICARE_PT_REQUIRED', 'denial'],
    ['A1_NOT_MET', 'pend'],
    ['EXCLUDED_PURPOSE', 'pend'],
    ['PLAN_OF_CARE_REQUIRED', 'pend'],
    ['GOALS_ACHIEVED', 'progress'],
    ['MEDICARE_MAINTENANCE_REVIEW', 'progress'],
    ['REVIEWER_DENIED', 'reviewer'],
    ['REVIEWER_CONTINUED', 'reviewer'],
  ])('%s is a %s reason', (code, kind) => expect(CATALOGUE[code].kind).toBe(kind));

  it('pended clinical reasons say a reviewer decides — the software never denies on clinical grounds', () => {
    const clinical: ReasonCode[] = [
      'EXCLUDED_PURPOSE',
      'MAINTENANCE_NOT_COVERED',
      'CONTRAINDICATION',
      'A1_NOT_MET',
      'A2_NOT_MET',
      'A3_NOT_MET',
      'A4_NOT_MET',
      ...REVIEW_REASONS,
    ];
    for (const code of clinical) expect(CATALOGUE[code].sentence).toMatch(/clinical reviewer/);
  });

  it('reviewer reasons rest on the human-review rule', () => {
    for (const code of REASON_CODES.filter((c) => c.startsWith('REVIEWER_'))) {
      expect(CATALOGUE[code].policy.text).toMatch(
        /No medical-necessity denial or stop is ever made by the software alone/,
      );
      expect(CATALOGUE[code].sentence).toMatch(/licensed clinical reviewer/);
    }
  });
});

describe('billing edit catalogue', () => {
  it.each(BILLING_EDITS)('%s is described, with any seed quote verbatim', (edit) => {
    const e = BILLING_EDIT_CATALOGUE[edit];
    expect(e.code).toBe(edit);
    expect(e.sentence.length).toBeGreaterThan(20);
    const file = quotedFile(e.policy);
    if (file) {
      const text = seed(file);
      for (const fragment of e.policy.text.split(QUOTE_GAP)) expect(text).toContain(fragment);
    }
  });
});

describe('appeal text', () => {
  it('tells a member or provider how, when and how fast to appeal', () => {
    expect(APPEAL_TEXT).toMatch(/within 180 days/);
    expect(APPEAL_TEXT).toMatch(/in writing/i);
    expect(APPEAL_TEXT).toMatch(/expedited/i);
    expect(APPEAL_TEXT).toMatch(/72 hours/);
    expect(APPEAL_TEXT).toMatch(/treating provider/);
  });
  it('is a template: the plan fills in its own contact details', () => {
    expect(APPEAL_TEXT.match(/\[[^\]]+\]/g)?.length).toBeGreaterThanOrEqual(3);
  });
});

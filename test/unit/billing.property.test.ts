import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBilling, type ServiceInput, TIMED_CODES, unitsForMinutes } from '../../shared/billing.js';
import { LINES_OF_BUSINESS } from '../../shared/schemas.js';

const service = fc.record({
  cpt: fc.constantFrom('97124', '97140', '97010'),
  minutes: fc.integer({ min: 0, max: 240 }),
  bodyRegion: fc.constantFrom('lumbar', 'cervical', 'thoracic', 'Lumbar'),
  modifiers: fc.subarray(['59', 'XS', 'GP', 'KX']),
});
const procedures = fc.array(
  fc.record({
    code: fc.constantFrom('98940', '98941', '98942', '98925', '98929', '97110', '98943'),
    bodyRegion: fc.constantFrom('lumbar', 'cervical', 'thoracic'),
  }),
  { maxLength: 3 },
);
const input = fc.record({
  lineOfBusiness: fc.constantFrom(...LINES_OF_BUSINESS),
  services: fc.array(service, { minLength: 1, maxLength: 6 }),
  sameDayProcedures: procedures,
});

const isTimed = (s: ServiceInput) => (TIMED_CODES as readonly string[]).includes(s.cpt);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('billing properties', () => {
  it('units are whole and never negative; one line per service, in order', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = computeBilling(i);
        expect(b.lines.map((l) => l.cpt)).toEqual(i.services.map((s) => s.cpt));
        for (const l of b.lines) expect(Number.isInteger(l.units) && l.units >= 0).toBe(true);
      }),
    );
  });

  it('Medicare: timed units add up to exactly the 8-minute-rule units of the total', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = computeBilling({ ...i, lineOfBusiness: 'medicare' });
        const timed = i.services.map((s, k) => ({ s, l: b.lines[k]! })).filter(({ s }) => isTimed(s));
        expect(sum(timed.map(({ l }) => l.units))).toBe(
          unitsForMinutes(sum(timed.map(({ s }) => s.minutes))),
        );
      }),
    );
  });

  it('Medicare: a line never gets more than one unit beyond its whole 15-minute units, nor a unit without minutes', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = computeBilling({ ...i, lineOfBusiness: 'medicare' });
        i.services.forEach((s, k) => {
          if (!isTimed(s)) return;
          const u = b.lines[k]!.units;
          expect(u).toBeGreaterThanOrEqual(Math.floor(s.minutes / 15));
          expect(u).toBeLessThanOrEqual(Math.floor(s.minutes / 15) + (s.minutes % 15 > 0 ? 1 : 0));
        });
      }),
    );
  });

  it("PER_CODE: each code's units are its own minutes' units; with one line per code, each line's own rule", () => {
    fc.assert(
      fc.property(input, fc.constantFrom('commercial', 'medicaid' as const), (i, lob) => {
        const b = computeBilling({ ...i, lineOfBusiness: lob });
        expect(b.method).toBe('PER_CODE');
        for (const cpt of TIMED_CODES) {
          const idx = i.services.flatMap((s, k) => (s.cpt === cpt ? [k] : []));
          const minutes = sum(idx.map((k) => i.services[k]!.minutes));
          expect(sum(idx.map((k) => b.lines[k]!.units))).toBe(unitsForMinutes(minutes));
          if (idx.length === 1) expect(b.lines[idx[0]!]!.units).toBe(unitsForMinutes(minutes));
        }
      }),
    );
  });

  it('97010 is always one unit when minutes > 0, payable only outside Medicare (unless nothing else holds it)', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = computeBilling(i);
        i.services.forEach((s, k) => {
          if (s.cpt !== '97010') return;
          const l = b.lines[k]!;
          expect(l.units).toBe(s.minutes > 0 ? 1 : 0);
          expect(l.separatelyPayable).toBe(s.minutes > 0 && i.lineOfBusiness !== 'medicare');
        });
      }),
    );
  });

  it('a line is payable exactly when it has no edits, and a 0-unit line is never payable', () => {
    fc.assert(
      fc.property(input, (i) => {
        for (const l of computeBilling(i).lines) {
          expect(l.separatelyPayable).toBe(l.edits.length === 0);
          if (l.units === 0) expect(l.separatelyPayable).toBe(false);
        }
      }),
    );
  });

  it('is deterministic, and which code gets a unit does not depend on the order of codes', () => {
    fc.assert(
      fc.property(input, (i) => {
        expect(computeBilling(i)).toEqual(computeBilling(structuredClone(i)));
        // Reversing the lines keeps each code's total units (ties go by CPT, not by position).
        const perCode = (services: ServiceInput[]) => {
          const b = computeBilling({ ...i, services });
          const totals: Record<string, number> = {};
          b.lines.forEach((l) => {
            totals[l.cpt] = (totals[l.cpt] ?? 0) + l.units;
          });
          return totals;
        };
        expect(perCode([...i.services].reverse())).toEqual(perCode(i.services));
      }),
    );
  });
});

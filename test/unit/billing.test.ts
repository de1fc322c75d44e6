import { describe, expect, it } from 'vitest';
import {
  type BillingInput,
  computeBilling,
  type ServiceInput,
  unitsForMinutes,
} from '../../shared/billing.js';
import type { LineOfBusiness } from '../../shared/schemas.js';

const svc = (
  cpt: string,
  minutes: number,
  bodyRegion = 'lumbar',
  modifiers: string[] = [],
): ServiceInput => ({
  cpt,
  minutes,
  bodyRegion,
  modifiers,
});

function bill(
  lineOfBusiness: LineOfBusiness,
  services: ServiceInput[],
  sameDayProcedures: BillingInput['sameDayProcedures'] = [],
) {
  return computeBilling({ lineOfBusiness, services, sameDayProcedures });
}
const units = (b: ReturnType<typeof bill>) => b.lines.map((l) => [l.cpt, l.units]);

describe('the 15-minute unit ladder', () => {
  it.each([
    [0, 0],
    [7, 0],
    [8, 1],
    [22, 1],
    [23, 2],
    [37, 2],
    [38, 3],
    [52, 3],
    [53, 4],
    [67, 4],
    [68, 5],
  ])('%i minutes → %i units', (minutes, expected) => expect(unitsForMinutes(minutes)).toBe(expected));
});

describe('Medicare: CMS 8-minute rule on total timed minutes', () => {
  it.each<[string, ServiceInput[], [string, number][]]>([
    [
      'SPEC: 97124 24 + 97140 23 → 2 + 1',
      [svc('97124', 24), svc('97140', 23)],
      [
        ['97124', 2],
        ['97140', 1],
      ],
    ],
    [
      'SPEC: 97124 33 + 97140 7 → 2 + 1',
      [svc('97124', 33), svc('97140', 7)],
      [
        ['97124', 2],
        ['97140', 1],
      ],
    ],
    [
      '7 + 7 = 14 → one unit, tie to the lower CPT',
      [svc('97124', 7), svc('97140', 7)],
      [
        ['97124', 1],
        ['97140', 0],
      ],
    ],
    [
      'tie ignores the order lines were entered',
      [svc('97140', 7), svc('97124', 7)],
      [
        ['97140', 0],
        ['97124', 1],
      ],
    ],
    [
      '7 + 8: the one with more leftover wins',
      [svc('97124', 7), svc('97140', 8)],
      [
        ['97124', 0],
        ['97140', 1],
      ],
    ],
    [
      '3 + 4 = 7 → nothing billable',
      [svc('97124', 3), svc('97140', 4)],
      [
        ['97124', 0],
        ['97140', 0],
      ],
    ],
    [
      '10 + 10 = 20 → one unit (not 1 + 1)',
      [svc('97124', 10), svc('97140', 10)],
      [
        ['97124', 1],
        ['97140', 0],
      ],
    ],
    ['single code 30 → 2', [svc('97124', 30)], [['97124', 2]]],
    [
      '45 + 15 = 60 → 3 + 1',
      [svc('97124', 45), svc('97140', 15)],
      [
        ['97124', 3],
        ['97140', 1],
      ],
    ],
    [
      'whole units first: 20 + 20 = 40 → 3',
      [svc('97124', 20), svc('97140', 20)],
      [
        ['97124', 2],
        ['97140', 1],
      ],
    ],
  ])('%s', (_, services, expected) => {
    const b = bill('medicare', services);
    expect(b.method).toBe('CMS_8_MINUTE');
    expect(units(b)).toEqual(expected);
  });

  it('counts a code on two lines as one service, then shares its units between the lines', () => {
    // 97124 has 24 minutes in all (1 whole unit + 9 left); 97140's 10 left wins the second unit.
    const b = bill('medicare', [svc('97124', 12, 'lumbar'), svc('97124', 12, 'thoracic'), svc('97140', 10)]);
    expect(units(b)).toEqual([
      ['97124', 1],
      ['97124', 0],
      ['97140', 1],
    ]);
  });

  it('bills 97010 as one unit that is not separately payable (status B) and keeps it out of the timed total', () => {
    const b = bill('medicare', [svc('97010', 15), svc('97124', 7)]);
    expect(b.lines[0]).toMatchObject({ units: 1, separatelyPayable: false, edits: ['MEDICARE_BUNDLED'] });
    expect(b.lines[1]).toMatchObject({
      units: 0,
      separatelyPayable: false,
      edits: ['BELOW_MINIMUM_MINUTES'],
    });
  });
});

describe('commercial and Medicaid: each code on its own', () => {
  it.each<[LineOfBusiness, ServiceInput[], [string, number][]]>([
    [
      'commercial',
      [svc('97124', 10), svc('97140', 10)],
      [
        ['97124', 1],
        ['97140', 1],
      ],
    ],
    [
      'medicaid',
      [svc('97124', 10), svc('97140', 10)],
      [
        ['97124', 1],
        ['97140', 1],
      ],
    ],
    [
      'commercial',
      [svc('97124', 7), svc('97140', 7)],
      [
        ['97124', 0],
        ['97140', 0],
      ],
    ],
    [
      'commercial',
      [svc('97124', 24), svc('97140', 23)],
      [
        ['97124', 2],
        ['97140', 2],
      ],
    ],
    [
      'commercial',
      [svc('97124', 33), svc('97140', 7)],
      [
        ['97124', 2],
        ['97140', 0],
      ],
    ],
    ['commercial', [svc('97124', 60)], [['97124', 4]]],
  ])('%s %j', (lob, services, expected) => {
    const b = bill(lob, services);
    expect(b.method).toBe('PER_CODE');
    expect(units(b)).toEqual(expected);
  });

  it("adds a code's minutes across lines (5 + 5 = 10 → one unit, on the first line)", () => {
    const b = bill('commercial', [svc('97124', 5, 'lumbar'), svc('97124', 5, 'cervical')]);
    expect(units(b)).toEqual([
      ['97124', 1],
      ['97124', 0],
    ]);
  });

  it('pays 97010 separately as one unit whatever the minutes', () => {
    for (const minutes of [1, 10, 45]) {
      expect(bill('commercial', [svc('97010', minutes)]).lines[0]).toMatchObject({
        units: 1,
        separatelyPayable: true,
        edits: [],
      });
    }
  });
});

describe('lines', () => {
  it('keep input order, minutes and modifiers; a clean line is payable', () => {
    const b = bill('commercial', [
      svc('97140', 20, 'neck', ['GP']),
      svc('97124', 30, 'lumbar', ['GP', 'KX']),
    ]);
    expect(b.lines).toEqual([
      { cpt: '97140', minutes: 20, units: 1, modifiers: ['GP'], separatelyPayable: true, edits: [] },
      { cpt: '97124', minutes: 30, units: 2, modifiers: ['GP', 'KX'], separatelyPayable: true, edits: [] },
    ]);
  });

  it('do not share the caller’s modifier arrays', () => {
    const modifiers = ['59'];
    const b = bill('commercial', [svc('97124', 30, 'lumbar', modifiers)]);
    modifiers.push('XS');
    expect(b.lines[0]?.modifiers).toEqual(['59']);
  });

  it('with 0 minutes earn nothing: timed → BELOW_MINIMUM_MINUTES, 97010 → NO_SERVICE_TIME (not delivered)', () => {
    const b = bill('commercial', [svc('97124', 0), svc('97010', 0)]);
    expect(b.lines.map((l) => [l.units, l.separatelyPayable, l.edits])).toEqual([
      [0, false, ['BELOW_MINIMUM_MINUTES']],
      [0, false, ['NO_SERVICE_TIME']],
    ]);
  });

  it('with a code outside the massage range are not billable', () => {
    expect(bill('commercial', [svc('99213', 20)]).lines[0]).toMatchObject({
      units: 0,
      separatelyPayable: false,
      edits: ['CODE_NOT_BILLABLE'],
    });
  });
});

describe('same-day manipulation (NCCI)', () => {
  const chiro = [{ code: '98940', bodyRegion: 'Lumbar' }];
  it.each<[string, ServiceInput, BillingInput['sameDayProcedures'], boolean]>([
    ['no modifier, other region', svc('97124', 30, 'cervical'), chiro, false],
    ['59, other region', svc('97124', 30, 'cervical', ['59']), chiro, true],
    ['XS, other region', svc('97140', 30, 'cervical', ['XS']), chiro, true],
    ['59, same region (case-insensitive)', svc('97124', 30, 'lumbar', ['59']), chiro, false],
    ['59, same region with spaces', svc('97124', 30, ' LUMBAR ', ['59']), chiro, false],
    ['other modifier only', svc('97140', 30, 'cervical', ['GP']), chiro, false],
    ['98942 is manipulation', svc('97124', 30, 'lumbar'), [{ code: '98942', bodyRegion: 'thoracic' }], false],
    ['98925 osteopathic', svc('97124', 30, 'lumbar'), [{ code: '98925', bodyRegion: 'thoracic' }], false],
    ['98929 osteopathic', svc('97124', 30, 'lumbar'), [{ code: '98929', bodyRegion: 'thoracic' }], false],
    [
      '98924 is not in the range',
      svc('97124', 30, 'lumbar'),
      [{ code: '98924', bodyRegion: 'lumbar' }],
      true,
    ],
    [
      '98943 is not in the SPEC range',
      svc('97124', 30, 'lumbar'),
      [{ code: '98943', bodyRegion: 'lumbar' }],
      true,
    ],
    [
      'another procedure is not manipulation',
      svc('97124', 30, 'lumbar'),
      [{ code: '97110', bodyRegion: 'lumbar' }],
      true,
    ],
    [
      'region must differ from every manipulated region',
      svc('97124', 30, 'cervical', ['59']),
      [
        { code: '98940', bodyRegion: 'lumbar' },
        { code: '98925', bodyRegion: 'Cervical' },
      ],
      false,
    ],
  ])('%s → payable %s', (_, service, procedures, payable) => {
    const line = bill('commercial', [service], procedures).lines[0];
    expect(line?.separatelyPayable).toBe(payable);
    expect(line?.edits.includes('NCCI_MODIFIER_REQUIRED')).toBe(!payable);
    expect(line?.units).toBe(2); // units are still counted; only payment is held
  });

  it('leaves 97010 alone and applies under Medicare too', () => {
    const b = bill('medicare', [svc('97010', 10, 'lumbar'), svc('97124', 30, 'lumbar')], chiro);
    expect(b.lines.map((l) => l.edits)).toEqual([['MEDICARE_BUNDLED'], ['NCCI_MODIFIER_REQUIRED']]);
    expect(bill('commercial', [svc('97010', 10, 'lumbar')], chiro).lines[0]?.separatelyPayable).toBe(true);
  });

  it('lists both edits when a line is short and unmodified', () => {
    expect(bill('commercial', [svc('97124', 5, 'lumbar')], chiro).lines[0]?.edits).toEqual([
      'BELOW_MINIMUM_MINUTES',
      'NCCI_MODIFIER_REQUIRED',
    ]);
  });

  it('the SPEC 4.3 example visit: lumbar massage beside cervical manipulation still needs 59/XS', () => {
    const b = bill('commercial', [svc('97124', 30, 'lumbar')], [{ code: '98940', bodyRegion: 'cervical' }]);
    expect(b.lines[0]).toMatchObject({
      units: 2,
      separatelyPayable: false,
      edits: ['NCCI_MODIFIER_REQUIRED'],
    });
  });
});

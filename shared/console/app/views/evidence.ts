/** The evidence of a review: criteria one by one, the clinical request, lines, authorization, history. */
import type { CatalogueEntry } from '../../../catalogue.js';
import type { CriterionFinding } from '../../../model.js';
import type { ReferralView, ReviewDetail } from '../api-types.js';
import { CRITERIA, instrument, REASONS } from '../data.js';
import { h } from '../dom.js';
import { localTime, num, words } from '../format.js';
import { actorText, facts, listOrNone, policyQuote, reasonList, table } from '../widgets.js';

/**
 * The policy text a criterion rests on: the reason the referral got for it when there is one,
 * else the criterion's own (its approval code when met, its first failing code otherwise).
 */
function criterionPolicy(
  criterion: CriterionFinding,
  reasons: ReadonlySet<string>,
): { entry: CatalogueEntry | undefined; isReason: boolean } {
  const info = CRITERIA.get(criterion.id);
  if (!info) return { entry: undefined, isReason: false };
  const entries = info.codes.map((c) => REASONS.get(c)).filter((e): e is CatalogueEntry => e !== undefined);
  const given = entries.filter((e) => reasons.has(e.code));
  if (criterion.met === false) {
    const entry =
      given.find((e) => e.kind !== 'approval') ?? entries.find((e) => e.kind !== 'approval') ?? entries[0];
    return { entry, isReason: Boolean(entry && reasons.has(entry.code)) };
  }
  const entry = given[0] ?? entries.find((e) => e.kind === 'approval') ?? entries[0];
  return { entry, isReason: Boolean(entry && reasons.has(entry.code) && entry.kind === 'approval') };
}

function resultMarker(met: boolean | null): HTMLElement {
  if (met === true) return h('span', { class: 'result met' }, '\u2713 Met');
  if (met === false) return h('span', { class: 'result notmet' }, '\u2717 Not met');
  return h('span', { class: 'result unknown' }, '? Unknown');
}

export function criteriaSection(review: ReviewDetail, referral: ReferralView): HTMLElement {
  const criteria = referral.criteria ?? [];
  const reasons = new Set<string>([...(review.reasons ?? []), ...(referral.reasons ?? [])]);
  for (const line of referral.lines ?? []) for (const r of line.reasons ?? []) reasons.add(r);
  const counts = { met: 0, notmet: 0, unknown: 0 };
  const rows = criteria.map((c) => {
    counts[c.met === true ? 'met' : c.met === false ? 'notmet' : 'unknown'] += 1;
    const info = CRITERIA.get(c.id);
    const { entry, isReason } = criterionPolicy(c, reasons);
    return h(
      'tr',
      { testid: `criterion-${c.id}`, class: c.met === false && isReason ? 'crit-notmet' : null },
      h('th', { scope: 'row' }, info ? info.name : c.id, h('br'), h('span', { class: 'code' }, c.id)),
      h('td', { testid: `criterion-${c.id}-result` }, resultMarker(c.met)),
      h(
        'td',
        null,
        h('p', { class: 'evidence', testid: `criterion-${c.id}-evidence` }, c.evidence),
        entry
          ? h(
              'div',
              { class: 'crit-policy', testid: `criterion-${c.id}-policy` },
              isReason
                ? h('p', { class: 'why' }, h('span', { class: 'code' }, entry.code), ' ', entry.sentence)
                : null,
              policyQuote(entry.policy),
            )
          : null,
      ),
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'criteria-heading', testid: 'criteria' },
    h(
      'h2',
      { id: 'criteria-heading' },
      review.kind === 'CONTINUATION' ? 'Criteria at the initial determination' : 'Criteria, one by one',
    ),
    criteria.length === 0
      ? h('p', { class: 'muted' }, 'No criteria were recorded for this referral.')
      : [
          h(
            'p',
            { class: 'muted', testid: 'criteria-counts' },
            `${counts.met} met, ${counts.notmet} not met, ${counts.unknown} unknown or not applicable.`,
          ),
          table(null, ['Criterion', 'Finding', 'Evidence, and the policy it rests on'], rows, {
            class: 'criteria',
          }),
        ],
  );
}

export function requestSection(request: ReviewDetail['evidence']['request']): HTMLElement {
  const c = request.clinical ?? {};
  const measures = c.outcomeMeasures ?? [];
  const measureTable =
    measures.length === 0
      ? h('span', { class: 'muted' }, 'none named')
      : table(
          null,
          ['Instrument', 'Baseline', 'Goal', 'Scale', 'MCID'],
          measures.map((m, i) => {
            const scale = instrument(m.instrument);
            return h(
              'tr',
              null,
              h(
                'th',
                { scope: 'row' },
                m.instrument,
                i === 0 ? h('span', { class: 'tag' }, 'primary') : null,
              ),
              h('td', null, num(m.score)),
              h('td', null, m.goal === undefined ? h('span', { class: 'muted' }, 'none') : num(m.goal)),
              h('td', null, scale ? `${scale.min}–${scale.max}, ${scale.better} is better` : ''),
              h('td', null, scale ? num(scale.mcid) : ''),
            );
          }),
        );
  const terminal = c.terminalIllness;
  const poc = c.planOfCare;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'request-heading', testid: 'clinical-request' },
    h('h2', { id: 'request-heading' }, 'Clinical request'),
    facts([
      ['Member ID', h('span', { class: 'mono' }, request.memberId ?? '')],
      ['Start date', request.startDate ?? null],
      ['Visits requested', request.requestedVisits === undefined ? null : String(request.requestedVisits)],
      ['Diagnoses', listOrNone(request.diagnoses, (d) => h('span', { class: 'code' }, d.code))],
      ['Rendering provider NPI', h('span', { class: 'mono' }, request.renderingProviderNpi ?? '')],
      ['Ordering provider NPI', h('span', { class: 'mono' }, request.orderingProviderNpi ?? '')],
      ['Purpose', c.purpose ?? null],
      ['Objective findings', listOrNone(c.objectiveFindings)],
      ['Functional limitations', listOrNone(c.functionalLimitations)],
      ['Therapeutic benefit', c.therapeuticBenefit ?? null],
      [
        'Expected improvement',
        c.expectedImprovement?.withinWeeks !== undefined
          ? h('span', { testid: 'expected-improvement' }, `within ${c.expectedImprovement.withinWeeks} weeks`)
          : null,
      ],
      [
        'Terminal illness',
        terminal?.terminal ? (terminal.comfortCare ? 'yes, therapy for comfort' : 'yes') : 'no',
      ],
      ['Contraindications', listOrNone(c.contraindications)],
      ['Outcome measures', measureTable],
      [
        'Plan of care',
        poc
          ? h(
              'span',
              null,
              `certified ${poc.certifiedOn} by NPI `,
              h('span', { class: 'mono' }, poc.certifiedByNpi),
            )
          : null,
      ],
    ]),
  );
}

export function linesSection(referral: ReferralView): HTMLElement {
  const lines = referral.lines ?? [];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'lines-heading', testid: 'lines' },
    h('h2', { id: 'lines-heading' }, 'Requested services'),
    lines.length === 0
      ? h('p', { class: 'muted' }, 'No lines recorded.')
      : table(
          null,
          ['Code', 'Units per visit', 'Line status', 'Reasons', 'Separately payable'],
          lines.map((l) =>
            h(
              'tr',
              { testid: `line-${l.cpt}` },
              h('th', { scope: 'row' }, h('span', { class: 'code' }, l.cpt)),
              h('td', null, String(l.unitsPerVisit)),
              h('td', null, l.status),
              h('td', null, reasonList(l.reasons)),
              h('td', null, l.separatelyPayable ? 'yes' : 'no (bundled)'),
            ),
          ),
        ),
  );
}

const BASIS_TEXT: Record<string, string> = {
  A: 'criteria A',
  B: 'criterion B (comfort care)',
  MEDICARE: 'Medicare',
};

export function authorizationSection(referral: ReferralView): HTMLElement | null {
  const a = referral.authorization;
  if (!a) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'auth-heading', testid: 'authorization' },
    h('h2', { id: 'auth-heading' }, 'Authorization'),
    facts([
      ['Status', h('strong', null, a.status)],
      ['Basis', BASIS_TEXT[a.basis] ?? a.basis ?? null],
      [
        'Visits',
        `${a.visitsAuthorized} authorized of ${a.visitsRequested} requested; ${a.visitsUsed} used, ${a.visitsRemaining} left`,
      ],
      ['Valid', `${a.validFrom} to ${a.validTo}`],
      ['Codes', listOrNone(a.approvedCpts, (c) => h('span', { class: 'code' }, c))],
      ['Latest reasons', reasonList(a.reasons)],
    ]),
  );
}

export function historySection(referral: ReferralView): HTMLElement | null {
  const history = referral.history ?? [];
  if (history.length === 0) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-heading', testid: 'history' },
    h(
      'details',
      null,
      h(
        'summary',
        null,
        h('h2', { id: 'history-heading', class: 'sr-only' }, 'History'),
        `History (${history.length} entries)`,
      ),
      table(
        null,
        ['When', 'Who', 'Event', 'Status', 'Reasons'],
        history.map((e) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, h('time', { datetime: e.at }, localTime(e.at))),
            h('td', null, actorText(e.actor)),
            h('td', null, words(e.event)),
            h('td', null, e.status ?? ''),
            h('td', null, e.reasons ? reasonList(e.reasons) : ''),
          ),
        ),
      ),
    ),
  );
}

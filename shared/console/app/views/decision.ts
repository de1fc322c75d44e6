/**
 * The reviewer's decision: outcome, reason codes, note, visits. The form checks what the API would
 * refuse (the rules come with the page data, from the API's own schema) so nothing half-made is sent,
 * and shows the API's field errors the same way when it refuses anyway.
 */
import type { ReasonCode } from '../../../reasons.js';
import { ApiError, api, type ErrorDetail, errorMessage } from '../api.js';
import type { DecisionAnswer, Outcome, ReferralView, ReviewDetail } from '../api-types.js';
import { DATA, REASONS } from '../data.js';
import { append, fill, h, show } from '../dom.js';
import { localTime } from '../format.js';
import { announce } from '../shell.js';
import { actorText, reasonList } from '../widgets.js';

const OUTCOME_LABELS: Record<Outcome, string> = {
  APPROVE: 'Approve',
  DENY: 'Deny',
  CONTINUE: 'Continue visits',
  STOP: 'Stop visits',
  REQUEST_INFORMATION: 'Request information',
  OVERTURN: 'Overturn (grant the appeal)',
  UPHOLD: 'Uphold (keep the decision)',
};
const INFORMATION_LABELS: Record<string, string> = {
  CLINICAL_NOTES: 'Clinical notes',
  OUTCOME_MEASURES: 'Outcome measures',
  PHYSICIAN_ORDER: 'Physician order',
  PLAN_OF_CARE: 'Plan of care',
  OTHER: 'Other',
};
/** Outcomes that grant visits (the visits field applies). */
const GRANTS: readonly string[] = ['APPROVE', 'CONTINUE', 'OVERTURN'];
const RULES = DATA.decision;
const needsJustification = (o: string) => (RULES.justifiedOutcomes as readonly string[]).includes(o);

function fieldError(id: string): HTMLElement {
  return h('p', { id, class: 'field-error', role: 'alert', hidden: true, testid: id });
}

function proposedText(review: ReviewDetail): string {
  const p = review.proposedAuthorization;
  if (review.kind === 'CONTINUATION')
    return `For Continue: extra visits to add (${RULES.approvedVisits.min} to ${RULES.approvedVisits.max}). Leave empty to continue with the visits left.`;
  const range = `${RULES.approvedVisits.min} to ${RULES.approvedVisits.max}`;
  if (!p) return `For Approve: ${range}. Leave empty to approve what the rules propose.`;
  return `For Approve: ${range}. Leave empty to approve what the rules propose: ${p.visitsAuthorized} visits, valid ${p.validFrom} to ${p.validTo}.`;
}

function decisionForm(review: ReviewDetail, section: HTMLElement): HTMLFormElement {
  const allowed = review.allowedOutcomes;
  const ownReasons = new Set<string>(review.reasons ?? []);
  const outcomeError = fieldError('outcome-error');
  const reasonsError = fieldError('reasons-error');
  const noteError = fieldError('note-error');
  const visitsError = fieldError('visits-error');
  const requestedError = fieldError('requested-error');
  // SPEC 10: what a REQUEST_INFORMATION asks the clinic for.
  const requestedCode = h(
    'select',
    { id: 'requested-code', testid: 'requested-code', 'aria-describedby': 'requested-error' },
    DATA.informationCodes.map((c) => h('option', { value: c }, INFORMATION_LABELS[c] ?? c)),
  );
  const requestedText = h('textarea', {
    id: 'requested-text',
    rows: 3,
    maxlength: 1000,
    testid: 'requested-text',
    'aria-describedby': 'requested-hint requested-error',
  });
  const requestedBlock = h(
    'fieldset',
    { hidden: true, testid: 'requested-fieldset' },
    h('legend', null, 'What the clinic should send (required for Request information)'),
    h(
      'p',
      { class: 'hint', id: 'requested-hint' },
      'The referral waits for the answer (up to 14 days); the decision time starts again when it arrives.',
    ),
    h('label', { class: 'block', for: 'requested-code' }, 'Kind'),
    requestedCode,
    h('label', { class: 'block', for: 'requested-text' }, 'What exactly'),
    requestedText,
    requestedError,
  );
  const summary = h('div', {
    class: 'form-error',
    role: 'alert',
    hidden: true,
    testid: 'decision-error',
    id: 'decision-error',
    tabindex: '-1',
  });
  const radios = allowed.map((o) =>
    h('input', {
      type: 'radio',
      name: 'outcome',
      value: o,
      id: `outcome-${o}`,
      testid: `outcome-${o}`,
      'aria-describedby': 'outcome-error',
    }),
  );
  const checkboxes: HTMLInputElement[] = [];
  const pickable = DATA.reasons.filter((r) => r.kind !== 'reviewer');
  const checkbox = (r: (typeof pickable)[number]) => {
    const box = h('input', {
      type: 'checkbox',
      name: 'reasonCodes',
      value: r.code,
      id: `reason-code-${r.code}`,
      testid: `reason-code-${r.code}`,
      'aria-describedby': 'reasons-hint reasons-error',
    });
    checkboxes.push(box);
    return h(
      'div',
      { class: 'choice' },
      box,
      h('label', { for: `reason-code-${r.code}` }, r.title, ' ', h('span', { class: 'code' }, r.code)),
    );
  };
  const own = pickable.filter((r) => ownReasons.has(r.code));
  // Continuation reviews are about progress: those codes first.
  const groupOrder =
    review.kind === 'CONTINUATION'
      ? [
          ...DATA.groups.filter((g) => g.kind === 'progress'),
          ...DATA.groups.filter((g) => g.kind !== 'progress'),
        ]
      : DATA.groups;
  const groups = [
    own.length
      ? h('fieldset', null, h('legend', null, 'This review\u2019s reasons'), own.map(checkbox))
      : null,
    groupOrder.map((g) => {
      const entries = pickable.filter((r) => r.kind === g.kind && !ownReasons.has(r.code));
      if (entries.length === 0) return null;
      return h(
        'details',
        { class: 'reason-group', testid: `reason-group-${g.kind}` },
        h('summary', null, `${g.label} (${entries.length})`),
        h('fieldset', null, h('legend', { class: 'sr-only' }, g.label), entries.map(checkbox)),
      );
    }),
  ];
  const note = h('textarea', {
    id: 'decision-note',
    name: 'note',
    rows: 5,
    maxlength: RULES.noteMaxLength,
    testid: 'decision-note',
    'aria-describedby': 'note-hint note-error',
  });
  const noteRequired = h('span', { class: 'muted', id: 'note-required' }, ' (optional)');
  const approved = h('input', {
    type: 'number',
    id: 'approved-visits',
    name: 'approvedVisits',
    min: RULES.approvedVisits.min,
    max: RULES.approvedVisits.max,
    step: 1,
    inputmode: 'numeric',
    testid: 'decision-approved-visits',
    'aria-describedby': 'visits-hint visits-error',
  });
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', testid: 'decision-submit' },
    'Submit decision',
  );

  let autoSelected = false;
  const chosen = (): Outcome | '' => (radios.find((x) => x.checked)?.value as Outcome | undefined) ?? '';
  const label = (o: Outcome | '') => (o ? OUTCOME_LABELS[o].toLowerCase() : '');
  function onOutcome() {
    const o = chosen();
    const needs = needsJustification(o);
    noteRequired.textContent = needs ? ` (required for ${label(o)})` : ' (optional)';
    note.required = needs;
    approved.disabled = !GRANTS.includes(o);
    show(requestedBlock, o === 'REQUEST_INFORMATION');
    if (needs && !checkboxes.some((b) => b.checked)) {
      let any = false;
      for (const b of checkboxes) {
        if (ownReasons.has(b.value) && REASONS.get(b.value)?.kind !== 'approval') {
          b.checked = true;
          any = true;
        }
      }
      autoSelected = any;
      if (any) announce('Selected this review\u2019s reason codes. Change them if needed.');
    } else if (!needs && autoSelected) {
      for (const b of checkboxes) b.checked = false;
      autoSelected = false;
    }
  }
  for (const r of radios) r.addEventListener('change', onOutcome);
  for (const b of checkboxes)
    b.addEventListener('change', () => {
      autoSelected = false;
    });

  const fieldFor: Record<string, [HTMLElement[], HTMLElement]> = {
    outcome: [radios, outcomeError],
    reasonCodes: [checkboxes, reasonsError],
    note: [[note], noteError],
    approvedVisits: [[approved], visitsError],
    requested: [[requestedText], requestedError],
  };
  function setError(controls: HTMLElement[], errorEl: HTMLElement, message: string) {
    errorEl.textContent = message;
    show(errorEl, Boolean(message));
    for (const c of controls) {
      if (message) c.setAttribute('aria-invalid', 'true');
      else c.removeAttribute('aria-invalid');
    }
  }
  function clearErrors() {
    for (const [controls, errorEl] of Object.values(fieldFor)) setError(controls, errorEl, '');
    summary.textContent = '';
    show(summary, false);
  }
  function showSummary(...content: (string | Node | null)[]) {
    fill(summary, ...content);
    show(summary, true);
    summary.focus();
  }
  function showErrors(problems: ErrorDetail[], headline: string) {
    clearErrors();
    let first: HTMLElement | undefined;
    const other: string[] = [];
    for (const p of problems) {
      const target = fieldFor[String(p.field ?? '').split('.')[0] ?? ''];
      if (!target) {
        other.push(`${p.field ? `${p.field}: ` : ''}${p.message}`);
        continue;
      }
      const [controls, errorEl] = target;
      setError(controls, errorEl, errorEl.textContent ? `${errorEl.textContent} ${p.message}` : p.message);
      first ??= controls[0];
    }
    fill(
      summary,
      h('strong', null, headline),
      other.length
        ? h(
            'ul',
            null,
            other.map((t) => h('li', null, t)),
          )
        : null,
    );
    show(summary, true);
    if (first) {
      const group = first.closest('details');
      if (group) group.open = true;
      first.focus();
    } else summary.focus();
  }
  function validate() {
    const problems: ErrorDetail[] = [];
    const outcome = chosen();
    const codes = checkboxes.filter((b) => b.checked).map((b) => b.value as ReasonCode);
    if (!outcome) problems.push({ field: 'outcome', message: 'Choose an outcome.' });
    if (needsJustification(outcome)) {
      if (codes.length === 0)
        problems.push({
          field: 'reasonCodes',
          message: `A ${label(outcome)} needs at least one reason code.`,
        });
      if (!note.value.trim())
        problems.push({ field: 'note', message: `A ${label(outcome)} needs a note explaining it.` });
    }
    if (outcome === 'REQUEST_INFORMATION' && !requestedText.value.trim())
      problems.push({ field: 'requested', message: 'Say what the clinic should send.' });
    if (codes.length > RULES.maxReasonCodes)
      problems.push({
        field: 'reasonCodes',
        message: `Choose at most ${RULES.maxReasonCodes} reason codes.`,
      });
    const visits = approved.value.trim();
    const { min, max } = RULES.approvedVisits;
    if (!approved.disabled && visits !== '') {
      if (!/^\d+$/.test(visits))
        problems.push({
          field: 'approvedVisits',
          message: `Enter a whole number of visits, ${min} to ${max}, or leave it empty.`,
        });
      else if (Number(visits) < min || Number(visits) > max)
        problems.push({
          field: 'approvedVisits',
          message: `Visits to approve must be between ${min} and ${max}.`,
        });
    }
    return { problems, outcome, codes, visits };
  }

  let sending = false;
  const form = h(
    'form',
    { novalidate: true, testid: 'decision-form', 'aria-describedby': 'decision-error' },
    h(
      'fieldset',
      null,
      h('legend', null, 'Outcome (required)'),
      h(
        'div',
        { class: 'outcomes' },
        radios.map((r) =>
          h(
            'div',
            { class: 'choice' },
            r,
            h(
              'label',
              { for: r.id },
              OUTCOME_LABELS[r.value as Outcome] ?? r.value,
              review.recommendation === r.value ? h('span', { class: 'tag' }, 'recommended') : null,
            ),
          ),
        ),
      ),
      outcomeError,
    ),
    requestedBlock,
    h(
      'fieldset',
      null,
      h('legend', null, 'Reason codes'),
      h(
        'p',
        { class: 'hint', id: 'reasons-hint' },
        `Deny, Stop and Uphold need at least one (at most ${RULES.maxReasonCodes}). Choosing one of them selects this review\u2019s reasons.`,
      ),
      groups,
      reasonsError,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'block', for: 'decision-note' }, 'Note', noteRequired),
      h(
        'p',
        { class: 'hint', id: 'note-hint' },
        'Goes on the record and the notice; explain the clinical reasoning. Required for Deny, Stop and Uphold.',
      ),
      note,
      noteError,
    ),
    h(
      'div',
      { class: 'field' },
      h(
        'label',
        { class: 'block', for: 'approved-visits' },
        review.kind === 'CONTINUATION' ? 'More visits to approve' : 'Visits to approve',
        h('span', { class: 'muted' }, ' (optional)'),
      ),
      h('p', { class: 'hint', id: 'visits-hint', testid: 'visits-hint' }, proposedText(review)),
      approved,
      visitsError,
    ),
    summary,
    h('p', null, submit),
  );
  const idle = () => {
    sending = false;
    submit.disabled = false;
    submit.textContent = 'Submit decision';
    form.removeAttribute('aria-busy');
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (sending) return;
    const { problems, outcome, codes, visits } = validate();
    if (problems.length || !outcome) {
      showErrors(
        problems,
        `The decision was not sent. ${problems.length === 1 ? 'One field needs' : `${problems.length} fields need`} attention.`,
      );
      return;
    }
    clearErrors();
    const body: {
      outcome: Outcome;
      reasonCodes: ReasonCode[];
      note?: string;
      approvedVisits?: number;
      requested?: { code: string; text: string }[];
    } = { outcome, reasonCodes: codes };
    if (outcome === 'REQUEST_INFORMATION')
      body.requested = [{ code: requestedCode.value, text: requestedText.value.trim() }];
    if (note.value.trim()) body.note = note.value.trim();
    if (!approved.disabled && visits !== '') body.approvedVisits = Number(visits);
    sending = true;
    submit.disabled = true;
    submit.textContent = 'Submitting…';
    form.setAttribute('aria-busy', 'true');
    try {
      const answer = await api<DecisionAnswer | null>(
        'POST',
        `/reviews/${encodeURIComponent(review.reviewId)}/decision`,
        body,
      );
      showResult(review, answer ?? { outcome }, section);
    } catch (err) {
      idle();
      if (err instanceof ApiError && err.handled) return;
      if (err instanceof ApiError && err.status === 409 && err.code === 'REVIEW_ALREADY_DECIDED') {
        clearErrors();
        submit.disabled = true;
        showSummary(
          h('strong', null, 'Another reviewer decided this review.'),
          ' Your decision was not recorded. ',
          h('a', { href: '#/queue' }, 'Back to open reviews'),
        );
      } else if (err instanceof ApiError && err.status === 422 && err.details.length) {
        showErrors(err.details, `The decision was refused: ${err.message}`);
      } else {
        clearErrors();
        showSummary(h('strong', null, 'The decision was not recorded.'), ` ${errorMessage(err)}`);
      }
    }
  });
  return form;
}

/** The referral after the workflow has applied the decision (or after 10 s, as it then is). */
async function settled(review: ReviewDetail, current: () => boolean): Promise<ReferralView | null> {
  const deadline = Date.now() + 10_000;
  let last: ReferralView | null = null;
  while (Date.now() < deadline) {
    await new Promise((r) => window.setTimeout(r, 500));
    if (!current()) return null;
    try {
      last = await api<ReferralView>('GET', `/referrals/${encodeURIComponent(review.referralId)}`);
    } catch (err) {
      if (err instanceof ApiError && err.handled) return null;
      continue;
    }
    const pending =
      review.kind === 'CONTINUATION'
        ? last.authorization?.status === 'PENDING_REVIEW'
        : review.kind === 'APPEAL'
          ? (last.appeals ?? []).some((a) => a.status === 'OPEN')
          : last.status === 'PENDING_REVIEW' || last.status === 'RECEIVED';
    if (!pending) break;
  }
  return last;
}

function showResult(
  review: ReviewDetail,
  answer: Partial<DecisionAnswer> & { outcome: Outcome },
  section: HTMLElement,
) {
  const statusLine = h(
    'p',
    { class: 'status-line', testid: 'referral-status', 'aria-live': 'polite' },
    'Waiting for the workflow to record it…',
  );
  const heading = h('h2', { id: 'decision-heading', tabindex: '-1' }, 'Decision recorded');
  section.classList.add('decided');
  fill(
    section,
    heading,
    h(
      'div',
      { testid: 'decision-result' },
      h(
        'p',
        null,
        'Outcome: ',
        h('strong', { testid: 'decision-result-outcome' }, answer.outcome),
        answer.decidedBy ? ` by ${actorText(answer.decidedBy)}` : '',
        answer.decidedAt ? ` at ${localTime(answer.decidedAt)}` : '',
      ),
      statusLine,
    ),
    h('p', null, h('a', { href: '#/queue', testid: 'result-back-to-queue' }, 'Back to open reviews')),
  );
  heading.focus();
  announce(`Decision recorded: ${answer.outcome}.`);
  const current = () => section.isConnected;
  void settled(review, current).then((last) => {
    if (!current()) return;
    if (!last) {
      statusLine.textContent =
        'The referral could not be read just now; it will show in its history shortly.';
      return;
    }
    const continuation = review.kind === 'CONTINUATION';
    const text = continuation
      ? `Authorization status: ${last.authorization?.status ?? 'none'} · referral status: ${last.status}`
      : `Referral status: ${last.status}`;
    const reasons = continuation ? (last.authorization?.reasons ?? []) : (last.reasons ?? []);
    const pending = continuation
      ? last.authorization?.status === 'PENDING_REVIEW'
      : last.status === 'PENDING_REVIEW';
    fill(
      statusLine,
      h('strong', null, text),
      pending ? ' (the workflow is still recording the decision; check the referral again shortly)' : '',
      reasons.length ? reasonList(reasons) : null,
    );
    announce(text);
  });
}

export function decisionSection(review: ReviewDetail): HTMLElement {
  const section = h(
    'section',
    { class: 'card', testid: 'decision' },
    h('h2', { id: 'decision-heading' }, 'Your decision'),
  );
  if (review.status !== 'OPEN') {
    const d = review.decision;
    section.classList.add('decided');
    append(section, [
      h(
        'p',
        { testid: 'decision-existing' },
        'Decided: ',
        h('strong', null, d?.outcome ?? 'unknown'),
        d?.reviewer ? ` by ${actorText(d.reviewer)}` : '',
        d?.decidedAt ? ` on ${localTime(d.decidedAt)}` : '',
      ),
      d?.reasonCodes?.length ? reasonList(d.reasonCodes) : null,
      d?.note ? h('blockquote', { class: 'policy' }, h('p', null, d.note)) : null,
      h('p', null, h('a', { href: '#/queue' }, 'Back to open reviews')),
    ]);
    return section;
  }
  section.appendChild(decisionForm(review, section));
  return section;
}

/** The console's stylesheet: plain, calm, readable; visible focus; usable from 320 px to wide screens. */
export const CONSOLE_CSS = `
:root {
  --ink: #1c2430; --muted: #55606e; --line: #d5dae1; --bg: #f4f6f8; --card: #ffffff;
  --accent: #0b5394; --accent-ink: #ffffff; --focus: #f2a900;
  --ok: #146c2e; --ok-bg: #e7f4ea; --bad: #a4262c; --bad-bg: #fbeaea; --unk: #5b6472; --unk-bg: #eef0f3;
  --warn: #7a4b00; --warn-bg: #fff4d6;
  color-scheme: light;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font-size: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
h1:focus, main:focus { outline: none; }
h1:focus-visible { outline: 3px solid var(--focus); }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; background: var(--card); color: var(--accent);
  padding: 0.5rem 0.75rem; border: 2px solid var(--accent); z-index: 10; }
.skip-link:focus { top: 0.5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header.site { background: #18324d; color: #fff; }
header.site .bar { max-width: 1400px; margin: 0 auto; padding: 0.6rem 1.25rem; display: flex; gap: 1rem;
  align-items: center; flex-wrap: wrap; }
header.site .brand { font-weight: 650; font-size: 1.05rem; margin-right: auto; }
header.site .brand small { display: block; font-weight: 400; font-size: 0.8rem; color: #c8d5e3; }
header.site nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; align-items: center; flex-wrap: wrap; }
header.site nav a { color: #fff; }
header.site .who { color: #dbe5ef; font-size: 0.9rem; }
header.site button { background: transparent; color: #fff; border: 1px solid #9fb4ca; }
header.site button:hover { background: #25476b; }
main { max-width: 1400px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0.75rem; line-height: 1.25; }
h2 { font-size: 1.15rem; margin: 0 0 0.6rem; }
h3 { font-size: 1rem; margin: 0.9rem 0 0.35rem; }
p { margin: 0.35rem 0 0.6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem; margin: 0 0 1rem; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; overflow-wrap: anywhere; }
button, .button { font: inherit; border-radius: 6px; padding: 0.45rem 0.9rem; cursor: pointer;
  border: 1px solid var(--accent); background: var(--card); color: var(--accent); text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: var(--accent); color: var(--accent-ink); }
button.primary:hover { background: #08406f; }
button:disabled { opacity: 0.6; cursor: progress; }
.toolbar { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; margin-bottom: 0.75rem; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.card .table-wrap { border: 0; border-radius: 0; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: 0.6rem 0.75rem; font-weight: 600; }
.card caption { padding-left: 0; }
th, td { text-align: left; vertical-align: top; padding: 0.55rem 0.75rem; border-top: 1px solid var(--line); }
thead th { background: #eef1f5; font-size: 0.85rem; color: #33404f; border-top: 0; white-space: nowrap; }
tbody th { font-weight: 500; }
tr.current { background: #fffbe8; }
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.plain li + li { margin-top: 0.25rem; }
.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.82rem; color: #34414f;
  background: #eef1f5; border-radius: 4px; padding: 0 0.3rem; white-space: nowrap; }
.badge { display: inline-block; font-size: 0.72rem; font-weight: 700; letter-spacing: 0.04em; border-radius: 4px;
  padding: 0.05rem 0.4rem; margin: 0.15rem 0.25rem 0 0; border: 1px solid; }
.badge.overdue { color: var(--bad); background: var(--bad-bg); border-color: #e2a6a9; }
.badge.escalated { color: var(--warn); background: var(--warn-bg); border-color: #e5c46b; }
.badge.kind { color: #33404f; background: #eef1f5; border-color: var(--line); }
.rel { display: block; font-size: 0.85rem; color: var(--muted); }
.rel.late { color: var(--bad); font-weight: 600; }
.notice { border-left: 4px solid var(--accent); background: #eaf2fb; padding: 0.6rem 0.8rem; border-radius: 4px; margin: 0 0 1rem; }
.notice.warn { border-color: #c98a00; background: var(--warn-bg); }
.notice.error { border-color: var(--bad); background: var(--bad-bg); }
.status-line { min-height: 1.5em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
dl.facts ul { margin: 0; padding-left: 1.1rem; }
dl.facts-inline { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; padding: 0.7rem 1.1rem; }
dl.facts-inline dt { font-size: 0.8rem; color: var(--muted); }
dl.facts-inline dd { margin: 0; }
dl.facts-inline .rel { display: inline; margin-left: 0.4rem; }
.review-layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; align-items: start; }
@media (min-width: 1000px) {
  .review-layout { grid-template-columns: minmax(0, 1fr) 380px; }
  .review-layout > aside { position: sticky; top: 0.75rem; max-height: calc(100vh - 1.5rem); overflow-y: auto; }
}
.recommendation .verdict { font-size: 1.6rem; font-weight: 700; margin: 0.1rem 0 0.3rem; letter-spacing: 0.02em; }
.verdict.deny, .verdict.stop { color: var(--bad); }
.verdict.approve, .verdict.continue { color: var(--ok); }
.reason { border-top: 1px solid var(--line); padding-top: 0.5rem; margin-top: 0.6rem; }
.reason h3 { margin-top: 0.2rem; }
blockquote.policy { margin: 0.4rem 0 0.2rem; padding: 0.4rem 0.75rem; border-left: 3px solid #9aa8b8; background: #f7f8fa; }
blockquote.policy p { margin: 0; }
blockquote.policy footer { font-size: 0.82rem; color: var(--muted); margin-top: 0.25rem; }
.result { display: inline-block; font-weight: 700; border-radius: 4px; padding: 0.05rem 0.45rem; white-space: nowrap; border: 1px solid; }
.result.met { color: var(--ok); background: var(--ok-bg); border-color: #9cd0aa; }
.result.notmet { color: var(--bad); background: var(--bad-bg); border-color: #e2a6a9; }
.result.unknown { color: var(--unk); background: var(--unk-bg); border-color: var(--line); }
tr.crit-notmet > th { box-shadow: inset 4px 0 0 var(--bad); }
table.criteria tbody th { width: 24%; }
table.criteria td:nth-child(2) { width: 8.5rem; }
p.evidence { margin: 0 0 0.35rem; }
.crit-policy { font-size: 0.86rem; }
.crit-policy .why { margin: 0 0 0.3rem; }
.crit-policy blockquote.policy { margin-top: 0.2rem; }
details.reason-group { border-top: 1px solid var(--line); padding: 0.35rem 0; }
details.reason-group:last-of-type { border-bottom: 1px solid var(--line); }
details.reason-group > summary { font-size: 0.9rem; padding: 0.15rem 0; }
details.reason-group fieldset { margin-top: 0.2rem; }
form .field { margin: 0 0 1rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: 0.5rem 0.8rem 0.7rem; min-width: 0; }
legend { font-weight: 600; padding: 0 0.3rem; }
fieldset fieldset { border: 0; padding: 0; margin: 0.5rem 0 0; }
fieldset fieldset legend { font-weight: 600; font-size: 0.85rem; color: var(--muted); padding: 0; }
.choice { display: flex; gap: 0.5rem; align-items: flex-start; padding: 0.2rem 0; }
.choice input { margin-top: 0.3rem; width: 1.05rem; height: 1.05rem; flex: none; }
.choice label { cursor: pointer; }
.choice .code { margin-left: 0.25rem; }
.outcomes { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; }
.outcomes .choice label { font-weight: 600; }
.tag { font-size: 0.75rem; color: var(--accent); font-weight: 600; margin-left: 0.3rem; }
label.block { display: block; font-weight: 600; margin-bottom: 0.25rem; }
textarea, input[type="number"], input[type="text"] { font: inherit; width: 100%; padding: 0.45rem 0.55rem;
  border: 1px solid #8d99a7; border-radius: 6px; background: #fff; color: var(--ink); }
input[type="number"] { max-width: 9rem; }
[aria-invalid="true"] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
.hint { font-size: 0.85rem; color: var(--muted); margin: 0.15rem 0 0.3rem; }
.field-error { color: var(--bad); font-weight: 600; margin: 0.3rem 0 0; }
.field-error::before { content: "\\26A0\\FE0E  "; }
.form-error { color: var(--bad); background: var(--bad-bg); border: 1px solid #e2a6a9; border-radius: 6px; padding: 0.5rem 0.7rem; }
.decided { border-left: 4px solid var(--ok); }
figure.chart-wrap { margin: 0 0 0.5rem; }
.chart-scroll { overflow-x: auto; }
svg.chart { width: 100%; min-width: 520px; max-width: 680px; height: auto; display: block; font-size: 12px; }
svg.chart .axis { stroke: #6b7684; stroke-width: 1; }
svg.chart .grid { stroke: #e3e7ec; stroke-width: 1; }
svg.chart text { fill: #33404f; }
svg.chart .band { fill: #f6e3b4; fill-opacity: 0.55; }
svg.chart .baseline { stroke: #55606e; stroke-width: 1.5; }
svg.chart .mcid { stroke: #a86b00; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg.chart .goal { stroke: #146c2e; stroke-width: 1.5; stroke-dasharray: 2 3; }
svg.chart .series { stroke: #0b5394; stroke-width: 2.2; fill: none; }
svg.chart .point { fill: #0b5394; stroke: #fff; stroke-width: 1.5; }
svg.chart .point.base { fill: #fff; stroke: #55606e; stroke-width: 2; }
.signin-grid { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); max-width: 980px; }
@media (min-width: 860px) { .signin-grid { grid-template-columns: 1fr 1fr; } }
.reviewer-list button { width: 100%; text-align: left; margin: 0 0 0.5rem; padding: 0.7rem 0.9rem; }
.reviewer-list .sub { display: block; font-size: 0.82rem; color: var(--muted); }
details > summary { cursor: pointer; font-weight: 600; }
.visually-quiet { font-size: 0.85rem; color: var(--muted); }
table.queue tr.flagged > th { box-shadow: inset 4px 0 0 #c98a00; }
@media (max-width: 640px) {
  main { padding: 0.75rem 0.75rem 2rem; }
  .table-wrap thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .table-wrap table, .table-wrap tbody, .table-wrap tr, .table-wrap tbody th, .table-wrap td { display: block; width: 100%; }
  .table-wrap tr { border-top: 1px solid var(--line); padding: 0.4rem 0; }
  .table-wrap tbody th, .table-wrap td { border: 0; padding: 0.2rem 0.75rem; }
  .table-wrap [data-label]::before { content: attr(data-label); display: block; font-size: 0.75rem; color: var(--muted); font-weight: 600; }
  table.criteria tbody th, table.criteria td:nth-child(2) { width: 100%; }
  tr.crit-notmet > th { box-shadow: none; }
  tr.crit-notmet { box-shadow: inset 4px 0 0 var(--bad); }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.4rem; }
  th, td { padding: 0.45rem 0.5rem; }
}
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
`;

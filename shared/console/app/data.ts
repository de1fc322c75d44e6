/**
 * What the page was served with (shared/console/reason-texts.ts): reason texts, criteria names,
 * instrument scales, the decision rules the API enforces, and — on the local stack only — the demo
 * reviewers. It sits in the page as a JSON data block, so the script itself is the same everywhere.
 */
import type { CatalogueEntry } from '../../catalogue.js';
import type { ReasonCode } from '../../reasons.js';
import type { ConsoleData } from '../reason-texts.js';

function read(): ConsoleData {
  const text = document.getElementById('console-data')?.textContent;
  if (!text) throw new Error('The page carries no console data');
  return JSON.parse(text) as ConsoleData;
}

export const DATA: ConsoleData = read();
export const REASONS: ReadonlyMap<string, CatalogueEntry> = new Map(DATA.reasons.map((r) => [r.code, r]));
export type Criterion = ConsoleData['criteria'][number];
export const CRITERIA: ReadonlyMap<string, Criterion> = new Map(DATA.criteria.map((c) => [c.id, c]));

export function reasonEntry(code: ReasonCode | string | undefined): CatalogueEntry | undefined {
  return code === undefined ? undefined : REASONS.get(code);
}

export function instrument(name: string) {
  return Object.hasOwn(DATA.instruments, name)
    ? DATA.instruments[name as keyof ConsoleData['instruments']]
    : undefined;
}

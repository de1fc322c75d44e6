/**
 * Types a handler's answer against its response schema (shared/responses.ts) at compile time only.
 * The schema is named by its type — `answer<typeof ReferralViewSchema>()(body)`, with the schema
 * imported as `import type` — so a function's bundle does not build the response schemas it never
 * runs: they are for the OpenAPI document and the tests, which parse real answers with them.
 * (Building them at import was about a tenth of an API function's cold import; docs/performance.md.)
 */
import type * as z from 'zod';

/**
 * Stored JSON the record types leave as `unknown` (a visit's billing, a re-review's figures) is
 * typed as anything, so that everything else in an answer is still checked against its schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: an open leaf must accept whatever its schema describes
type Open = any;
type Known<T> = unknown extends T
  ? Open
  : T extends object
    ? [keyof T] extends [never]
      ? Open // `{}`: what `unknown ?? null` leaves
      : { [K in keyof T]: Known<T[K]> }
    : T;

/** Empty when the answer matches the schema; otherwise a parameter no call can fill. */
export type AnswerMismatch<S extends z.ZodType, T> = Known<T> extends z.input<S>
  ? []
  : ['the answer does not match its response schema'];

const unchanged = <T>(body: T, ..._mismatch: unknown[]): T => body;

/** `answer<typeof Schema>()(body)`: the body, unchanged, if it matches `Schema`; a compile error if not. */
export function answer<S extends z.ZodType>(): <T>(body: T, ..._mismatch: AnswerMismatch<S, T>) => T {
  return unchanged;
}

import * as z from 'zod';

/** Each handler parses its environment once at cold start and fails fast when something is missing. */
export function readEnv<S extends z.ZodRawShape>(shape: S, source: NodeJS.ProcessEnv = process.env) {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    const missing = result.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Lambda environment is incomplete: ${missing}`);
  }
  return result.data;
}

export const TableEnv = { TABLE_NAME: z.string().min(1) };

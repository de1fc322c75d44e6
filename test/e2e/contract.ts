/**
 * Validates real answers against the OpenAPI document (SPEC 14) with a JSON Schema 2020-12
 * validator over the document's own component schemas. test/e2e/helpers.ts runs every answer of
 * every e2e journey through `checkAnswer`, so a handler that answers something the document does
 * not describe fails the journey that met it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../shared/openapi.js';

// ajv-formats is CommonJS: under ESM its function sits on `default`.
const addFormats =
  (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

const doc = openApiDocument() as unknown as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: unknown;
};
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi.json', components: doc.components });

const routes = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));
const compiled = new Map<string, ValidateFunction>();

/** Each answer checked, by `METHOD /template status`: what the e2e journeys covered. */
export const checked = new Set<string>();

/** Throws when the answer is not what the document says this route answers with this status. */
export function checkAnswer(
  method: string,
  path: string,
  status: number,
  body: unknown,
  contentType: string | null = 'application/json',
): void {
  const pathname = path.split('?')[0] ?? path;
  const route = routes.find((r) => r.pattern.test(pathname));
  const operation = route && doc.paths[route.template]?.[method.toLowerCase()];
  if (!route || !operation) return; // not a documented route (the local token route, /fhir, an unknown path)
  const key = `${method} ${route.template} ${status}`;
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`OpenAPI: ${method} ${route.template} does not document status ${status}`);
  const media = (contentType ?? 'application/json').split(';')[0]?.trim() ?? 'application/json';
  if (media !== 'application/json') {
    // Another representation (the report's CSV): the document must name it, and it must be text.
    if (!response.content?.[media]) throw new Error(`OpenAPI: ${key} does not document ${media}`);
    if (typeof body !== 'string') throw new Error(`OpenAPI: the ${key} ${media} answer is not text`);
    checked.add(`${key} ${media}`);
    return;
  }
  const schema = response.content?.['application/json']?.schema as { $ref?: string } | undefined;
  if (!schema?.$ref) return; // the console's HTML
  let validate = compiled.get(schema.$ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.json${schema.$ref}` });
    compiled.set(schema.$ref, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '(root)'} ${e.message}`)
      .join('; ');
    throw new Error(`OpenAPI: the ${key} answer does not match ${schema.$ref}: ${errors}`);
  }
  checked.add(key);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeToolSchema } from '../../app/translate/tool-schema.js';

// sanitizeToolSchema copies on write; this is the copy-everything version it replaced, as the reference.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);
function reference(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(reference);
  if (schema === null || typeof schema !== 'object') return schema;
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    const value = src[key];
    if (key === '$schema' || key === '$id') continue;
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      const map: Record<string, unknown> = {};
      for (const [prop, sub] of Object.entries(value as Record<string, unknown>)) map[prop] = reference(sub);
      out[key] = map;
    } else out[key] = reference(value);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  return out;
}
const referenceTool = (s: Record<string, unknown> | undefined) => {
  const clean = (reference(s ?? {}) ?? {}) as Record<string, unknown>;
  if (clean.type === undefined) clean.type = 'object';
  if (clean.type === 'object' && clean.properties === undefined) clean.properties = {};
  return clean;
};

// Schema-shaped values: keywords (the ones that get fixed among them) nested through maps, arrays and data.
const key = fc.constantFrom('$schema', '$id', 'type', 'properties', '$defs', 'items', 'anyOf', 'enum', 'default', 'required',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'description', 'additionalProperties', 'x');
const leaf = fc.oneof(fc.boolean(), fc.integer(), fc.string(), fc.constant(null));
const { schema } = fc.letrec((tie) => ({
  schema: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('schema'), { maxLength: 3 }),
    fc.dictionary(key, tie('schema'), { maxKeys: 6 })),
}));

describe('sanitizeToolSchema', () => {
  it('gives what the copy-everything version gave, for any schema-shaped value, and never changes its input', () => {
    fc.assert(fc.property(fc.dictionary(key, schema, { maxKeys: 6 }), (input) => {
      const before = structuredClone(input);
      expect(sanitizeToolSchema(input)).toEqual(referenceTool(structuredClone(input)));
      expect(input).toEqual(before);
    }), { seed: 5, numRuns: 2000 });
  });

  it('shares the parts that need no change, and copies the top level', () => {
    const props = { command: { type: 'string', description: 'x' } };
    const input = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: props, required: ['command'] };
    const out = sanitizeToolSchema(input);
    expect(out).toEqual({ type: 'object', properties: props, required: ['command'] });
    expect(out.properties).toBe(props);
    expect(out).not.toBe(input);
    const plain = { type: 'object', properties: props };
    expect(sanitizeToolSchema(plain)).not.toBe(plain);
  });
});

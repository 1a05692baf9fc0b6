import { isJsonObject } from '../json-object.js';

// Tool input schemas go to Mistral's grammar compiler, which rejects `$schema`/`$id` ("failed to compile JSON
// schema") and draft-4 boolean exclusive bounds (the schema must be valid draft-7). Everything else passes as is.

type Json = unknown;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);

const DROP = Symbol('drop');

/**
 * `obj` with `f` applied to each value (DROP leaves the key out). Copy on write: `obj` itself when nothing changed,
 * so a part of a schema that needs no change is shared with the request, and the usual Claude Code schema (only a
 * top-level `$schema` to drop) costs one shallow copy, not a deep one.
 */
function mapValues(obj: Record<string, Json>, f: (key: string, value: Json) => Json): Record<string, Json> {
  const keys = Object.keys(obj);
  let out: Record<string, Json> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const value = obj[keys[i]];
    const next = f(keys[i], value);
    if (out === null && next !== value) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = obj[keys[j]];
    }
    if (out !== null && next !== DROP) out[keys[i]] = next;
  }
  return out ?? obj;
}

/** One keyword of a schema object, fixed. */
function sanitizeKeyword(key: string, value: Json): Json {
  if (key === '$schema' || key === '$id') return DROP;
  if (DATA_KEYWORDS.has(key)) return value;
  // A map of names to schemas (`properties`, `$defs`…): its keys are names, never keywords.
  if (SCHEMA_MAPS.has(key) && isJsonObject(value)) return mapValues(value, (_, sub) => sanitize(sub));
  return sanitize(value);
}

/** The schema with those keywords fixed (copy on write, see mapValues). */
function sanitize(schema: Json): Json {
  if (Array.isArray(schema)) {
    let out: Json[] | null = null;
    for (let i = 0; i < schema.length; i++) {
      const v = sanitize(schema[i]);
      if (v !== schema[i]) (out ??= schema.slice())[i] = v;
    }
    return out ?? schema;
  }
  if (!isJsonObject(schema)) return schema;
  let out = mapValues(schema, sanitizeKeyword);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out === schema) out = { ...schema };
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  return out;
}

/** A Mistral-safe `parameters` object for an Anthropic `input_schema`. */
export function sanitizeToolSchema(inputSchema: Record<string, unknown> | undefined): Record<string, unknown> {
  // Always a new top-level object: the defaults below must not be written into the client's request.
  const clean = { ...((sanitize(inputSchema ?? {}) ?? {}) as Record<string, unknown>) };
  if (clean.type === undefined) clean.type = 'object';
  if (clean.type === 'object' && clean.properties === undefined) clean.properties = {};
  return clean;
}

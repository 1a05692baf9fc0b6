// Tool input schemas go to Mistral's grammar compiler, which rejects `$schema`/`$id` ("failed to compile JSON
// schema") and draft-4 boolean exclusive bounds (the schema must be valid draft-7). Everything else passes as is.

type Json = unknown;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);

const isMap = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The schema with those keywords fixed. Copy on write: a part that needs no change is returned as it is (shared with
 * the request), so the usual Claude Code schema (only a top-level `$schema`) costs one shallow copy, not a deep one.
 */
function sanitize(schema: Json): Json {
  if (Array.isArray(schema)) {
    let out: Json[] | null = null;
    for (let i = 0; i < schema.length; i++) {
      const v = sanitize(schema[i]);
      if (v !== schema[i]) (out ??= schema.slice())[i] = v;
    }
    return out ?? schema;
  }
  if (!isMap(schema)) return schema;
  const keys = Object.keys(schema);
  let out: Record<string, Json> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = schema[key];
    const drop = key === '$schema' || key === '$id';
    const next = drop || DATA_KEYWORDS.has(key) ? value : SCHEMA_MAPS.has(key) && isMap(value) ? sanitizeMap(value) : sanitize(value);
    if (out === null && (drop || next !== value)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = schema[keys[j]];
    }
    if (out !== null && !drop) out[key] = next;
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    const o = out ?? schema;
    if (typeof o[flag] !== 'boolean') continue;
    out ??= { ...schema };
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  return out ?? schema;
}

/** A map of names to schemas (`properties`, `$defs`…): its keys are names, never keywords. */
function sanitizeMap(map: Record<string, Json>): Record<string, Json> {
  let out: Record<string, Json> | null = null;
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) {
    const next = sanitize(map[keys[i]]);
    if (out === null && next !== map[keys[i]]) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = map[keys[j]];
    }
    if (out !== null) out[keys[i]] = next;
  }
  return out ?? map;
}

/** A Mistral-safe `parameters` object for an Anthropic `input_schema`. */
export function sanitizeToolSchema(inputSchema: Record<string, unknown> | undefined): Record<string, unknown> {
  // Always a new top-level object: the defaults below must not be written into the client's request.
  const clean = { ...((sanitize(inputSchema ?? {}) ?? {}) as Record<string, unknown>) };
  if (clean.type === undefined) clean.type = 'object';
  if (clean.type === 'object' && clean.properties === undefined) clean.properties = {};
  return clean;
}

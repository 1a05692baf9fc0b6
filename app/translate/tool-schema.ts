// Tool input schemas go to Mistral's grammar compiler, which rejects `$schema`/`$id` ("failed to compile JSON
// schema") and draft-4 boolean exclusive bounds (the schema must be valid draft-7). Everything else passes as is.

type Json = unknown;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);

function sanitize(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(sanitize);
  if (schema === null || typeof schema !== 'object') return schema;
  const src = schema as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(src)) {
    const value = src[key];
    if (key === '$schema' || key === '$id') continue;
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      const map: Record<string, Json> = {};
      for (const [prop, sub] of Object.entries(value as Record<string, Json>)) map[prop] = sanitize(sub);
      out[key] = map;
    } else out[key] = sanitize(value);
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

/** A Mistral-safe `parameters` object for an Anthropic `input_schema`. */
export function sanitizeToolSchema(inputSchema: Record<string, unknown> | undefined): Record<string, unknown> {
  const clean = (sanitize(inputSchema ?? {}) ?? {}) as Record<string, unknown>;
  if (clean.type === undefined) clean.type = 'object';
  if (clean.type === 'object' && clean.properties === undefined) clean.properties = {};
  return clean;
}

/** A JSON object: not null, not an array. What parsed JSON must be before its fields are read. */
export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

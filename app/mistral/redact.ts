// The one redaction of the Mistral key at the upstream boundary. Every string that comes from Mistral (error bodies,
// SSE events, headers such as Location) passes through here before anything else reads it, so the key cannot reach
// a client, the log, the ledger, /status, the UI or an export by any later path.
//
// What passes through is raw JSON text, read before it is parsed: there the key may also be spelled with JSON
// escapes (`\u0061` for `a`, `\/` for `/`), which JSON.parse turns back into the key. So when the text holds an
// escape at all, the key is also matched with any of its characters escaped.

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

const regexpLiteral = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** A pattern for the key as JSON text may spell it: each character as itself or as its escape. */
function escapedKeyPattern(key: string): RegExp {
  const alternatives = [...key].map((c) => {
    const code = c.charCodeAt(0).toString(16).padStart(4, '0');
    const forms = [regexpLiteral(c), `\\\\u${[...code].map((h) => (/[a-f]/.test(h) ? `[${h}${h.toUpperCase()}]` : h)).join('')}`];
    if (c === '/') forms.push('\\\\/');
    return `(?:${forms.join('|')})`;
  });
  return new RegExp(alternatives.join(''), 'g');
}

export function redactorFor(apiKey: string): Redactor {
  const key = apiKey.trim();
  // A key this short would match ordinary text; real Mistral keys are 32 characters.
  if (key.length < 8) return (text) => text;
  let escaped: RegExp | null = null;
  return (text) => {
    if (text.includes(key)) text = text.split(key).join(REDACTED);
    if (text.includes('\\u') || text.includes('\\/')) text = text.replace(escaped ??= escapedKeyPattern(key), REDACTED);
    return text;
  };
}

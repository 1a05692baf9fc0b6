// The one redaction of the Mistral key at the upstream boundary. Every string that comes from Mistral (error bodies,
// SSE events, headers such as Location) passes through here before anything else reads it, so the key cannot reach
// a client, the log, the ledger, /status, the UI or an export by any later path.

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

export function redactorFor(apiKey: string): Redactor {
  const key = apiKey.trim();
  // A key this short would match ordinary text; real Mistral keys are 32 characters.
  if (key.length < 8) return (text) => text;
  return (text) => (text.includes(key) ? text.split(key).join(REDACTED) : text);
}

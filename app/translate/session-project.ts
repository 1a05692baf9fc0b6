import type { AnthropicRequest } from './anthropic-types.js';

// A Claude Code session is named after its project so the dashboard can say "ccproxy-desktop" rather than a UUID.
// Claude Code states its working directory in its system prompt ("Working directory: /path", or "Primary working
// directory:" in a system entry of `messages` since 2.1); without one (other
// clients, or a prompt that omits it), the session is named by its first user prompt instead.

const CWD = /(?:^|\n)[ \t]*(?:-[ \t]*)?(?:Primary[ \t]+)?working directory:[ \t]*([^\n<]{1,400})/i;
const MAX_PROMPT_CHARS = 80;

function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((b) => (b && typeof b === 'object' && (b as { type?: unknown }).type === 'text' && typeof (b as { text?: unknown }).text === 'string' ? [(b as { text: string }).text] : []));
}

/** The session's project: its working directory, else its first prompt (shortened), else null. */
export function sessionProject(req: Pick<AnthropicRequest, 'system' | 'messages'>): string | null {
  // Claude Code 2.1 moved its environment section into a `role: "system"` entry of `messages`.
  const systemEntries = Array.isArray(req.messages) ? req.messages.filter((m) => (m?.role as string) === 'system').flatMap((m) => textsOf(m.content)) : [];
  for (const text of [...textsOf(req.system), ...systemEntries]) {
    const m = CWD.exec(text);
    if (m) return m[1].trim() || null;
  }
  const first = Array.isArray(req.messages) ? req.messages.find((m) => m?.role === 'user') : undefined;
  // Claude Code prefixes prompts with <system-reminder> blocks; the user's own words are the first other text.
  const prompt = textsOf(first?.content).map((t) => t.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim()).find((t) => t.length > 0);
  if (!prompt) return null;
  const line = prompt.replace(/\s+/g, ' ');
  return line.length > MAX_PROMPT_CHARS ? `${line.slice(0, MAX_PROMPT_CHARS - 1)}…` : line;
}

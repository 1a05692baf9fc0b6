// What Claude Code needs to use the proxy. ANTHROPIC_AUTH_TOKEN (sent as a Bearer token) rather than
// ANTHROPIC_API_KEY: Claude Code asks interactively before using a custom API key, not a token. The proxy ignores
// the value unless CCPROXY_AUTH_TOKEN is set, in which case it must be that token.

export const PLACEHOLDER_TOKEN = 'ccproxy';

export function claudeEnv(baseUrl: string, authToken?: string): Record<string, string> {
  return { ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_AUTH_TOKEN: authToken || PLACEHOLDER_TOKEN };
}

const shellQuote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

export function exportLines(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n');
}

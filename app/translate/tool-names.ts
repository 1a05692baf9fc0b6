import { createHash } from 'node:crypto';

// Mistral requires tool names matching ^[a-zA-Z0-9_-]{1,64}$; MCP tool names (mcp__server__tool) can be longer
// or contain other characters. Such names are shortened to a readable prefix plus a hash, and the reverse map
// restores the client's name in responses.

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function shortenToolName(name: string): string {
  if (VALID_NAME.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const prefix = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55);
  return `${prefix}_${hash}`;
}

export class ToolNameMap {
  private readonly toClient = new Map<string, string>();

  toMistral(name: string): string {
    const short = shortenToolName(name);
    if (short !== name) this.toClient.set(short, name);
    return short;
  }

  toAnthropic(name: string): string {
    return this.toClient.get(name) ?? name;
  }
}

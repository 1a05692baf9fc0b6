import { createHash, randomInt } from 'node:crypto';

// Mistral accepts only 9-character alphanumeric tool-call ids. Anthropic ids are opaque strings (`toolu_01…`).
// Ids that Mistral produced travel to the client as `toolu_<id>` and come back stripped; any other id is hashed
// deterministically, so a tool_use and its tool_result map to the same Mistral id without any stored state.

const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
const WRAPPED_ID = /^toolu_([A-Za-z0-9]{9})$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function isMistralToolId(id: unknown): id is string {
  return typeof id === 'string' && MISTRAL_ID.test(id);
}

function hashId(input: string): string {
  const digest = createHash('sha256').update(input).digest();
  let out = '';
  for (let i = 0; out.length < 9; i++) out += BASE62[digest[i] % 62];
  return out;
}

export function randomMistralId(): string {
  let out = '';
  for (let i = 0; i < 9; i++) out += BASE62[randomInt(62)];
  return out;
}

/** The client-facing id for a Mistral tool call; a missing or placeholder id ("null", "") gets a fresh one. */
export function toAnthropicToolId(mistralId: string | null | undefined): string {
  return `toolu_${isMistralToolId(mistralId) ? mistralId : randomMistralId()}`;
}

/** Maps Anthropic tool ids to Mistral ids for one request, re-salting on the (unlikely) hash collision. */
export class ToolIdMap {
  private readonly byAnthropic = new Map<string, string>();
  private readonly taken = new Set<string>();

  toMistral(anthropicId: string): string {
    const known = this.byAnthropic.get(anthropicId);
    if (known) return known;
    const wrapped = WRAPPED_ID.exec(anthropicId);
    let candidate = wrapped ? wrapped[1] : MISTRAL_ID.test(anthropicId) ? anthropicId : hashId(anthropicId);
    for (let salt = 1; this.taken.has(candidate); salt++) candidate = hashId(`${anthropicId}#${salt}`);
    this.byAnthropic.set(anthropicId, candidate);
    this.taken.add(candidate);
    return candidate;
  }
}

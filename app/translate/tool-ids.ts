import { createHash, randomInt } from 'node:crypto';
import { invalidRequest } from './errors.js';

// Mistral accepts only 9-character alphanumeric tool-call ids; Anthropic ids are opaque strings (`toolu_01…`) that
// must be unique within a conversation. Some Mistral models reuse a call id in a later turn, so the Mistral id
// alone cannot be the Anthropic id.
//
// The mapping is stateless (the proxy remembers nothing between requests) and deterministic:
//   Mistral → client: `toolu_<mistral id>_<turn>_<position>`, where <turn> is the number of assistant turns in the
//     request that produced the call (the new turn's index in the conversation) and <position> its place among
//     the calls of that response. Earlier turns have smaller turn numbers, so a reused Mistral id still yields a
//     new Anthropic id; the position separates two calls of one response.
//   client → Mistral: the 9-character id is read back out of `toolu_<id>_…` (and of the older `toolu_<id>`), so
//     Mistral sees in each turn exactly the id it produced there. Any other client id is hashed.
// Mistral checks tool-call ids per assistant turn only (each call answered once, no duplicate in one turn), so
// the same Mistral id may appear in several turns; pairing results to calls is therefore done per turn too.

const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
const WRAPPED_ID = /^toolu_([A-Za-z0-9]{9})(?:_\d+_\d+)?$/;
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

/**
 * The client-facing id for the call at `position` in the response that opens assistant turn `turn`; a missing or
 * placeholder Mistral id ("null", "") gets a fresh one.
 */
export function toAnthropicToolId(mistralId: string | null | undefined, turn: number, position: number): string {
  return `toolu_${isMistralToolId(mistralId) ? mistralId : randomMistralId()}_${turn}_${position}`;
}

/** The Mistral id an Anthropic id stands for, before any de-duplication within a turn. */
function baseId(anthropicId: string): string {
  const wrapped = WRAPPED_ID.exec(anthropicId);
  return wrapped ? wrapped[1] : MISTRAL_ID.test(anthropicId) ? anthropicId : hashId(anthropicId);
}

/** Maps the Anthropic tool ids of one request to Mistral ids, one assistant turn at a time. */
export class ToolIdMap {
  /** Anthropic → Mistral for the latest assistant turn (the results that follow answer these). */
  private turn = new Map<string, string>();
  private taken = new Set<string>();
  /** Anthropic → Mistral over all turns, latest wins: for results that arrive late. */
  private readonly seen = new Map<string, string>();

  beginTurn(): void {
    this.turn = new Map();
    this.taken = new Set();
  }

  /** A tool_use in the current assistant turn. */
  toolUse(anthropicId: string): string {
    if (this.turn.has(anthropicId)) throw invalidRequest(`messages: tool_use ids must be unique (${anthropicId} appears twice in one turn)`);
    let candidate = baseId(anthropicId);
    // Two different client ids of one turn that stand for the same Mistral id (e.g. hashed ones): Mistral rejects
    // a duplicate within a turn, so the later one is re-salted.
    for (let salt = 1; this.taken.has(candidate); salt++) candidate = hashId(`${anthropicId}#${salt}`);
    this.turn.set(anthropicId, candidate);
    this.seen.set(anthropicId, candidate);
    this.taken.add(candidate);
    return candidate;
  }

  /** A tool_result: the id of the call it answers, preferring the latest turn. */
  toolResult(anthropicId: string): string {
    return this.turn.get(anthropicId) ?? this.seen.get(anthropicId) ?? baseId(anthropicId);
  }
}

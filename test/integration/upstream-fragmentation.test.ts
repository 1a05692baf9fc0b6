import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { user, withSdkStack } from './sdk-helpers.js';

// A property of the stream path, through the real HTTP path (official SDK → proxy → strict mock): whatever the way
// Mistral's SSE bytes are cut into reads (1–3 bytes at a time, a multi-byte character split across reads), whatever
// the line ends (LF, CRLF), comment and `id:` lines, `data:` with or without a space, and EOF with or without
// `[DONE]`, every stream completes with exactly the text sent — none stalls.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});

const STREAMS = 300;
const STALL_MS = 10_000;

/** A small deterministic PRNG, so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const PIECES = ['a', 'b ', 'é', '€', '日本語', '🙂', '👍🏽', 'ß', '"q"', '\\', 'Ω', ' ', 'x\ny', '🇫🇷', 'ü'];

interface Plan { bytes: Buffer; text: string; description: string }

function plan(seed: number): Plan {
  const r = rng(seed);
  const eol = r() < 0.5 ? '\r\n' : '\n';
  const space = () => (r() < 0.5 ? ' ' : '');
  const withDone = r() < 0.6;
  const chunk = (delta: object, finish: string | null = null, usage?: object) => ({
    id: 'c', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest',
    choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}),
  });
  let out = '';
  let text = '';
  const event = (payload: string) => {
    if (r() < 0.2) out += `: keep-alive${eol}`;
    if (r() < 0.2) out += `id: ${Math.floor(r() * 1000)}${eol}`;
    out += `data:${space()}${payload}${eol}${eol}`;
  };
  event(JSON.stringify(chunk({ role: 'assistant', content: '' })));
  const n = 3 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    let piece = '';
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) piece += PIECES[Math.floor(r() * PIECES.length)];
    text += piece;
    event(JSON.stringify(chunk({ content: piece })));
  }
  event(JSON.stringify(chunk({ content: '' }, 'stop', { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n })));
  if (withDone) event('[DONE]');
  else if (r() < 0.5) out = out.slice(0, -eol.length); // EOF right after the last data line's own line end
  return { bytes: Buffer.from(out, 'utf8'), text, description: `seed ${seed}: eol ${JSON.stringify(eol)}, [DONE] ${withDone}` };
}

/** Writes the body 1–3 bytes per write, yielding between writes so each lands in its own read. */
function fragmented(p: Plan, seed: number) {
  const r = rng(seed * 7919);
  return {
    kind: 'raw' as const,
    handle: async ({ res }: { res: import('node:http').ServerResponse }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      for (let i = 0; i < p.bytes.length && !res.destroyed; ) {
        const n = 1 + Math.floor(r() * 3);
        res.write(p.bytes.subarray(i, i + n));
        i += n;
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    },
  };
}

describe('stream decoding is independent of how the bytes are cut', () => {
  it(`${STREAMS} byte-fragmented streams with multi-byte characters, CRLF, comments, id lines, EOF without [DONE]: zero stalls`, async () => {
    const failures: string[] = [];
    // The reply is chosen by the seed in the request, so concurrent requests cannot swap replies.
    stack.mock.setResponder((req) => {
      const messages = (req.body as { messages: Array<{ content: unknown }> }).messages;
      const seed = Number(/stream (\d+)/.exec(JSON.stringify(messages.at(-1)?.content))?.[1]);
      return fragmented(plan(seed), seed);
    });
    const one = async (seed: number) => {
      const p = plan(seed);
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<'stall'>((resolve) => {
        timer = setTimeout(() => resolve('stall'), STALL_MS);
      });
      const stream = client.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 256, messages: [user(`stream ${seed}`)] });
      const outcome = await Promise.race([stream.finalMessage().catch((e: Error) => e), stalled]);
      clearTimeout(timer);
      if (outcome === 'stall') {
        stream.abort();
        failures.push(`${p.description}: stalled`);
      } else if (outcome instanceof Error) failures.push(`${p.description}: ${outcome.message}`);
      else {
        const got = outcome.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        if (got !== p.text || outcome.stop_reason !== 'end_turn') failures.push(`${p.description}: got ${JSON.stringify(got)} (${outcome.stop_reason}), want ${JSON.stringify(p.text)}`);
      }
    };
    let next = 1;
    const worker = async () => {
      while (next <= STREAMS) await one(next++);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures).toEqual([]);
  }, 240_000);
});

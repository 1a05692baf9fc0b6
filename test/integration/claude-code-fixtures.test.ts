import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

// Every request Claude Code really sent (several versions and tool sets, see fixtures/claude-code/README.md) is
// replayed through the proxy to the strict mock: each must reach Mistral as a valid body and come back as a
// well-formed Anthropic answer, streaming or not.

const dir = new URL('../fixtures/claude-code/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

interface Fixture { ccVersion: string; path: string; headers: Record<string, string>; body: Record<string, unknown> }

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());

describe('captured Claude Code requests replay cleanly', () => {
  it('has fixtures from several Claude Code versions', () => {
    const versions = new Set(fixtures.map((f) => f.split('-')[0]));
    expect(versions.size).toBeGreaterThanOrEqual(3);
  });

  for (const file of fixtures) {
    for (const stream of [true, false]) {
      it(`${file} (${stream ? 'stream' : 'json'})`, async () => {
        const fx = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture;
        const before = stack.mock.requests.length;
        const res = await fetch(`${stack.url}${fx.path}`, {
          method: 'POST',
          headers: { ...fx.headers, 'content-type': 'application/json', host: new URL(stack.url).host },
          body: JSON.stringify({ ...fx.body, stream }),
        });
        const text = await res.text();
        const upstream = stack.mock.requests.slice(before);
        expect(upstream.flatMap((r) => r.violations)).toEqual([]);
        expect(res.status, text).toBe(200);
        expect(upstream).toHaveLength(1);
        if (stream) {
          expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
          expect(text).toMatch(/^event: message_start\n/);
          expect(text.trimEnd()).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}$/);
        } else {
          const msg = JSON.parse(text);
          expect(msg.type).toBe('message');
          expect(msg.usage.output_tokens).toBeGreaterThan(0);
        }
      });
    }
  }
});

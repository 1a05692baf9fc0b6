import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { text } from '../mock-mistral/index.js';
import { CHAT_PATH, rejection, sdk, user, waitFor, withSdkStack } from './sdk-helpers.js';

// A client that goes away must cancel the paid upstream request, and be recorded as client_closed.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});

const base = { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [user('Hello')] } satisfies Anthropic.MessageCreateParamsNonStreaming;

/** Index (into mock.requests) of the first chat request arriving after `from`. */
const nextChatIndex = (from: number) =>
  waitFor(() => {
    const i = stack.mock.requests.findIndex((r, n) => n >= from && r.path === CHAT_PATH);
    return i >= 0 ? i + 1 : null; // +1 so index 0 is truthy
  }).then((i) => i - 1);

async function closedRecord(before: number) {
  return waitFor(() => stack.records.slice(before).find((r) => r.errorType === 'client_closed'));
}

let seq = 0;
const chunk = (delta: object, finish: string | null = null) => ({
  id: `abort${++seq}`, object: 'chat.completion.chunk', created: 1_775_000_000, model: 'mistral-large-latest',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...(finish ? { usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } } : {}),
});

describe('client aborts', () => {
  it('streaming request aborted before upstream headers arrive (mock hangs) → upstream aborted, client_closed', async () => {
    const from = stack.mock.requests.length;
    const records = stack.records.length;
    stack.mock.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const pending = rejection(client.messages.create({ ...base, stream: true }, { signal: ac.signal }));
    const index = await nextChatIndex(from);
    ac.abort();
    expect(await pending).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    const rec = await closedRecord(records);
    expect(rec).toMatchObject({ status: 499, errorType: 'client_closed', stream: true });
  });

  it('non-streaming request aborted while upstream hangs → upstream aborted, client_closed', async () => {
    const from = stack.mock.requests.length;
    const records = stack.records.length;
    stack.mock.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const pending = rejection(client.messages.create(base, { signal: ac.signal }));
    const index = await nextChatIndex(from);
    ac.abort();
    expect(await pending).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    expect(await closedRecord(records)).toMatchObject({ errorType: 'client_closed', stream: false });
  });

  it('stream.abort() mid-stream (slow SSE) → upstream aborted, client_closed', async () => {
    const from = stack.mock.requests.length;
    const records = stack.records.length;
    const chunks = [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: 40 }, (_, i) => chunk({ content: `word${i} ` })), chunk({ content: '' }, 'stop'), '[DONE]'];
    stack.mock.enqueue({ kind: 'sse', delayMs: 50, chunks });
    const stream = client.messages.stream(base);
    const first = new Promise<void>((resolve) => stream.once('text', () => resolve()));
    const done = rejection(stream.finalMessage());
    await first;
    const index = await nextChatIndex(from);
    stream.abort();
    expect(await done).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    expect(await closedRecord(records)).toMatchObject({ status: 499, errorType: 'client_closed', stream: true });
  });

  it('AbortController on a raw stream iteration behaves the same', async () => {
    const from = stack.mock.requests.length;
    const records = stack.records.length;
    const chunks = [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: 40 }, (_, i) => chunk({ content: `w${i} ` })), chunk({ content: '' }, 'stop'), '[DONE]'];
    stack.mock.enqueue({ kind: 'sse', delayMs: 50, chunks });
    const ac = new AbortController();
    const seen: string[] = [];
    const s = await client.messages.create({ ...base, stream: true }, { signal: ac.signal });
    // The SDK's Stream ends the iteration quietly when its signal aborts.
    for await (const ev of s) {
      seen.push(ev.type);
      if (ev.type === 'content_block_delta') ac.abort();
    }
    expect(seen).not.toContain('message_stop');
    expect(await stack.mock.waitForAbort(await nextChatIndex(from))).toBe(true);
    expect(await closedRecord(records)).toMatchObject({ errorType: 'client_closed' });
  });

  it('after aborts, /status counts them, nothing is in flight, and the next request works', async () => {
    stack.mock.enqueue(text('after abort'));
    expect((await client.messages.create(base)).content).toEqual([{ type: 'text', text: 'after abort' }]);
    const status = (await (await fetch(`${stack.url}/status`)).json()) as { requests: { client_closed: number; in_flight: number }; last_error: unknown };
    expect(status.requests.client_closed).toBe(4);
    expect(status.requests.in_flight).toBe(0);
    // A client hanging up is not an error worth surfacing.
    expect(status.last_error).toBeNull();
    expect(stack.proxy.app.active.size).toBe(0);
  });
});

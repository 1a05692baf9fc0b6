import Anthropic from '@anthropic-ai/sdk';
import type { RecordedRequest } from '../mock-mistral/index.js';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

// Shared bits of the SDK integration tests: the official client pointed at the proxy, and views of what the
// strict mock received.

export function sdk(stack: Stack, opts: { apiKey?: string; defaultHeaders?: Record<string, string> } = {}): Anthropic {
  return new Anthropic({ baseURL: stack.url, apiKey: opts.apiKey ?? 'anything', maxRetries: 0, defaultHeaders: opts.defaultHeaders });
}

export const CHAT_PATH = '/v1/chat/completions';

/** Chat requests the mock received (models fetches excluded). */
export function chats(stack: Stack): RecordedRequest[] {
  return stack.mock.requests.filter((r) => r.path === CHAT_PATH);
}

/** Mistral body of the last chat request. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function lastBody(stack: Stack): any {
  const all = chats(stack);
  if (all.length === 0) throw new Error('no chat request reached the mock');
  return all[all.length - 1].body;
}

/** Polls until `fn` returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Awaits a promise that must reject, and returns the rejection. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

export const user = (text: string): Anthropic.MessageParam => ({ role: 'user', content: text });

/** A 1×1 transparent PNG. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/**
 * One proxy + strict mock for a whole test file, handed to `set` once started. After every test the mock must have
 * seen only valid Mistral bodies: the proxy never sends Mistral something it would reject.
 */
export function withSdkStack(set: (stack: Stack, client: Anthropic) => void, ...args: Parameters<typeof startStack>): void {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(...args);
    set(stack, sdk(stack));
  });
  afterAll(async () => stack.close());
  afterEach(() => {
    expect(stack.mock.violations()).toEqual([]);
  });
}

import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { text } from '../mock-mistral/index.js';
import { user, withSdkStack } from './sdk-helpers.js';

// count_tokens learns each model's tokenizer from the prompt tokens Mistral reports on real requests.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});

const prompt = 'Calibrate me: the quick brown fox jumps over the lazy dog, then counts its steps. '.repeat(30);

describe('count_tokens calibration', () => {
  it('moves toward the prompt tokens Mistral reports for that model, and leaves other models alone', async () => {
    const sonnet = 'claude-sonnet-4-5';
    const haiku = 'claude-haiku-4-5';
    const before = (await client.messages.countTokens({ model: sonnet, messages: [user(prompt)] })).input_tokens;
    const haikuBefore = (await client.messages.countTokens({ model: haiku, messages: [user(prompt)] })).input_tokens;
    expect(before).toBe(haikuBefore);

    // This model's tokenizer turns out to need 1.5× the local estimate (a third of it served from cache).
    const reported = Math.round(before * 1.5);
    for (let i = 0; i < 4; i++) {
      stack.mock.enqueue(text('ok', { usage: { prompt_tokens: reported, completion_tokens: 1, prompt_tokens_details: { cached_tokens: Math.round(reported / 3) } } }));
      const streamed = i % 2 === 1;
      if (streamed) await client.messages.stream({ model: sonnet, max_tokens: 16, messages: [user(prompt)] }).finalMessage();
      else await client.messages.create({ model: sonnet, max_tokens: 16, messages: [user(prompt)] });
    }

    const after = (await client.messages.countTokens({ model: sonnet, messages: [user(prompt)] })).input_tokens;
    expect(Math.abs(after - reported)).toBeLessThanOrEqual(Math.ceil(reported * 0.02));
    expect((await client.messages.countTokens({ model: haiku, messages: [user(prompt)] })).input_tokens).toBe(haikuBefore);

    const status = (await (await fetch(`${stack.url}/status`)).json()) as { token_calibration: Record<string, { ratio: number; samples: number }> };
    expect(Object.values(status.token_calibration)).toEqual([{ ratio: expect.closeTo(1.5, 1), samples: 4 }]);
  });
});

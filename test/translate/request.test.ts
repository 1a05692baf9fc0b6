import { describe, expect, it } from 'vitest';
import type { AnthropicRequest } from '../../app/translate/anthropic-types.js';
import { ModelCatalog, resolveModel } from '../../app/translate/models.js';
import { anthropicToMistral } from '../../app/translate/request.js';
import { sanitizeToolSchema } from '../../app/translate/tool-schema.js';
import { shortenToolName, ToolNameMap } from '../../app/translate/tool-names.js';
import { ToolIdMap, toAnthropicToolId } from '../../app/translate/tool-ids.js';

const catalog = new ModelCatalog();
const opts = (model = 'mistral-large-latest') => ({ model, caps: catalog.capsOf(model), maxTokensCap: 16384 });
const base = (extra: Partial<AnthropicRequest>): AnthropicRequest => ({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [], ...extra });

describe('anthropicToMistral', () => {
  it('flattens block system prompts, drops cache_control and unknown top-level fields', () => {
    const { body } = anthropicToMistral(
      base({
        system: [{ type: 'text', text: 'A', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'B' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
        metadata: { user_id: 'u' }, top_k: 5, context_management: { edits: [] }, output_config: { effort: 'high' },
      }),
      opts(),
    );
    expect(body).toEqual({
      model: 'mistral-large-latest',
      messages: [{ role: 'system', content: 'A\n\nB' }, { role: 'user', content: 'hi' }],
      max_tokens: 1000,
    });
  });

  it('caps max_tokens and keeps temperature/top_p inside Mistral ranges', () => {
    const { body } = anthropicToMistral(base({ max_tokens: 128000, temperature: 1, top_p: 0, messages: [{ role: 'user', content: 'x' }] }), opts());
    expect(body.max_tokens).toBe(16384);
    expect(body.temperature).toBe(1);
    expect(body).not.toHaveProperty('top_p');
  });

  it('maps a tool round trip with 9-char ids, tool names and is_error', () => {
    const { body } = anthropicToMistral(
      base({
        tools: [{ name: 'Bash', description: 'run', input_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { command: { type: 'string' } } } }],
        messages: [
          { role: 'user', content: 'list' },
          { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'toolu_01ABCdefGHIjklMNOpqr', name: 'Bash', input: { command: 'ls' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01ABCdefGHIjklMNOpqr', content: [{ type: 'text', text: 'boom' }], is_error: true }] },
        ],
      }),
      opts(),
    );
    const assistant = body.messages[1] as { tool_calls: Array<{ id: string; function: { arguments: string } }> };
    const tool = body.messages[2] as { role: string; tool_call_id: string; name: string; content: string };
    expect(assistant.tool_calls[0].id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(tool).toEqual({ role: 'tool', tool_call_id: assistant.tool_calls[0].id, name: 'Bash', content: 'Error: boom' });
    expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ command: 'ls' });
    expect(body.tools?.[0].function.parameters).toEqual({ type: 'object', properties: { command: { type: 'string' } } });
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('puts tool results first, folds trailing user text into the tool message, keeps mid-conversation system text', () => {
    const { body } = anthropicToMistral(
      base({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'system', content: 'env: linux' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'Bash', input: {} }, { type: 'tool_use', id: 'b', name: 'Bash', input: {} }] },
          { role: 'user', content: [{ type: 'text', text: 'note' }, { type: 'tool_result', tool_use_id: 'b', content: 'B' }, { type: 'tool_result', tool_use_id: 'a', content: 'A' }] },
        ],
      }),
      opts(),
    );
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(body.messages[0].content).toContain('env: linux');
    expect(body.messages[2].content).toBe('A');
    expect(body.messages[3].content).toBe('B\n\nnote');
  });

  it('synthesizes missing tool results and turns orphan results into user text', () => {
    const { body } = anthropicToMistral(
      base({
        messages: [
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'ghost', content: 'old' }, { type: 'text', text: 'hi' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'x1', name: 'Read', input: {} }] },
          { role: 'user', content: 'never mind' },
        ],
      }),
      opts(),
    );
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(body.messages[0].content).toContain('old');
    expect(body.messages[2].content).toContain('interrupted');
    expect(body.messages[2].content).toContain('never mind');
  });

  it('drops empty assistant turns and sends a trailing assistant as prefix', () => {
    const { body, context } = anthropicToMistral(
      base({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [] }, { role: 'user', content: 'b' }, { role: 'assistant', content: '{"x":' }] }),
      opts(),
    );
    expect(body.messages).toEqual([{ role: 'user', content: 'a\n\nb' }, { role: 'assistant', content: '{"x":', prefix: true }]);
    expect(context.prefix).toBe('{"x":');
  });

  it('converts images for vision models and refuses them for text-only models', () => {
    const req = base({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'what?' }] }] });
    const { body } = anthropicToMistral(req, opts());
    expect(body.messages[0].content).toEqual([{ type: 'image_url', image_url: 'data:image/png;base64,iVBORw0KGgo=' }, { type: 'text', text: 'what?' }]);
    expect(() => anthropicToMistral(req, opts('codestral-latest'))).toThrow(/does not accept images/);
  });

  it('maps tool_choice variants and parallel tool use', () => {
    const tools = [{ name: 'a', input_schema: { type: 'object' } }];
    const msg = [{ role: 'user' as const, content: 'x' }];
    expect(anthropicToMistral(base({ tools, messages: msg, tool_choice: { type: 'any', disable_parallel_tool_use: true } }), opts()).body).toMatchObject({ tool_choice: 'any', parallel_tool_calls: false });
    expect(anthropicToMistral(base({ tools, messages: msg, tool_choice: { type: 'tool', name: 'a' } }), opts()).body.tool_choice).toEqual({ type: 'function', function: { name: 'a' } });
    expect(anthropicToMistral(base({ tools, messages: msg, tool_choice: { type: 'none' } }), opts()).body.tool_choice).toBe('none');
    expect(anthropicToMistral(base({ tools: [], messages: msg, tool_choice: { type: 'auto' } }), opts()).body).not.toHaveProperty('tools');
  });

  it('asks reasoning models to think and replays thinking only to them', () => {
    const messages = [
      { role: 'user' as const, content: 'q' },
      { role: 'assistant' as const, content: [{ type: 'thinking' as const, thinking: 'hmm', signature: 's' }, { type: 'text' as const, text: 'a' }] },
      { role: 'user' as const, content: 'q2' },
    ];
    const r = anthropicToMistral(base({ thinking: { type: 'adaptive' }, messages }), opts('mistral-medium-latest')).body;
    expect(r.reasoning_effort).toBe('high');
    expect(r.messages[1].content).toEqual([{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }, { type: 'text', text: 'a' }]);
    const l = anthropicToMistral(base({ thinking: { type: 'enabled', budget_tokens: 2000 }, messages }), opts()).body;
    expect(l).not.toHaveProperty('reasoning_effort');
    expect(l.messages[1].content).toBe('a');
  });

  it('an effort alone asks a reasoning model to think too (reference C.8), unless thinking is disabled', () => {
    const messages = [{ role: 'user' as const, content: 'q' }];
    const on = (extra: object, model = 'mistral-medium-latest') => anthropicToMistral(base({ messages, ...extra }), opts(model)).body;
    expect(on({ output_config: { effort: 'low' } }).reasoning_effort).toBe('high');
    expect(on({ output_config: { effort: 'max' } }).reasoning_effort).toBe('high');
    expect(on({ output_config: { effort: 'high' }, thinking: { type: 'disabled' } })).not.toHaveProperty('reasoning_effort');
    expect(on({ output_config: {} })).not.toHaveProperty('reasoning_effort');
    expect(on({ output_config: { effort: 'high' } }, 'mistral-large-latest')).not.toHaveProperty('reasoning_effort');
  });

  it('passes stop sequences and structured output', () => {
    const { body } = anthropicToMistral(
      base({ stop_sequences: ['END', ''], output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: {} } } }, messages: [{ role: 'user', content: 'x' }] }),
      opts(),
    );
    expect(body.stop).toEqual(['END']);
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object', properties: {} }, strict: true } });
  });
});

describe('stop sequences', () => {
  it('sends at most 4 to Mistral and keeps all of them for the proxy-side match', () => {
    const stops = ['a', 'b', '', 'c', 'd', 'e'];
    const { body, context } = anthropicToMistral(base({ stop_sequences: stops, messages: [{ role: 'user', content: 'x' }] }), opts());
    expect(body.stop).toEqual(['a', 'b', 'c', 'd']);
    expect(context.stopSequences).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('sends none to Mistral for a stream (the proxy matches them and aborts upstream, so stop_reason is exact)', () => {
    const { body, context } = anthropicToMistral(base({ stream: true, stop_sequences: ['END'], messages: [{ role: 'user', content: 'x' }] }), opts());
    expect(body.stop).toBeUndefined();
    expect(context.stopSequences).toEqual(['END']);
  });
});

describe('tool ids and names', () => {
  it('maps ids deterministically and round-trips Mistral ids (with and without the turn discriminator)', () => {
    expect(new ToolIdMap().toolUse('toolu_01XYZ')).toBe(new ToolIdMap().toolUse('toolu_01XYZ'));
    expect(new ToolIdMap().toolUse('toolu_abcDEF123')).toBe('abcDEF123');
    expect(new ToolIdMap().toolUse('toolu_abcDEF123_4_1')).toBe('abcDEF123');
    expect(toAnthropicToolId('abcDEF123', 4, 1)).toBe('toolu_abcDEF123_4_1');
    expect(toAnthropicToolId('null', 0, 0)).toMatch(/^toolu_[A-Za-z0-9]{9}_0_0$/);
  });

  it('gives a reused Mistral id a new Anthropic id per turn, and each turn its own Mistral id back', () => {
    const first = toAnthropicToolId('reusedId1', 0, 0);
    const second = toAnthropicToolId('reusedId1', 1, 0);
    expect(first).not.toBe(second);
    const ids = new ToolIdMap();
    ids.beginTurn();
    expect(ids.toolUse(first)).toBe('reusedId1');
    expect(ids.toolResult(first)).toBe('reusedId1');
    ids.beginTurn();
    expect(ids.toolUse(second)).toBe('reusedId1');
    expect(ids.toolResult(second)).toBe('reusedId1');
  });

  it('keeps two client ids of one turn apart even when they stand for the same Mistral id', () => {
    const ids = new ToolIdMap();
    ids.beginTurn();
    const a = ids.toolUse('toolu_sameIdXYZ_2_0');
    const b = ids.toolUse('toolu_sameIdXYZ_2_1');
    expect(a).toBe('sameIdXYZ');
    expect(b).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(b).not.toBe(a);
    expect(ids.toolResult('toolu_sameIdXYZ_2_1')).toBe(b);
  });

  it('shortens long or illegal names reversibly', () => {
    const long = `mcp__${'server'.repeat(10)}__do.thing`;
    const names = new ToolNameMap();
    const short = names.toMistral(long);
    expect(short).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(names.toAnthropic(short)).toBe(long);
    expect(shortenToolName('Bash')).toBe('Bash');
  });

  it('strips $schema/$id and fixes draft-4 exclusive bounds but keeps data keywords', () => {
    expect(
      sanitizeToolSchema({ $schema: 'x', $id: 'y', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true }, $id: { type: 'string', default: { $id: 1 } } } }),
    ).toEqual({ type: 'object', properties: { n: { type: 'number', exclusiveMinimum: 0 }, $id: { type: 'string', default: { $id: 1 } } } });
  });
});

describe('resolveModel', () => {
  const tiers = { haiku: 'mistral-small-latest', sonnet: 'mistral-medium-latest', opus: 'mistral-large-latest' };
  it.each([
    ['claude-haiku-4-5', 'mistral-small-latest'],
    ['claude-sonnet-5-5', 'mistral-medium-latest'],
    ['claude-opus-5-5', 'mistral-large-latest'],
    ['claude-3-5-haiku-20241022', 'mistral-small-latest'],
    ['codestral-latest', 'codestral-latest'],
    ['claude-mistral-small-2603', 'mistral-small-2603'],
    ['claude-unknown', 'fallback'],
  ])('%s → %s', (input, expected) => expect(resolveModel(input, tiers, 'fallback')).toBe(expected));
});

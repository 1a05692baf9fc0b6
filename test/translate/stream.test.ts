import { describe, expect, it } from 'vitest';
import { ToolNameMap } from '../../app/translate/tool-names.js';
import { StreamTranslator } from '../../app/translate/stream.js';
import type { MistralChunk } from '../../app/translate/mistral-types.js';

function events(sse: string): Array<{ event: string; data: any }> {
  return sse.split('\n\n').filter(Boolean).map((block) => {
    const [e, d] = block.split('\n');
    expect(e.startsWith('event: ')).toBe(true);
    const data = JSON.parse(d.slice(6));
    expect(data.type).toBe(e.slice(7));
    return { event: e.slice(7), data };
  });
}

const chunk = (delta: object, finish: string | null = null, usage?: object): MistralChunk => ({ choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) }) as MistralChunk;

function run(chunks: MistralChunk[], prefix: string | null = null, stopSequences: string[] = [], turn = 0) {
  const t = new StreamTranslator({ names: new ToolNameMap(), prefix, model: 'mistral-large-latest', turn, stopSequences }, 10);
  let out = t.start();
  for (const c of chunks) out += t.push(c);
  out += t.end();
  return { t, ev: events(out) };
}

describe('StreamTranslator', () => {
  it('a stream that ends without usage ([DONE] and no final chunk) reports an estimate, not 0 output tokens', () => {
    const { ev } = run([chunk({ role: 'assistant', content: 'Hello, ' }), chunk({ content: 'this answer has no usage chunk.' })]);
    const delta = ev.find((e) => e.event === 'message_delta')!.data;
    expect(delta.delta.stop_reason).toBe('end_turn');
    expect(delta.usage.output_tokens).toBe(Math.ceil('Hello, this answer has no usage chunk.'.length / 4));
    expect(delta.usage.input_tokens).toBe(10);
  });

  it('emits thinking, text and fragmented parallel tool calls with contiguous indices', () => {
    const { ev } = run([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'let me ' }] }] }),
      chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'think' }] }, { type: 'text', text: 'Hi' }] }),
      chunk({ content: ' there' }),
      chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'Bash', arguments: '' }, index: 0 }] }),
      chunk({ tool_calls: [{ id: 'bbbbbbbb2', function: { name: 'Read', arguments: '{"path":"/x"}' }, index: 1 }] }),
      chunk({ tool_calls: [{ id: 'null', function: { name: '', arguments: '{"command":' }, index: 0 }] }),
      chunk({ tool_calls: [{ function: { name: '', arguments: '"ls"}' }, index: 0 }] }, 'tool_calls', { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 64 } }),
    ]);
    expect(ev.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    const starts = ev.filter((e) => e.event === 'content_block_start').map((e) => [e.data.index, e.data.content_block.type]);
    expect(starts).toEqual([[0, 'thinking'], [1, 'text'], [2, 'tool_use'], [3, 'tool_use']]);
    expect(ev[4].data.delta.type).toBe('signature_delta');
    const tools = ev.filter((e) => e.data.delta?.type === 'input_json_delta').map((e) => JSON.parse(e.data.delta.partial_json));
    expect(tools).toEqual([{ command: 'ls' }, { path: '/x' }]);
    expect(ev[10].data.content_block).toEqual({ type: 'tool_use', id: 'toolu_aaaaaaaa1_0_0', name: 'Bash', input: {} });
    expect(ev.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 36, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 64 },
    });
  });

  it('strips an echoed prefill across chunk boundaries', () => {
    const { ev } = run([chunk({ content: '{"a"' }), chunk({ content: ': 1}' }, 'stop')], '{"a":');
    const text = ev.filter((e) => e.data.delta?.type === 'text_delta').map((e) => e.data.delta.text).join('');
    expect(text).toBe(' 1}');
  });

  it('maps finish reasons and ends an errored generation with an error event', () => {
    expect(run([chunk({ content: 'x' }, 'length')]).ev.at(-2)!.data.delta.stop_reason).toBe('max_tokens');
    expect(run([chunk({ content: 'x' }, 'model_length')]).ev.at(-2)!.data.delta.stop_reason).toBe('max_tokens');
    const { ev } = run([chunk({ content: 'x' }, 'error')]);
    expect(ev.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'error']);
  });

  it('treats a new real id on the same index as a new call, and whole calls in one chunk', () => {
    const { ev } = run([
      chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'A', arguments: { x: 1 } }, index: 0 }, { id: 'bbbbbbbb2', function: { name: 'B', arguments: '{}' }, index: 0 }] }, 'tool_calls'),
    ]);
    const starts = ev.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.name);
    expect(starts).toEqual(['A', 'B']);
  });
});

describe('finish reasons without content to back them', () => {
  it('reports end_turn for "tool_calls" when no call arrived', () => {
    const t = new StreamTranslator({ names: new ToolNameMap(), prefix: null, model: 'm', turn: 0, stopSequences: [] }, 1);
    const out = t.start() + t.push(chunk({ content: 'done' }, 'tool_calls')) + t.end();
    expect(events(out).at(-2)!.data.delta.stop_reason).toBe('end_turn');
  });
});

describe('stop sequences in the stream', () => {
  const textOf = (ev: Array<{ data: any }>) => ev.filter((e) => e.data.delta?.type === 'text_delta').map((e) => e.data.delta.text).join('');

  it('cuts at a sequence split over chunks, after a prefill, and ignores everything after it', () => {
    const { t, ev } = run(
      [chunk({ content: '{"a": 1} ST' }), chunk({ content: 'OP tail' }), chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'A', arguments: '{}' }, index: 0 }] }, 'tool_calls')],
      '{"a":',
      ['STOP'],
    );
    expect(textOf(ev)).toBe(' 1} ');
    expect(ev.at(-2)!.data.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
    expect(ev.filter((e) => e.event === 'message_stop')).toHaveLength(1);
    expect(t.finished).toBe(true);
    expect(t.stopSequence).toBe('STOP');
  });

  it('releases a held partial match when the text goes on differently, or ends', () => {
    expect(textOf(run([chunk({ content: 'a S' }), chunk({ content: 'TOne' }, 'stop')], null, ['STOP']).ev)).toBe('a STOne');
    const { ev } = run([chunk({ content: 'a ST' }, 'stop')], null, ['STOP']);
    expect(textOf(ev)).toBe('a ST');
    expect(ev.at(-2)!.data.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('flushes held text before a tool call so block order is kept', () => {
    const { ev } = run([chunk({ content: 'go S' }), chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'A', arguments: '{}' }, index: 0 }] }, 'tool_calls')], null, ['STOP']);
    expect(ev.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.type)).toEqual(['text', 'tool_use']);
    expect(textOf(ev)).toBe('go S');
  });
});

describe('length cuts and tool ids', () => {
  it('drops a call whose arguments a length cut left incomplete, keeps complete ones, reports max_tokens', () => {
    const { ev } = run([
      chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'A', arguments: '{"x":1}' }, index: 0 }] }),
      chunk({ tool_calls: [{ id: 'bbbbbbbb2', function: { name: 'B', arguments: '{"path": "/etc/pa' }, index: 1 }] }, 'length'),
    ]);
    const starts = ev.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block);
    expect(starts).toEqual([{ type: 'tool_use', id: 'toolu_aaaaaaaa1_0_0', name: 'A', input: {} }]);
    expect(ev.at(-2)!.data.delta.stop_reason).toBe('max_tokens');
  });

  it('numbers tool ids by turn and position', () => {
    const { ev } = run([chunk({ tool_calls: [{ id: 'aaaaaaaa1', function: { name: 'A', arguments: '{}' }, index: 0 }, { id: 'aaaaaaaa1', function: { name: 'A', arguments: '{}' }, index: 1 }] }, 'tool_calls')], null, [], 3);
    expect(ev.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block.id)).toEqual(['toolu_aaaaaaaa1_3_0', 'toolu_aaaaaaaa1_3_1']);
  });
});

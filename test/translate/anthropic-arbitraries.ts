import type Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';

// fast-check generators of Anthropic Messages requests: anything the official SDK's types allow, biased toward
// the shapes that stress the translation (tool ids of every origin, dropped blocks, empty texts, server tools).

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const TOOL_NAMES = ['Bash', 'Read', 'mcp__server__do.thing', `mcp__${'long'.repeat(20)}__tool`, 'web_search', 'x'];
// Client ids of every shape: Claude's, this proxy's (old and new form), reused Mistral ids, odd ones.
const TOOL_IDS = ['toolu_01A09q90qw90lq917835lq9', 'toolu_Abc123xyz', 'toolu_Abc123xyz_0_0', 'toolu_Abc123xyz_2_0', 'toolu_Abc123xyz_2_1', 'call_1', 'Zz9Yy8Xx7', ''];

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', '\n', 'END', 'Human:', '{"x":', 'é🙂'));
const textBlock = text.map((t): Anthropic.TextBlockParam => ({ type: 'text', text: t }));
const imageBlock = fc.oneof(
  fc.constantFrom('image/png', 'image/jpeg', 'image/gif', 'image/webp').map((m): Anthropic.ImageBlockParam => ({ type: 'image', source: { type: 'base64', media_type: m as 'image/png', data: PNG } })),
  fc.constant<Anthropic.ImageBlockParam>({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }),
);
const documentBlock = fc.oneof(
  text.map((t): Anthropic.DocumentBlockParam => ({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: t }, title: 'notes' })),
  fc.constant<Anthropic.DocumentBlockParam>({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } }),
  fc.constant<Anthropic.DocumentBlockParam>({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }),
  fc.array(textBlock, { maxLength: 2 }).map((c): Anthropic.DocumentBlockParam => ({ type: 'document', source: { type: 'content', content: c } })),
);
const toolUse = fc.record({
  type: fc.constant('tool_use' as const),
  id: fc.constantFrom(...TOOL_IDS),
  name: fc.constantFrom(...TOOL_NAMES),
  input: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), fc.jsonValue({ maxDepth: 1 })),
}) as fc.Arbitrary<Anthropic.ToolUseBlockParam>;
const toolResult = fc.record(
  {
    type: fc.constant('tool_result' as const),
    tool_use_id: fc.constantFrom(...TOOL_IDS),
    content: fc.oneof(text, fc.array(fc.oneof(textBlock, imageBlock), { maxLength: 3 })),
    is_error: fc.boolean(),
  },
  { requiredKeys: ['type', 'tool_use_id'] },
) as fc.Arbitrary<Anthropic.ToolResultBlockParam>;
const thinkingBlock = text.map((t): Anthropic.ThinkingBlockParam => ({ type: 'thinking', thinking: t, signature: 'sig' }));
const redacted = fc.constant<Anthropic.RedactedThinkingBlockParam>({ type: 'redacted_thinking', data: 'abc' });
const serverToolUse = fc.constant({ type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'q' } } as Anthropic.ServerToolUseBlockParam);
const serverToolResult = fc.constant({ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] } as Anthropic.WebSearchToolResultBlockParam);
const searchResult = text.map((t) => ({ type: 'search_result', source: 'https://example.com', title: 'r', content: [{ type: 'text', text: t }] }) as Anthropic.SearchResultBlockParam);

const userContent = fc.oneof(
  text,
  fc.array(fc.oneof(textBlock, imageBlock, documentBlock, toolResult, toolResult, searchResult, serverToolResult), { maxLength: 4 }),
);
const assistantContent = fc.oneof(
  text,
  fc.array(fc.oneof(textBlock, thinkingBlock, redacted, toolUse, toolUse, serverToolUse), { maxLength: 4 }),
);
const message: fc.Arbitrary<Anthropic.MessageParam> = fc.oneof(
  userContent.map((content) => ({ role: 'user' as const, content })),
  assistantContent.map((content) => ({ role: 'assistant' as const, content })),
);

const customTool = fc.record({
  name: fc.constantFrom(...TOOL_NAMES),
  description: fc.option(text, { nil: undefined }),
  input_schema: fc.constantFrom<Anthropic.Tool.InputSchema>(
    { type: 'object' },
    { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    { type: 'object', properties: { n: { type: 'integer', exclusiveMinimum: 0 } }, $schema: 'http://json-schema.org/draft-07/schema#', additionalProperties: false },
    { type: 'object', properties: { a: { type: 'array', items: { type: 'string' } } }, $id: 'x' },
  ),
  strict: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['name', 'input_schema'] }) as fc.Arbitrary<Anthropic.Tool>;
const serverTool = fc.constantFrom(
  { type: 'web_search_20250305', name: 'web_search' },
  { type: 'bash_20250124', name: 'bash' },
  { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
) as fc.Arbitrary<Anthropic.ToolUnion>;
const toolChoice = fc.oneof(
  fc.record({ type: fc.constantFrom('auto' as const, 'any' as const), disable_parallel_tool_use: fc.boolean() }),
  fc.constant({ type: 'none' as const }),
  fc.record({ type: fc.constant('tool' as const), name: fc.constantFrom(...TOOL_NAMES, 'bash'), disable_parallel_tool_use: fc.boolean() }),
) as fc.Arbitrary<Anthropic.ToolChoice>;

export const anthropicRequest: fc.Arbitrary<Anthropic.MessageCreateParams> = fc.record(
  {
    model: fc.constantFrom('claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-1', 'codestral-latest', 'claude-devstral-2512', 'mistral-medium-latest', 'mistral-small-2603', 'open-mixtral-8x22b'),
    max_tokens: fc.integer({ min: 1, max: 200_000 }),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
    system: fc.oneof(text, fc.array(textBlock, { maxLength: 3 })),
    // Mostly distinct names (a duplicate is a plain 400), so the run explores conversions rather than refusals.
    tools: fc.oneof(
      { weight: 9, arbitrary: fc.uniqueArray(fc.oneof(customTool, customTool, serverTool), { maxLength: 4, selector: (t) => (t as { name: string }).name }) },
      { weight: 1, arbitrary: fc.array(fc.oneof(customTool, serverTool), { maxLength: 4 }) },
    ),
    tool_choice: fc.oneof({ weight: 3, arbitrary: fc.constant({ type: 'auto' } as Anthropic.ToolChoice) }, { weight: 1, arbitrary: toolChoice }),
    stop_sequences: fc.array(text, { maxLength: 3 }),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.integer({ min: 0, max: 100 }),
    thinking: fc.constantFrom<Anthropic.ThinkingConfigParam>({ type: 'enabled', budget_tokens: 1024 }, { type: 'disabled' }),
    metadata: fc.constant({ user_id: 'user_abc_session_123e4567-e89b-12d3-a456-426614174000' }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
) as fc.Arbitrary<Anthropic.MessageCreateParams>;

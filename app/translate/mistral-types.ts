// Mistral chat-completions wire types (snake_case, as sent and received). Every field here is one Mistral's
// schema declares: the API answers 422 to anything else, so the request builder must only produce these.

export interface MTextChunk { type: 'text'; text: string }
export interface MThinkChunk { type: 'thinking'; thinking: MTextChunk[] }
export interface MImageChunk { type: 'image_url'; image_url: string }
export interface MDocumentChunk { type: 'document_url'; document_url: string; document_name?: string }
export type MContentChunk = MTextChunk | MThinkChunk | MImageChunk | MDocumentChunk;

export interface MToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  index?: number;
}

export type MMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | MContentChunk[] }
  | { role: 'assistant'; content?: string | MContentChunk[]; tool_calls?: MToolCall[]; prefix?: boolean }
  | { role: 'tool'; content: string; tool_call_id: string; name: string };

export interface MTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown>; strict?: boolean };
}

export type MToolChoice = 'auto' | 'none' | 'any' | { type: 'function'; function: { name: string } };

export interface MistralRequest {
  model: string;
  messages: MMessage[];
  max_tokens?: number;
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tools?: MTool[];
  tool_choice?: MToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  reasoning_effort?: 'high' | 'none';
  prompt_cache_key?: string;
}

export interface MUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  prompt_token_details?: { cached_tokens?: number | null } | null;
  num_cached_tokens?: number | null;
}

/** A tool call as Mistral returns it: ids may be missing or the placeholder "null", arguments a string or object. */
export interface MToolCallOut {
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: string | Record<string, unknown> | null };
  index?: number | null;
}

export type MContentOut = string | null | undefined | Array<{ type: string; text?: string; thinking?: Array<{ type: string; text?: string }> }>;

export interface MistralResponse {
  id?: string;
  model?: string;
  choices?: Array<{ index?: number; message?: { content?: MContentOut; tool_calls?: MToolCallOut[] | null }; finish_reason?: string | null }>;
  usage?: MUsage;
}

export interface MistralChunk {
  id?: string;
  model?: string;
  choices?: Array<{ index?: number; delta?: { role?: string; content?: MContentOut; tool_calls?: MToolCallOut[] | null }; finish_reason?: string | null }>;
  usage?: MUsage | null;
}

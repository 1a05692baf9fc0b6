import type { Context } from 'koa';
import { createParser } from 'eventsource-parser';
import { readText, type MistralClient, type UpstreamResponse } from '../mistral/client.js';
import type { ProxyConfig } from '../config.js';
import type { AnthropicRequest } from '../translate/anthropic-types.js';
import { ApiError, mapUpstreamError } from '../translate/errors.js';
import type { MistralChunk, MistralResponse } from '../translate/mistral-types.js';
import { resolveModel } from '../translate/models.js';
import { anthropicToMistral } from '../translate/request.js';
import { mistralToAnthropic, newMessageId } from '../translate/response.js';
import { emptyStream, StreamTranslator } from '../translate/stream.js';
import { validateMessagesRequest } from '../translate/validate.js';
import { readJsonBody } from './body.js';
import type { RequestRecord } from './records.js';
import type { UpstreamModels } from './upstream-models.js';

export interface MessagesDeps {
  config: () => ProxyConfig;
  client: MistralClient;
  models: UpstreamModels;
  /** Live requests, so shutdown can finish or cut them. */
  active: Set<AbortController>;
  pingIntervalMs: number;
  /** Told once a request is understood (model known), before anything is sent upstream. */
  onStarted?: (rec: RequestRecord) => void;
  /** A refusal (e.g. a budget limit) to answer instead of forwarding; checked before any upstream call. */
  admit?: (rec: RequestRecord) => ApiError | null;
}

export const SHUTDOWN = 'shutdown';

/** Roughly 4 bytes of request JSON per prompt token; good enough for message_start, refined by message_delta. */
const estimateFromBytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 4));

function sessionIdOf(ctx: Context, req: AnthropicRequest): string | undefined {
  const header = ctx.get('x-claude-code-session-id');
  if (header) return header;
  const userId = req.metadata?.user_id;
  if (typeof userId !== 'string') return undefined;
  const legacy = /session_([0-9a-f-]{36})/i.exec(userId);
  if (legacy) return legacy[1];
  try {
    const parsed = JSON.parse(userId) as { session_id?: unknown };
    return typeof parsed.session_id === 'string' ? parsed.session_id : undefined;
  } catch {
    return undefined;
  }
}

/** POST /v1/messages: validate, translate, forward, translate back (JSON or SSE). Fills `rec` as it goes. */
export async function handleMessages(ctx: Context, deps: MessagesDeps, rec: RequestRecord): Promise<void> {
  const { value, bytes } = await readJsonBody(ctx);
  const req = validateMessagesRequest(value);
  const cfg = deps.config();
  rec.clientModel = req.model;
  rec.stream = req.stream === true;
  const sessionId = sessionIdOf(ctx, req);
  rec.sessionId = sessionId ?? null;
  const model = resolveModel(req.model, cfg.tiers, cfg.defaultModel);
  rec.mistralModel = model;
  deps.onStarted?.(rec);
  const refusal = deps.admit?.(rec);
  if (refusal) throw refusal;

  if (req.max_tokens === 0) {
    // Anthropic allows max_tokens 0 to pre-warm a cache; nothing to generate, so nothing is sent upstream.
    if (req.stream === true) {
      // A streaming client reads SSE whatever the length: the SDK's stream parser would fail on a JSON body.
      ctx.set('cache-control', 'no-cache');
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.body = emptyStream(model);
      rec.stopReason = 'max_tokens';
    } else answerEmpty(ctx, model);
    return;
  }

  const translation = anthropicToMistral(req, {
    model,
    caps: deps.models.catalog.capsOf(model),
    maxTokensCap: cfg.maxTokens,
    sessionId,
  });
  rec.toolCount = translation.toolCount;

  const controller = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort('client');
  };
  // 'close' on the response (not the request) fires when the client goes away, even before upstream answers.
  ctx.res.once('close', onClose);
  deps.active.add(controller);
  try {
    const upstream = await deps.client.open('POST', '/chat/completions', translation.body, controller.signal);
    if (upstream.status < 200 || upstream.status >= 300) {
      const text = await readText(upstream.body);
      // Mistral's own text is passed on; should it ever quote the key, the key must not travel further.
      throw mapUpstreamError(upstream.status, cfg.apiKey ? text.split(cfg.apiKey).join('[redacted]') : text, headerOf(upstream, 'retry-after'));
    }
    if (req.stream === true) await pipeStream(ctx, upstream, new StreamTranslator(translation.context, estimateFromBytes(bytes)), controller, deps, rec);
    else {
      const json = JSON.parse(await readText(upstream.body)) as MistralResponse;
      const message = mistralToAnthropic(json, translation.context);
      rec.stopReason = message.stop_reason;
      rec.inputTokens = message.usage.input_tokens;
      rec.outputTokens = message.usage.output_tokens;
      rec.cachedTokens = message.usage.cache_read_input_tokens;
      rec.mistralModel = message.model;
      ctx.body = message;
    }
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason === 'client') {
      rec.errorType = 'client_closed';
      rec.status = 499;
      ctx.respond = false;
      return;
    }
    if (controller.signal.aborted && controller.signal.reason === SHUTDOWN) {
      throw new ApiError(529, 'overloaded_error', 'CCProxy is shutting down; retry the request');
    }
    if (err instanceof SyntaxError) throw new ApiError(502, 'api_error', 'Mistral API returned a response that is not valid JSON');
    throw err;
  } finally {
    deps.active.delete(controller);
    ctx.res.off('close', onClose);
  }
}

function headerOf(res: UpstreamResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function answerEmpty(ctx: Context, model: string): void {
  ctx.body = {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    content: [],
    model,
    stop_reason: 'max_tokens',
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

async function pipeStream(
  ctx: Context,
  upstream: UpstreamResponse,
  translator: StreamTranslator,
  controller: AbortController,
  deps: MessagesDeps,
  rec: RequestRecord,
): Promise<void> {
  const res = ctx.res;
  ctx.respond = false;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'request-id': rec.id,
  });
  let lastWrite = Date.now();
  const write = (text: string) => {
    if (!text || res.destroyed) return;
    res.write(text);
    lastWrite = Date.now();
  };
  write(translator.start());
  const ping = setInterval(() => {
    if (Date.now() - lastWrite >= deps.pingIntervalMs) write(translator.ping());
  }, Math.max(50, Math.floor(deps.pingIntervalMs / 2)));

  let sawDone = false;
  let upstreamError: string | null = null;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') {
        sawDone = true;
        return;
      }
      let chunk: MistralChunk & { object?: string; message?: unknown; error?: unknown };
      try {
        chunk = JSON.parse(event.data);
      } catch {
        return;
      }
      if (chunk.object === 'error' || (chunk.error && !chunk.choices)) {
        upstreamError = typeof chunk.message === 'string' ? chunk.message : JSON.stringify(chunk.error ?? chunk.message);
        return;
      }
      if (chunk.model) rec.mistralModel = chunk.model;
      write(translator.push(chunk));
    },
  });

  try {
    upstream.body.setEncoding('utf8');
    for await (const text of upstream.body) {
      // One upstream read often yields several Anthropic events: send them in one write, not one syscall each.
      // (Uncorked synchronously: the parser emits every event of this read inside feed(). A deferred uncork can
      // land after res.end() on Node 24, which then drops the corked bytes.)
      res.cork();
      parser.feed(text as string);
      res.uncork();
      // Also stop at a stop sequence: leaving the loop destroys the upstream stream, which aborts the request.
      if (upstreamError || translator.finished) break;
    }
    if (upstreamError) write(translator.error('api_error', `Mistral API: ${upstreamError}`));
    else if (sawDone || translator.stopReasonKnown) write(translator.end());
    else write(translator.error('api_error', 'Mistral API stream ended before it finished'));
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason === 'client') throw err;
    const shuttingDown = controller.signal.aborted && controller.signal.reason === SHUTDOWN;
    const message = shuttingDown ? 'CCProxy is shutting down; retry the request' : `Mistral API stream failed (${(err as { code?: string }).code ?? (err as Error).message})`;
    write(translator.error('overloaded_error', message));
  } finally {
    clearInterval(ping);
    if (!res.destroyed) res.end();
    // A stream cut before Mistral's final usage chunk is still billed: record estimates rather than zero.
    const usage = translator.finalUsage;
    rec.stopReason = translator.stopReason;
    rec.inputTokens = usage?.input_tokens ?? translator.estimatedInputTokens;
    rec.outputTokens = usage?.output_tokens ?? Math.ceil(translator.emittedChars / 4);
    rec.cachedTokens = usage?.cache_read_input_tokens ?? 0;
    rec.ttftMs = translator.firstContentAt ? translator.firstContentAt - rec.startedAt : null;
    if (translator.errorSent) {
      rec.errorType = translator.errorSent.type;
      rec.errorMessage = translator.errorSent.message;
    }
  }
}

import type { Context } from 'koa';
import { chatPayload, readText, type ChatOk, type ChatOptions, type ChatPayload, type MistralClient } from '../mistral/client.js';
import { checkChunk, checkResponse } from '../mistral/shape.js';
import { SseReader } from '../mistral/sse.js';
import type { ProxyConfig } from '../config.js';
import type { AnthropicRequest } from '../translate/anthropic-types.js';
import { ApiError } from '../translate/errors.js';
import { resolveModel } from '../translate/models.js';
import { sessionProject } from '../translate/session-project.js';
import { estimateInputTokens } from '../translate/count-tokens.js';
import type { TokenCalibration } from '../translate/token-calibration.js';
import { anthropicToMistral, type Translation } from '../translate/request.js';
import { mistralToAnthropic, newMessageId, type ResponseContext } from '../translate/response.js';
import { emptyStream, StreamTranslator } from '../translate/stream.js';
import { validateMessagesRequest } from '../translate/validate.js';
import { readJsonBody, type JsonBody } from './body.js';
import { candidateModels, chatPaced, type Limiter } from '../pacing/index.js';
import type { RequestRecord } from './records.js';
import { SseResponse } from './sse-response.js';
import type { UpstreamModels } from './upstream-models.js';

export interface MessagesDeps {
  config: () => ProxyConfig;
  client: MistralClient;
  models: UpstreamModels;
  /** Live requests, so shutdown can finish or cut them. */
  active: Set<AbortController>;
  pingIntervalMs: number;
  /** A stream whose upstream has not answered after this long gets its headers and pings (default: pingIntervalMs). */
  headStartMs?: number;
  /** Per-request hooks into the upstream call (the pacing limiter's seam; see app/mistral/client.ts). */
  upstreamHooks?: (rec: RequestRecord) => Omit<ChatOptions, 'signal'>;
  /** Told once a request is understood (model known), before anything is sent upstream. */
  onStarted?: (rec: RequestRecord) => void;
  /** A refusal (e.g. a budget limit) to answer instead of forwarding; checked before any upstream call. */
  admit?: (rec: RequestRecord) => ApiError | null;
  /** Learns count_tokens' per-model correction from the prompt tokens Mistral reports. */
  calibration?: TokenCalibration;
  /** Pacing to Mistral's rate limits and fallback models around the upstream call (app/pacing). */
  limiter?: Limiter;
  /** Each session's project once found (the ledger keeps the first one anyway): not re-scanned per turn. */
  projects?: Map<string, string>;
}

const MAX_KNOWN_PROJECTS = 1000;

function projectOf(sessionId: string, req: AnthropicRequest, known: Map<string, string> | undefined): string | null {
  const hit = known?.get(sessionId);
  if (hit !== undefined) return hit;
  const project = sessionProject(req);
  if (project !== null && known) {
    if (known.size >= MAX_KNOWN_PROJECTS) known.clear();
    known.set(sessionId, project);
  }
  return project;
}

export const SHUTDOWN = 'shutdown';

/** Roughly 4 bytes of request JSON per prompt token; good enough for message_start, refined by message_delta. */
const estimateFromBytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 4));

/**
 * Bounds on one streamed answer, scaled by the tokens it may produce: a Mistral chunk is ~250 bytes per token and a
 * whole tool call arrives as one event, so these leave wide headroom while a runaway upstream cannot grow memory.
 */
export function streamCaps(maxTokens: number) {
  return {
    maxEventChars: Math.min(8 * 2 ** 20, Math.max(256 * 1024, maxTokens * 32)),
    maxUpstreamBytes: 4 * 2 ** 20 + maxTokens * 1024,
    maxRelayedChars: 4 * 2 ** 20 + maxTokens * 1024,
  };
}

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

/** A request translated for one Mistral model and encoded for the wire. */
interface Upstream {
  payload: ChatPayload;
  context: ResponseContext;
}

/** What the handler keeps of a request once it is understood. The parsed request is not among it. */
interface Turn {
  /** The model the request resolved to, and the models to try in order (it first, then its tier's fallbacks). */
  model: string;
  models: string[];
  /** Size of the request body. */
  bytes: number;
  /** The settings it was understood under: one snapshot for the whole request. */
  cfg: ProxyConfig;
  requests: UpstreamRequests;
  /** count_tokens' estimate for this request, when the calibration wants a sample. */
  estimate: number | null;
}

/**
 * The request for each model to try: the primary's, encoded, and a fallback's translated on demand. Only the fallback
 * translation holds the parsed request (and only when the tier has fallbacks), until `answered()`.
 */
class UpstreamRequests {
  constructor(private readonly model: string, readonly primary: Upstream, private fallback: ((model: string) => Upstream) | null) {}

  readonly for = (model: string): Upstream => {
    if (model === this.model) return this.primary;
    if (!this.fallback) throw new Error(`no fallback translation for ${model}: none configured, or Mistral has answered`);
    return this.fallback(model);
  };

  /** Mistral has answered (or the fallbacks are spent): no model will be tried again, so the parsed request can go. */
  answered(): void {
    this.fallback = null;
  }
}

/**
 * Validates and translates the request. Synchronous and apart from the handler on purpose: the handler is suspended
 * while Mistral answers (seconds in real use, many requests at once) and the parsed request with its translation is
 * most of a request's heap (the conversation, the tools), so only the encoded body and the response context outlive
 * this call. Returns null when the request was answered here (max_tokens 0).
 */
function understand(ctx: Context, deps: MessagesDeps, rec: RequestRecord, body: JsonBody): Turn | null {
  const req = validateMessagesRequest(body.value);
  const cfg = deps.config();
  rec.clientModel = req.model;
  rec.stream = req.stream === true;
  const sessionId = sessionIdOf(ctx, req);
  rec.sessionId = sessionId ?? null;
  if (sessionId) rec.project = projectOf(sessionId, req, deps.projects);
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
    return null;
  }

  const translate = (m: string): Translation => anthropicToMistral(req, {
    model: m,
    caps: deps.models.catalog.capsOf(m),
    maxTokensCap: cfg.maxTokens,
    sessionId,
  });
  const encode = ({ body: b, context }: Translation): Upstream => ({ payload: chatPayload(b), context });
  const translation = translate(model);
  rec.toolCount = translation.toolCount;
  const models = deps.limiter ? candidateModels(cfg, req.model, model) : [model];
  return {
    model,
    models,
    bytes: body.bytes,
    cfg,
    requests: new UpstreamRequests(model, encode(translation), models.length > 1 ? (m) => encode(translate(m)) : null),
    estimate: deps.calibration?.shouldSample(model) ? estimateInputTokens(req) : null,
  };
}

/** POST /v1/messages: validate, translate, forward, translate back (JSON or SSE). Fills `rec` as it goes. */
export async function handleMessages(ctx: Context, deps: MessagesDeps, rec: RequestRecord): Promise<void> {
  const turn = understand(ctx, deps, rec, await readJsonBody(ctx));
  if (turn === null) return;
  const { model, bytes, estimate, cfg } = turn;
  let upstream = turn.requests.primary;
  const calibration = deps.calibration;
  // Keyed by the model the request resolved to (what count_tokens resolves too), not the dated id that answered.
  const learn = (reportedPrompt: number) => {
    if (estimate !== null) calibration!.observe(model, estimate, reportedPrompt);
  };

  const controller = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort('client');
  };
  // 'close' on the response (not the request) fires when the client goes away, even before upstream answers.
  ctx.res.once('close', onClose);
  deps.active.add(controller);
  const sse = upstream.payload.stream ? new SseResponse(ctx.res, rec.id, deps.pingIntervalMs) : null;
  // While the proxy waits (Mistral's first byte, a retry's Retry-After, a pacing queue) a streaming client gets a
  // live stream with pings, so its own timeout never fires first.
  sse?.headStart(deps.headStartMs ?? deps.pingIntervalMs);
  let settle: ((tokens: number) => void) | null = null;
  try {
    let result;
    if (deps.limiter) {
      // Pacing seam: the limiter's turn before every attempt, fallback models after the primary gave up.
      const paced = await chatPaced({
        client: deps.client, limiter: deps.limiter, models: turn.models,
        translate: turn.requests.for, tokens: estimateFromBytes(bytes), signal: controller.signal,
        deadline: rec.startedAt + cfg.pacing.maxWaitMs, outcome: rec,
      });
      turn.requests.answered();
      ({ result, translation: upstream } = paced);
      rec.mistralModel = paced.model;
      settle = paced.settle;
    } else result = await deps.client.chat(upstream.payload, { ...deps.upstreamHooks?.(rec), signal: controller.signal });
    rec.upstream = { attempts: result.attempts, retryWaitMs: result.retryWaitMs, skippedLines: 0 };
    if (!result.ok) throw result.error;
    // Mistral has the request: from here on only what translates the answer back is needed.
    const { context, payload: { maxTokens } } = upstream;
    if (sse) {
      ctx.respond = false;
      const caps = streamCaps(maxTokens ?? cfg.maxTokens);
      await pipeStream(sse, result, new StreamTranslator(context, estimateFromBytes(bytes)), controller, rec, caps, learn);
    } else {
      const text = await readText(result.body, { deadline: result.deadline ?? undefined });
      let json: unknown;
      try {
        json = JSON.parse(result.redact(text));
      } catch {
        throw new ApiError(502, 'api_error', 'Mistral API returned a response that is not valid JSON');
      }
      const answer = checkResponse(json);
      const message = mistralToAnthropic(answer, context);
      rec.stopReason = message.stop_reason;
      rec.inputTokens = message.usage.input_tokens;
      rec.outputTokens = message.usage.output_tokens;
      rec.cachedTokens = message.usage.cache_read_input_tokens;
      if (answer.model) rec.mistralModel = answer.model;
      learn(message.usage.input_tokens + message.usage.cache_read_input_tokens);
      sendJson(ctx, message);
    }
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason === 'client') {
      rec.errorType = 'client_closed';
      rec.status = 499;
      ctx.respond = false;
      return;
    }
    const apiErr = controller.signal.aborted && controller.signal.reason === SHUTDOWN
      ? new ApiError(529, 'overloaded_error', 'CCProxy is shutting down; retry the request')
      : err instanceof ApiError ? err : null;
    // A proxy bug stays a proxy bug (500, stack logged by the app), not a fault blamed on Mistral.
    if (!apiErr && !sse?.committed) throw err;
    if (sse?.committed) {
      // The client already holds a 200 with pings: the failure can only travel as an SSE error event.
      ctx.respond = false;
      const e = apiErr ?? new ApiError(500, 'api_error', 'internal proxy error');
      sse.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: e.type, message: e.message } })}\n\n`);
      rec.errorType = e.type;
      rec.errorMessage = e.message;
      return;
    }
    throw apiErr;
  } finally {
    sse?.stop();
    deps.active.delete(controller);
    ctx.res.off('close', onClose);
    settle?.(rec.inputTokens + rec.cachedTokens + rec.outputTokens);
  }
}

/** Whether the upstream body has arrived whole (an undecoded response whose last byte was parsed). */
function bodyComplete(body: unknown): boolean {
  return (body as { complete?: unknown }).complete === true;
}

/**
 * The answer goes out here, at once, rather than through Koa's respond after the middleware unwinds: the request's
 * bookkeeping (ledger row, log line, live-log event) runs in that unwinding and would otherwise delay the client.
 * Same bytes and headers as Koa's JSON response.
 */
function sendJson(ctx: Context, body: object): void {
  const json = JSON.stringify(body);
  ctx.respond = false;
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(json));
  res.end(json);
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
  sse: SseResponse,
  upstream: ChatOk,
  translator: StreamTranslator,
  controller: AbortController,
  rec: RequestRecord,
  caps: ReturnType<typeof streamCaps>,
  learn: (reportedPrompt: number) => void,
): Promise<void> {
  sse.commit();
  sse.write(translator.start());
  const reader = new SseReader(upstream.body, {
    idleTimeoutMs: upstream.idleTimeoutMs,
    maxEventChars: caps.maxEventChars,
    maxBytes: caps.maxUpstreamBytes,
    redact: upstream.redact,
  });
  let upstreamError: string | null = null;
  let relayed = 0;
  const count = (text: string): string => {
    relayed += text.length;
    if (relayed > caps.maxRelayedChars) throw new ApiError(502, 'api_error', `Mistral API stream exceeded ${caps.maxRelayedChars} characters for this request`);
    return text;
  };
  const send = (text: string): void => sse.write(count(text));
  // The closing events, written together with the end of the response (one write instead of two or three).
  let tail = '';
  // Set once the answer was closed with the read that completed it; the rest of the loop only drains Mistral's
  // body to its end, so its keep-alive connection goes back to the pool.
  let closed = false;

  try {
    for await (const batch of reader.batches()) {
      if (closed) continue;
      // One write per upstream read, except that the first content goes out alone, at once.
      let out = '';
      let waitingForFirst = translator.firstContentAt === null;
      for (const data of batch) {
        const verdict = checkChunk(data);
        if (verdict.kind === 'garbage') {
          reader.skip();
          continue;
        }
        if (verdict.kind === 'error') {
          upstreamError = verdict.message;
          break;
        }
        if (verdict.chunk.model) rec.mistralModel = verdict.chunk.model;
        out += translator.push(verdict.chunk);
        if (waitingForFirst && out && translator.firstContentAt !== null) {
          send(out);
          out = '';
          waitingForFirst = false;
        }
      }
      if (!upstreamError && !translator.finished && reader.sawDone && bodyComplete(upstream.body)) {
        // Mistral's whole answer is in: its last content, the closing events and the end of the response go out
        // as one write.
        tail = count(out) + translator.end();
        closed = true;
        continue;
      }
      // Backpressure: a client that does not read stops the reading of Mistral's stream, not the proxy's memory.
      if (out) send(out);
      if (sse.needsDrain) await sse.drained();
      // Also stop at a stop sequence: leaving the loop destroys the upstream stream, which aborts the request.
      if (upstreamError || translator.finished) break;
    }
    if (closed) { /* already answered */ }
    else if (upstreamError) tail = translator.error('api_error', `Mistral API: ${upstreamError}`);
    else if (reader.sawDone || translator.stopReasonKnown) tail = translator.end();
    else tail = translator.error('api_error', 'Mistral API stream ended before it finished');
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason === 'client') throw err;
    const shuttingDown = controller.signal.aborted && controller.signal.reason === SHUTDOWN;
    if (closed) { /* the answer is complete; a fault while draining Mistral's body changes nothing for the client */ }
    else if (shuttingDown) tail = translator.error('overloaded_error', 'CCProxy is shutting down; retry the request');
    else if (err instanceof ApiError) tail = translator.error(err.type, err.message);
    else if ((err as NodeJS.ErrnoException)?.code) tail = translator.error('api_error', `Mistral API stream broke off (${(err as NodeJS.ErrnoException).code})`);
    else {
      console.error('[ccproxy] internal error in a stream:', (err as Error)?.stack ?? err);
      tail = translator.error('api_error', 'internal proxy error');
    }
  } finally {
    // Whatever ended the relay, the upstream request ends with it (a no-op after a clean end).
    upstream.body.destroy();
    sse.end(tail);
    // A stream cut before Mistral's final usage chunk is still billed: record estimates rather than zero.
    const usage = translator.finalUsage;
    rec.stopReason = translator.stopReason;
    rec.inputTokens = usage?.input_tokens ?? translator.estimatedInputTokens;
    if (usage) learn(usage.input_tokens + (usage.cache_read_input_tokens ?? 0));
    rec.outputTokens = usage?.output_tokens ?? Math.ceil(translator.emittedChars / 4);
    rec.cachedTokens = usage?.cache_read_input_tokens ?? 0;
    rec.ttftMs = translator.firstContentAt ? translator.firstContentAt - rec.startedAt : null;
    if (rec.upstream) rec.upstream.skippedLines = reader.skipped;
    if (translator.errorSent) {
      rec.errorType = translator.errorSent.type;
      rec.errorMessage = translator.errorSent.message;
    }
  }
}

import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { inboundLimits, isWildcardHost, type ProxyConfig } from '../config.js';
import type { MistralClient } from '../mistral/client.js';
import { estimateInputTokens } from '../translate/count-tokens.js';
import { newRequestId } from './request-id.js';
import { TokenCalibration } from '../translate/token-calibration.js';
import { ApiError, errorBody } from '../translate/errors.js';
import { claudeAliases, resolveModel } from '../translate/models.js';
import { validateMessagesRequest } from '../translate/validate.js';
import { ClientClosedError, readJsonBody } from './body.js';
import { guard, wildcardHostNames } from './guard.js';
import { Limiter } from '../pacing/limiter.js';
import { handleMessages } from './messages.js';
import type { RecordSink, RequestRecord } from './records.js';
import { ProxyStats } from './stats.js';
import { UpstreamModels } from './upstream-models.js';

export interface ProxyAppOptions {
  config: () => ProxyConfig;
  client: MistralClient;
  version: string;
  onRecord?: RecordSink;
  onStarted?: (rec: RequestRecord) => void;
  admit?: (rec: RequestRecord) => ApiError | null;
  /** Keep-alive ping on a quiet stream; Anthropic sends them about every 10–15 s. */
  pingIntervalMs?: number;
  /** Every request that does not produce a full record (guard refusals, count_tokens, models…), except /health. */
  onAccess?: (line: AccessLine) => void;
  /** Extra routes mounted after the guard and before the proxy's (e.g. the UI bridge under /ui). */
  mount?: (koa: Koa) => void;
}

export interface AccessLine { req: string; method: string; path: string; status: number; ms: number; error: string | null }

export interface ProxyApp {
  koa: Koa;
  stats: ProxyStats;
  models: UpstreamModels;
  active: Set<AbortController>;
  /** Paces requests to Mistral's rate limits (one per upstream); its state is in /status. */
  limiter: Limiter;
}

/** `POST /v1/messages`, the route nearly every request takes: answered without the router's matching. */
const isHotRoute = (ctx: Context) => ctx.method === 'POST' && ctx.path === '/v1/messages';

function newRecord(id: string, path: string): RequestRecord {
  return {
    id, startedAt: Date.now(), path, clientModel: null, mistralModel: null, stream: false, status: 0, errorType: null,
    errorMessage: null, stopReason: null, inputTokens: 0, outputTokens: 0, cachedTokens: 0, latencyMs: 0, ttftMs: null,
    toolCount: 0, sessionId: null, queuedMs: 0, retries: 0, fallbackFrom: null, fallbackReason: null,
  };
}

function renderError(ctx: Context, err: ApiError, requestId: string): void {
  ctx.status = err.status;
  for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
  ctx.body = errorBody(err.type, err.message, requestId);
}

export function createProxyApp(opts: ProxyAppOptions): ProxyApp {
  const koa = new Koa({ proxy: false });
  const stats = new ProxyStats();
  const models = new UpstreamModels(opts.client);
  const active = new Set<AbortController>();
  const limiter = new Limiter(() => opts.config().pacing);
  const router = new Router();
  const cfg = opts.config;
  const calibration = new TokenCalibration();
  const projects = new Map<string, string>();

  // A client that hangs up mid-stream is normal for an SSE proxy, not an application error.
  koa.on('error', (err: NodeJS.ErrnoException) => {
    if (err?.code === 'ERR_STREAM_PREMATURE_CLOSE' || err?.code === 'ECONNRESET' || err?.code === 'EPIPE') return;
    console.error('[ccproxy] unexpected error:', err?.message ?? err);
  });

  // Errors first, so the guard's refusals are Anthropic-shaped too.
  koa.use(async (ctx, next) => {
    const requestId = newRequestId();
    const started = Date.now();
    let errorType: string | null = null;
    ctx.state.requestId = requestId;
    ctx.state.bodyIdleTimeoutMs = inboundLimits(cfg()).bodyIdleTimeoutMs;
    ctx.set('request-id', requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError(404, 'not_found_error', `${ctx.method} ${ctx.path} is not an endpoint of this proxy`);
      }
    } catch (err) {
      if (err instanceof ClientClosedError) {
        // Nobody is left to answer.
        errorType = 'client_closed';
        ctx.respond = false;
        return;
      }
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'api_error', 'internal proxy error');
      if (!(err instanceof ApiError)) console.error('[ccproxy] internal error:', (err as Error)?.stack ?? err);
      errorType = apiErr.type;
      if (ctx.respond === false || ctx.headerSent) return;
      renderError(ctx, apiErr, requestId);
    } finally {
      if (opts.onAccess && ctx.path !== '/health' && !ctx.state.recorded) {
        opts.onAccess({ req: requestId, method: ctx.method, path: ctx.path, status: errorType === 'client_closed' ? 499 : ctx.respond === false ? 200 : ctx.status, ms: Date.now() - started, error: errorType });
      }
    }
  });

  // A wildcard bind serves every address of this machine; those are fine Host names (looked up at most every 10 s).
  let bound = { at: 0, hosts: [] as string[] };
  const boundHosts = (): string[] => {
    if (!isWildcardHost(cfg().host)) return [];
    if (Date.now() - bound.at > 10_000) bound = { at: Date.now(), hosts: wildcardHostNames(cfg().host) };
    return bound.hosts;
  };

  // A known path with another method: 405 with `allow` (OPTIONS just lists them), before the content-type and token
  // checks, since it does nothing. Unknown paths fall through to the 404 above.
  const checkMethod = (ctx: Context) => {
    // The hot route takes POST: no need to ask the router.
    if (isHotRoute(ctx)) return;
    const match = router.match(ctx.path, ctx.method);
    if (match.route || match.path.length === 0) return;
    const allow = [...new Set(match.path.flatMap((layer) => layer.methods))].join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.set('allow', allow);
      ctx.status = 204;
      return 'answered';
    }
    throw new ApiError(405, 'invalid_request_error', `${ctx.method} is not allowed on ${ctx.path}; use ${allow}`, { allow });
  };

  koa.use(guard({
    allowedHosts: () => [...cfg().allowedHosts, ...boundHosts()],
    authToken: () => cfg().authToken,
    isOpenPath: (p) => p === '/health' || p === '/ui' || p.startsWith('/ui/'),
    checkMethod,
  }));

  opts.mount?.(koa);

  const messagesDeps = { config: cfg, client: opts.client, models, active, pingIntervalMs: opts.pingIntervalMs ?? 10_000, onStarted: opts.onStarted, admit: opts.admit, calibration, limiter, projects };
  const messagesRoute = async (ctx: Context) => {
    const rec = newRecord(ctx.state.requestId as string, ctx.path);
    ctx.state.recorded = true;
    stats.inFlight++;
    try {
      await handleMessages(ctx, messagesDeps, rec);
      rec.status ||= ctx.respond === false ? 200 : ctx.status;
    } catch (err) {
      if (err instanceof ClientClosedError) {
        rec.status = 499;
        rec.errorType = 'client_closed';
        ctx.respond = false;
        return;
      }
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'api_error', 'internal proxy error');
      rec.status = apiErr.status;
      rec.errorType = apiErr.type;
      rec.errorMessage = apiErr.message;
      throw err;
    } finally {
      stats.inFlight--;
      rec.latencyMs = Date.now() - rec.startedAt;
      stats.add(rec);
      try {
        opts.onRecord?.(rec);
      } catch (sinkErr) {
        console.error('[ccproxy] record sink failed:', (sinkErr as Error).message);
      }
    }
  };
  router.post('/v1/messages', messagesRoute);

  router.post('/v1/messages/count_tokens', async (ctx) => {
    const { value } = await readJsonBody(ctx);
    const req = validateMessagesRequest(value, { countOnly: true });
    const c = cfg();
    ctx.body = { input_tokens: calibration.adjust(resolveModel(req.model, c.tiers, c.defaultModel), estimateInputTokens(req)) };
  });

  router.get('/v1/models', async (ctx) => {
    const { entries } = await models.list();
    const chat = entries.filter((e) => e.chat);
    // Each model also as `claude-<id>` (when that alias resolves back to it), right after its raw id: clients whose
    // model discovery keeps only claude* ids (Claude Code's gateway discovery) can then offer Mistral models.
    const all = chat.flatMap((e) => [e.id, ...claudeAliases(e.id)].map((id) => ({
      type: 'model',
      id,
      display_name: `${e.name} (Mistral via CCProxy)`,
      created_at: new Date((e.created || 0) * 1000).toISOString(),
    })));
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 20, 1), 1000);
    let start = 0;
    let end = all.length;
    if (typeof ctx.query.after_id === 'string') start = all.findIndex((m) => m.id === ctx.query.after_id) + 1;
    if (typeof ctx.query.before_id === 'string') {
      end = Math.max(all.findIndex((m) => m.id === ctx.query.before_id), 0);
      start = Math.max(end - limit, 0);
    }
    const data = all.slice(start, Math.min(end, start + limit));
    // has_more looks in the paging direction: earlier models for before_id, later ones otherwise.
    const hasMore = typeof ctx.query.before_id === 'string' ? start > 0 : start + data.length < end;
    ctx.body = { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });

  router.get('/v1/models/:id', async (ctx) => {
    const { entries } = await models.list();
    const id = ctx.params.id;
    const byId = (x: string) => entries.find((e) => e.id === x || e.aliases?.includes(x));
    const found = byId(id) ?? byId(resolveModel(id, cfg().tiers, cfg().defaultModel));
    if (!found) throw new ApiError(404, 'not_found_error', `model: ${id}`);
    ctx.body = { type: 'model', id, display_name: `${found.name} (Mistral via CCProxy)`, created_at: new Date((found.created || 0) * 1000).toISOString() };
  });

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/status', (ctx) => {
    const c = cfg();
    ctx.body = {
      status: 'ok',
      version: opts.version,
      uptime_s: Math.round((Date.now() - stats.startedAt) / 1000),
      provider: 'mistral',
      upstream: c.baseUrl,
      api_key_set: Boolean(c.apiKey),
      listen: { host: c.host, port: c.port },
      models: { default: c.defaultModel, haiku: c.tiers.haiku, sonnet: c.tiers.sonnet, opus: c.tiers.opus, max_tokens: c.maxTokens },
      requests: stats.snapshot(),
      last_error: stats.lastError,
      // count_tokens' learned correction per Mistral model (reported prompt tokens / local estimate).
      token_calibration: calibration.snapshot(),
      pacing: { ...limiter.snapshot(), fallbacks: c.fallbacks },
    };
  });

  // The hot route goes straight to its handler: the router's matching (every route's pattern, its debug calls, a
  // compose per request) is for the rest.
  koa.use((ctx, next) => (isHotRoute(ctx) ? messagesRoute(ctx) : next()));
  koa.use(router.routes());
  return { koa, stats, models, active, limiter };
}

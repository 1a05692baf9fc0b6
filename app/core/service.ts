import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type Koa from 'koa';
import { createBridge, type Bridge } from '../bridge/http-bridge.js';
import { checkBindPolicy, ConfigError, configFromEnv, type ProxyConfig } from '../config.js';
import type { Handlers, ModelOption, ProxyStatus } from '../contract/api.js';
import type { Settings, SettingsView } from '../contract/settings.js';
import type { LogEntry, TimeRange } from '../contract/usage.js';
import { createFileLog, type FileLog } from '../log.js';
import type { ClientOptions } from '../mistral/client.js';
import type { RequestRecord } from '../proxy/records.js';
import { startProxy, type RunningProxy } from '../proxy/server.js';
import type { SettingsStore } from '../settings/store.js';
import { SettingsValidationError } from '../settings/validate.js';
import { ApiError, invalidRequest } from '../translate/errors.js';
import { SEED_MODELS } from '../translate/models.js';
import { BudgetTracker, listPrices, rangeFor, toLogEntry, UsageLedger } from '../usage/index.js';
import { EventBus } from './event-bus.js';
import { ClaudeConnector } from '../claude-settings/connection.js';
import { HealthTracker } from '../health/tracker.js';

// The core as one service, shared by headless mode and the desktop app: settings → live proxy config, the proxy's
// lifecycle (a port or host change restarts the listener), the usage ledger and budgets, the event bus, and the
// contract's handlers. It never holds the API key anywhere a handler could return it.

export interface CoreOptions {
  settings: SettingsStore;
  version: string;
  /** Serve the UI bridge under /ui (headless `--ui`). */
  bridge?: { uiDir: string; token?: string };
  /** Start even without an API key (the UI can set it); requests then get a clear authentication error. */
  allowMissingKey?: boolean;
  client?: ClientOptions;
  pingIntervalMs?: number;
}

const PRUNE_EVERY_MS = 6 * 60 * 60_000;
/** The longest custom usage range, a row per day: a century ("all time" is from 1970). */
const MAX_RANGE_DAYS = 36_525;
const MAX_RANGE_MS = MAX_RANGE_DAYS * 86_400_000;

export class CoreService {
  readonly bus = new EventBus();
  readonly handlers: Handlers;
  readonly bridge: Bridge | null;
  private config: ProxyConfig;
  private proxy: RunningProxy | null = null;
  private startedAt: number | null = null;
  private lastError: string | null = null;
  /** Why the stored/env settings cannot be used right now (only tolerated when allowMissingKey). */
  private configError: string | null = null;
  /** Why the stored key exists but cannot be used (e.g. it was encrypted by another user or machine). */
  private keyError: string | null = null;
  private readonly ledger: UsageLedger;
  private readonly budget: BudgetTracker;
  private readonly logger: Logger;
  private readonly log: FileLog;
  /** A problem that did not stop the core but the user should hear about (a damaged ledger replaced at open). */
  private readonly notice: string | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Finished requests not yet announced, with whether the proxy called Mistral for them (health evidence). */
  private pending: { entry: LogEntry; calledMistral: boolean }[] = [];
  private lifecycle: Promise<unknown> = Promise.resolve();
  /** Kept from the last settings view: pricing is needed on every request, the view is not cheap. */
  private pricingOverrides: Settings['pricingOverrides'];
  /** Header/tray health and "Connect Claude Code" (app/health, app/claude-settings). */
  readonly health: HealthTracker;
  readonly claude: ClaudeConnector;
  private pacingTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CoreOptions) {
    try {
      this.config = this.loadConfig();
    } catch (err) {
      // In the app (and headless --ui) a bad setting must not keep the window from opening to fix it: run on
      // defaults and answer requests with the problem until the settings are corrected.
      if (!(err instanceof ConfigError) || !opts.allowMissingKey) throw err;
      this.configError = err.message;
      this.lastError = err.message;
      this.config = this.fallbackConfig();
    }
    this.log = createFileLog(this.config.dataDir);
    this.logger = this.log.logger;
    this.ledger = new UsageLedger(join(this.config.dataDir, 'usage.sqlite'), {
      onError: (err) => this.logger.error({ err: (err as Error).message }, 'usage record failed'),
    });
    const rec = this.ledger.recovery;
    if (rec) {
      this.notice = `The usage ledger was damaged (${rec.reason}); it was moved to ${rec.movedTo} and a fresh one started with the ${rec.recoveredRows} records that could still be read`;
      this.logger.warn({ moved_to: rec.movedTo, recovered_rows: rec.recoveredRows, reason: rec.reason }, 'usage ledger damaged: moved aside');
    }
    const settings = opts.settings.view().settings;
    this.pricingOverrides = settings.pricingOverrides;
    this.budget = new BudgetTracker({
      budgets: settings.budgets,
      seed: (range) => this.ledger.spendUsd(range),
      onWarning: (state) => this.bus.emit('budget.warning', state),
      onOver: (state) => this.bus.emit('budget.warning', state),
    });
    this.health = new HealthTracker(
      () => ({
        running: this.proxy !== null,
        listenError: this.proxy ? null : this.lastError,
        settingsError: this.configError,
        keySet: this.config.apiKey !== '',
        keyError: this.keyError,
        budgetRefusing: ((c) => (c.refuse ? c.over : null))(this.budget.check()),
      }),
      () => opts.settings.testKey(),
      (h) => this.bus.emit('health.changed', h),
    );
    this.claude = new ClaudeConnector({
      baseUrl: () => this.proxy?.url ?? null,
      authToken: () => this.config.authToken,
      onConnected: (c) => this.bus.emit('claude.connected', c),
    });
    this.handlers = this.createHandlers();
    this.bridge = opts.bridge ? createBridge({ handlers: this.handlers, bus: this.bus, ...opts.bridge }) : null;
    opts.settings.onChange((view) => void this.applySettings(view));
  }

  /** env > stored > default; without a key (and allowed), a config whose requests fail with a clear message. */
  private loadConfig(): ProxyConfig {
    try {
      const config = this.opts.settings.toProxyConfig();
      this.keyError = null;
      return config;
    } catch (err) {
      if (!(err instanceof ConfigError) || !this.opts.allowMissingKey || !/API key/i.test(err.message)) throw err;
      // A key that is stored but unreadable is not "no key": requests and the status say what happened to it.
      // (Both "could not be decrypted" and "encrypted, but the OS secret storage is not available" name the stored key.)
      this.keyError = /stored API key/i.test(err.message) ? err.message : null;
      return { ...this.opts.settings.toProxyConfig({ ...this.opts.settings.env, MISTRAL_API_KEY: 'missing' }), apiKey: '' };
    }
  }

  /** Defaults, keeping the listen address from the environment when that part is valid. */
  private fallbackConfig(): ProxyConfig {
    const env = this.opts.settings.env;
    const base = { MISTRAL_API_KEY: 'missing', CCPROXY_DATA_DIR: env.CCPROXY_DATA_DIR || dirname(this.opts.settings.path) };
    let config: ProxyConfig;
    try {
      config = configFromEnv({ ...base, CCPROXY_PORT: env.CCPROXY_PORT, CCPROXY_HOST: env.CCPROXY_HOST });
    } catch {
      config = configFromEnv(base);
    }
    return { ...config, apiKey: '' };
  }

  status(): ProxyStatus {
    return {
      running: this.proxy !== null,
      url: this.proxy?.url ?? null,
      host: this.config.host,
      port: this.proxy?.port ?? this.config.port,
      version: this.opts.version,
      startedAt: this.startedAt,
      error: this.lastError ?? this.keyError ?? this.notice,
      notice: this.notice,
      ...(this.proxy ? { pacing: this.proxy.app.limiter.snapshot() } : {}),
    };
  }

  get url(): string | null {
    return this.proxy?.url ?? null;
  }

  /** Serialises start/stop/restart so a double click or a settings burst never starts two listeners. */
  private serial(job: () => Promise<void>): Promise<ProxyStatus> {
    const run = this.lifecycle.then(job, job).then(() => this.status());
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  start(): Promise<ProxyStatus> {
    return this.serial(async () => {
      if (this.proxy) return;
      try {
        this.proxy = await startProxy({
          config: () => this.config,
          version: this.opts.version,
          logger: this.logger,
          client: this.opts.client,
          pingIntervalMs: this.opts.pingIntervalMs,
          onStarted: (rec) => {
            this.claude.sawRequest(rec.sessionId, rec.startedAt);
            this.bus.emit('request.started', { id: rec.id, startedAt: rec.startedAt, clientModel: rec.clientModel, mistralModel: rec.mistralModel, stream: rec.stream });
          },
          admit: () => this.admit(),
          onRecord: (rec) => this.record(rec),
          mount: this.bridge || this.notice ? (koa) => this.mount(koa) : undefined,
        });
        this.startedAt = Date.now();
        this.lastError = null;
        this.proxy.app.limiter.onChange(() => this.pacingChanged());
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        this.lastError = e.code === 'EADDRINUSE' ? `port ${this.config.port} is already in use` : e.code === 'EACCES' ? `no permission to listen on ${this.config.host}:${this.config.port}` : e.message;
        throw err;
      } finally {
        this.bus.emit('proxy.status', this.status());
        this.health.recheck();
      }
      this.schedulePrune();
    });
  }

  private mount(koa: Koa): void {
    const notice = this.notice;
    // Only mounted when there is something to say: /status then also carries the ledger notice.
    if (notice) {
      koa.use(async (ctx, next) => {
        await next();
        if (ctx.method === 'GET' && ctx.path === '/status' && ctx.body && typeof ctx.body === 'object') {
          const rec = this.ledger.recovery!;
          Object.assign(ctx.body, { ledger: { status: 'recovered', moved_to: rec.movedTo, recovered_rows: rec.recoveredRows, message: notice } });
        }
      });
    }
    this.bridge?.mount(koa);
  }

  stop(graceMs = 10_000): Promise<ProxyStatus> {
    return this.serial(async () => {
      if (!this.proxy) return;
      const closing = this.proxy;
      this.proxy = null;
      this.startedAt = null;
      await closing.close(graceMs);
      this.bus.emit('proxy.status', this.status());
      this.health.recheck();
    });
  }

  /** Stops the proxy and releases the ledger and log. */
  async close(graceMs = 10_000): Promise<void> {
    await this.stop(graceMs);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.pacingTimer) clearTimeout(this.pacingTimer);
    this.flushRecords();
    this.ledger.close();
    await this.log.close();
  }

  private async applySettings(view: SettingsView): Promise<void> {
    this.budget.setBudgets(view.settings.budgets);
    this.pricingOverrides = view.settings.pricingOverrides;
    let next: ProxyConfig;
    try {
      next = this.loadConfig();
      // Checked before the rebind: a listener that could not restart would take the UI bridge down with it.
      checkBindPolicy(next);
      // The settings are usable again: a status error that only reported them is over.
      if (this.configError !== null && this.lastError === this.configError) this.lastError = null;
      this.configError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.configError = this.lastError;
      this.bus.emit('settings.changed', view);
      this.bus.emit('proxy.status', this.status());
      this.health.recheck();
      return;
    }
    const rebind = next.port !== this.config.port || next.host !== this.config.host;
    // Requests read the config through a getter, so everything but the listen address applies to the next request.
    const keyChanged = next.apiKey !== this.config.apiKey || next.baseUrl !== this.config.baseUrl;
    this.config = next;
    this.bus.emit('settings.changed', view);
    if (keyChanged) this.health.keyChanged();
    else this.health.recheck();
    // Also after a failed start (port in use): the new address is the fix, so try it and clear the old error.
    if (rebind && (this.proxy || this.lastError !== null)) {
      await this.stop(5_000);
      await this.start().catch(() => undefined);
    }
  }

  /** Queue changes come in bursts (every admission): tell the UI at most every 250 ms. */
  private pacingChanged(): void {
    if (this.pacingTimer) return;
    this.pacingTimer = setTimeout(() => {
      this.pacingTimer = null;
      if (this.proxy) this.bus.emit('proxy.status', this.status());
    }, 250);
    this.pacingTimer.unref();
  }

  private admit(): ApiError | null {
    if (this.configError) return new ApiError(400, 'invalid_request_error', `CCProxy settings need attention: ${this.configError}`);
    if (!this.config.apiKey) {
      if (this.keyError) return new ApiError(401, 'authentication_error', this.keyError);
      return new ApiError(401, 'authentication_error', 'No Mistral API key is configured: set MISTRAL_API_KEY or enter a key in the CCProxy window');
    }
    const { over, refuse } = this.budget.check();
    if (!over || !refuse) return null;
    const what = over.period === 'day' ? 'daily' : 'monthly';
    const usd = (x: number) => `$${x.toFixed(x > 0 && x < 1 ? 4 : 2)}`;
    return new ApiError(402, 'billing_error', `CCProxy ${what} budget reached: ${usd(over.spentUsd)} spent of a ${usd(over.limitUsd)} limit; raise it in CCProxy settings`);
  }

  private record(rec: RequestRecord): void {
    const entry = toLogEntry(rec, this.pricingOverrides);
    // The ledger batches rows (one transaction per short window, see ledger.ts); budgets count at once.
    this.ledger.enqueue(entry);
    this.budget.add(entry.costUsd, entry.startedAt);
    this.pending.push({ entry, calledMistral: rec.upstream !== undefined });
    // Off the response path: the client already has (or is about to get) its answer.
    if (this.pending.length === 1) setImmediate(() => this.flushRecords());
  }

  /** Announces finished requests to the UI; also run on close. */
  private flushRecords(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { entry, calledMistral } of batch) {
      this.bus.emit('request.finished', entry);
      this.health.observe(entry, calledMistral);
    }
  }

  private schedulePrune(): void {
    const prune = () => {
      const days = this.opts.settings.view().settings.logRetentionDays;
      if (days > 0) this.ledger.prune(days);
    };
    prune();
    this.pruneTimer ??= setInterval(prune, PRUNE_EVERY_MS).unref();
  }

  /**
   * The time range a usage request asks for. A custom range is bounded: the report has a row per day in it, so a
   * range of millennia would build millions of rows and stall (or exhaust) the process that also serves the proxy.
   */
  private range(req: { preset?: unknown; range?: unknown } | undefined): TimeRange {
    if (req?.range !== undefined && req.range !== null) {
      const { from, to } = req.range as Partial<TimeRange>;
      if (typeof from !== 'number' || typeof to !== 'number' || !Number.isFinite(from) || !Number.isFinite(to)) throw invalidRequest('range: from and to must be times in ms');
      if (from > to) throw invalidRequest('range: from must not be after to');
      if (Number.isNaN(new Date(from).getTime()) || Number.isNaN(new Date(to).getTime())) throw invalidRequest('range: from and to must be valid dates');
      if (to - from > MAX_RANGE_MS) throw invalidRequest(`range: at most ${MAX_RANGE_DAYS} days`);
      return { from, to };
    }
    const preset = req?.preset ?? '7d';
    if (preset !== 'today' && preset !== '7d' && preset !== '30d') throw invalidRequest("preset: Input should be 'today', '7d' or '30d'");
    return rangeFor(preset, Date.now());
  }

  private createHandlers(): Handlers {
    const settings = this.opts.settings;
    return {
      'settings.get': async () => settings.view(),
      'settings.update': async (patch) => {
        try {
          // A host other machines can reach needs CCPROXY_AUTH_TOKEN. Saved anyway, it would only be refused here,
          // and the next headless start would exit on it before serving the UI that could undo it.
          if (typeof patch?.host === 'string') {
            try {
              checkBindPolicy({ host: patch.host, authToken: this.config.authToken });
            } catch {
              throw new SettingsValidationError([{ field: 'host', message: `${patch.host} is reachable from other machines: set CCPROXY_AUTH_TOKEN (clients then send it as their API key), or keep 127.0.0.1` }]);
            }
          }
          return settings.update(patch ?? {});
        } catch (err) {
          throw new ApiError(400, 'invalid_request_error', (err as Error).message);
        }
      },
      'settings.testKey': async (req) => {
        const result = await settings.testKey(req?.apiKey);
        // Testing the saved key (not a draft one) is evidence about the key requests use.
        if (!req?.apiKey) this.health.recordTest(result);
        return result;
      },
      'proxy.status': async () => this.status(),
      'proxy.start': async () => this.start().catch(() => this.status()),
      'proxy.stop': async () => this.stop(),
      'models.list': async () => this.models(),
      'logs.recent': async (req) => {
        const asked = req?.limit ?? 200;
        if (typeof asked !== 'number' || !Number.isFinite(asked)) throw invalidRequest('limit: Input should be a number');
        const limit = Math.min(Math.max(Math.floor(asked), 1), 1000);
        const live = this.bus.recent(limit);
        // Newest first either way (the ring keeps newest last; the ledger answers newest first).
        return live.length >= limit ? live.reverse() : this.ledger.recent(limit);
      },
      'usage.report': async (req) => {
        const s = settings.view().settings;
        return this.ledger.report(this.range(req), { currency: s.currency, eurPerUsd: s.eurPerUsd });
      },
      'usage.export': async (req) => {
        const range = this.range(req);
        const day = new Date(range.from).toISOString().slice(0, 10);
        if (req?.format === 'json') return { filename: `ccproxy-usage-${day}.json`, mime: 'application/json', content: this.ledger.exportJson(range) };
        return { filename: `ccproxy-usage-${day}.csv`, mime: 'text/csv', content: this.ledger.exportCsv(range) };
      },
      'pricing.list': async () => listPrices(settings.view().settings.pricingOverrides),
      'budget.state': async () => this.budget.states(),
      'health.get': async () => {
        this.health.checkIfUnverified();
        return this.health.recheck();
      },
      ...this.claude.handlers(),
    };
  }

  private async models(): Promise<ModelOption[]> {
    const aliasesOf = (e: object) => ('aliases' in e && Array.isArray(e.aliases) && e.aliases.length ? { aliases: e.aliases as string[] } : {});
    const upstream = this.proxy?.app.models;
    const catalog = upstream?.catalog;
    const entries = upstream ? (await upstream.list()).entries.filter((e) => e.chat) : SEED_MODELS.flatMap((m) => m.ids.map((id) => ({ id, name: m.name })));
    return entries.map((e) => {
      const caps = catalog?.capsOf(e.id) ?? SEED_MODELS.find((m) => m.ids.includes(e.id))?.caps ?? { vision: true, reasoning: false, contextLength: 131072 };
      return { id: e.id, name: e.name, vision: caps.vision, reasoning: caps.reasoning, contextLength: caps.contextLength, ...aliasesOf(e) };
    });
  }
}

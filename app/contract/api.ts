import type { ClaudeConnection, ClaudeSettingsPreview, ClaudeTarget, ClaudeWriteResult } from './claude.js';
import type { Health } from './health.js';
import type { PacingState } from './pacing.js';
import type { KeyTestResult, SettingsPatch, SettingsView } from './settings.js';
import type { BudgetState, LogEntry, PriceRow, RangePreset, TimeRange, UsageReport } from './usage.js';

// The ONE typed API between the UI and the core. The Electron preload/IPC adapter and the HTTP bridge both
// implement exactly these channels; a test checks they expose the same set.

export interface ProxyStatus {
  running: boolean;
  url: string | null;
  host: string;
  port: number;
  version: string;
  startedAt: number | null;
  error: string | null;
  /** Something the user should know that did not stop the proxy (e.g. a damaged usage ledger was replaced). */
  notice?: string | null;
  /** The request pacer while the proxy runs ("Pacing: n waiting"); a proxy.status event follows its changes. */
  pacing?: PacingState;
}

export interface ModelOption {
  id: string;
  name: string;
  vision: boolean;
  reasoning: boolean;
  contextLength: number;
  /** Other ids Mistral serves this model under (e.g. `mistral-large-latest`), when the live list says so. */
  aliases?: string[];
}

export interface InvokeMap {
  'settings.get': { request: void; result: SettingsView };
  'settings.update': { request: SettingsPatch; result: SettingsView };
  'settings.testKey': { request: { apiKey?: string }; result: KeyTestResult };
  'proxy.status': { request: void; result: ProxyStatus };
  'proxy.start': { request: void; result: ProxyStatus };
  'proxy.stop': { request: void; result: ProxyStatus };
  'models.list': { request: void; result: ModelOption[] };
  'logs.recent': { request: { limit?: number }; result: LogEntry[] };
  'usage.report': { request: { preset?: RangePreset; range?: TimeRange }; result: UsageReport };
  'usage.export': { request: { format: 'csv' | 'json'; preset?: RangePreset; range?: TimeRange }; result: { filename: string; mime: string; content: string } };
  'pricing.list': { request: void; result: PriceRow[] };
  'budget.state': { request: void; result: BudgetState[] };
  'health.get': { request: void; result: Health };
  'claude.status': { request: void; result: ClaudeConnection };
  'claude.preview': { request: ClaudeTarget; result: ClaudeSettingsPreview };
  'claude.write': { request: ClaudeTarget; result: ClaudeWriteResult };
  'claude.undo': { request: { undoId: string }; result: { path: string; restored: 'previous' | 'removed' } };
}

export interface EventMap {
  'request.started': { id: string; startedAt: number; clientModel: string | null; mistralModel: string | null; stream: boolean };
  'request.finished': LogEntry;
  'budget.warning': BudgetState;
  'proxy.status': ProxyStatus;
  'settings.changed': SettingsView;
  'health.changed': Health;
  'claude.connected': ClaudeConnection;
}

export type Channel = keyof InvokeMap;
export type EventName = keyof EventMap;

/** Runtime list of channels, so adapters and tests can enumerate them. */
export const CHANNELS = [
  'settings.get', 'settings.update', 'settings.testKey', 'proxy.status', 'proxy.start', 'proxy.stop', 'models.list',
  'logs.recent', 'usage.report', 'usage.export', 'pricing.list', 'budget.state', 'health.get', 'claude.status',
  'claude.preview', 'claude.write', 'claude.undo',
] as const satisfies readonly Channel[];

export const EVENTS = [
  'request.started', 'request.finished', 'budget.warning', 'proxy.status', 'settings.changed', 'health.changed', 'claude.connected',
] as const satisfies readonly EventName[];

/** What the renderer holds: the same shape whether it runs in Electron (preload) or a browser (HTTP bridge). */
export interface CoreApi {
  invoke<C extends Channel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['result']>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/** What the core implements; adapters (IPC, HTTP) only route to it. */
export type Handlers = { [C in Channel]: (request: InvokeMap[C]['request']) => Promise<InvokeMap[C]['result']> };

// Compile-time: the runtime lists name every channel and event.
type Exhaustive<T extends never> = T;
export type ChannelsAreListed = Exhaustive<Exclude<Channel, (typeof CHANNELS)[number]>>;
export type EventsAreListed = Exhaustive<Exclude<EventName, (typeof EVENTS)[number]>>;

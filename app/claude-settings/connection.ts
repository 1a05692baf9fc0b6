import { homedir } from 'node:os';
import type { ClaudeConnection, ClaudeTarget } from '../contract/claude.js';
import type { Handlers } from '../contract/api.js';
import { ApiError } from '../translate/errors.js';
import { ClaudeSettingsError, ClaudeSettingsWriter, envOf, previewWrite, settingsPathFor } from './settings-file.js';
import { claudeEnv, exportLines } from './setup.js';

// The core side of "Connect Claude Code": the setup to copy, writing it into Claude Code's settings, and noticing
// the first request that comes from Claude Code (it names its session in every request).

export interface ConnectorOptions {
  baseUrl: () => string | null;
  authToken: () => string | undefined;
  onConnected: (state: ClaudeConnection) => void;
  home?: () => string;
}

type ClaudeHandlers = Pick<Handlers, 'claude.status' | 'claude.preview' | 'claude.write' | 'claude.undo'>;

export class ClaudeConnector {
  private connectedAt: number | null = null;
  private lastSessionId: string | null = null;
  private readonly writer = new ClaudeSettingsWriter();
  private readonly home: () => string;

  constructor(private readonly opts: ConnectorOptions) {
    this.home = opts.home ?? homedir;
  }

  /** Called for every understood request; the first one with a Claude Code session id marks the connection. */
  sawRequest(sessionId: string | null, at: number): void {
    if (!sessionId) return;
    const first = this.connectedAt === null;
    this.connectedAt ??= at;
    this.lastSessionId = sessionId;
    if (first) void this.status().then(this.opts.onConnected, () => undefined);
  }

  private env(): Record<string, string> {
    const url = this.opts.baseUrl();
    if (!url) throw new ApiError(409, 'invalid_request_error', 'Start the proxy first: Claude Code needs its address.');
    return claudeEnv(url, this.opts.authToken());
  }

  async status(): Promise<ClaudeConnection> {
    const url = this.opts.baseUrl();
    const userSettingsPath = settingsPathFor({ scope: 'user' }, this.home());
    const env = url ? await envOf(userSettingsPath) : null;
    return {
      baseUrl: url,
      exportLines: url ? exportLines(claudeEnv(url, this.opts.authToken())) : '',
      connectedAt: this.connectedAt,
      lastSessionId: this.lastSessionId,
      userSettingsPath,
      userSettingsConfigured: env !== null && env.ANTHROPIC_BASE_URL === url,
    };
  }

  private path(target: ClaudeTarget | undefined): string {
    const t: ClaudeTarget = target?.scope === 'project' ? { scope: 'project', projectDir: String(target.projectDir ?? '') } : { scope: 'user' };
    return settingsPathFor(t, this.home());
  }

  handlers(): ClaudeHandlers {
    const wrap = <T>(fn: () => Promise<T>): Promise<T> =>
      Promise.resolve().then(fn).catch((err: unknown) => {
        if (err instanceof ClaudeSettingsError) throw new ApiError(409, 'invalid_request_error', err.message);
        const e = err as NodeJS.ErrnoException;
        if (e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS') throw new ApiError(409, 'invalid_request_error', `No permission to write ${e.path ?? 'the settings file'}.`);
        throw err;
      });
    return {
      'claude.status': () => this.status(),
      'claude.preview': (target) => wrap(() => previewWrite(this.path(target), this.env())),
      'claude.write': (target) => wrap(() => this.writer.write(this.path(target), this.env())),
      'claude.undo': (req) => wrap(() => this.writer.undo(String(req?.undoId ?? ''))),
    };
  }
}

// "Connect Claude Code": the proxy's setup for Claude Code, and writing it into Claude Code's settings.json
// (its `env` block only) with a preview, a backup and an undo.

export type ClaudeScope = 'user' | 'project';

export interface ClaudeTarget {
  scope: ClaudeScope;
  /** For the project scope: the project's directory (its .claude/settings.json is written). */
  projectDir?: string;
}

export interface DiffLine { op: ' ' | '+' | '-'; text: string }

export interface ClaudeSettingsPreview {
  path: string;
  exists: boolean;
  /** The env entries that would change (new value; null = unchanged). */
  env: Record<string, string>;
  /** Already set to these values: nothing to write. */
  upToDate: boolean;
  diff: DiffLine[];
}

export interface ClaudeWriteResult {
  path: string;
  /** The copy of the previous file, or null when the file did not exist. */
  backupPath: string | null;
  /** Pass to claude.undo to put the previous file back. */
  undoId: string;
}

export interface ClaudeConnection {
  /** The URL Claude Code should use (ANTHROPIC_BASE_URL), or null while the proxy is stopped. */
  baseUrl: string | null;
  /** The shell lines that point Claude Code at the proxy for one terminal. */
  exportLines: string;
  /** Set when the first request from Claude Code arrived (it names its session). */
  connectedAt: number | null;
  lastSessionId: string | null;
  /** The user-scope settings file and whether it already points at this proxy. */
  userSettingsPath: string;
  userSettingsConfigured: boolean;
}

import type { SessionBucket } from '../../../../app/contract/usage.js';

// How a Claude Code session is named wherever it appears (dashboard, current session, live log).

/** A session by its project: the working directory's last folder (or the first prompt), else a short id. */
export function sessionLabel(s: Pick<SessionBucket, 'sessionId' | 'project'>): string {
  if (s.project) {
    const isPath = /^(\/|[A-Za-z]:[\\/]|~)/.test(s.project);
    const name = isPath ? s.project.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || s.project : s.project;
    return name.length > 40 ? `${name.slice(0, 39)}…` : name;
  }
  return s.sessionId.length > 14 ? `${s.sessionId.slice(0, 13)}…` : s.sessionId;
}

/**
 * Labels for a list of sessions; two sessions of one project (or one first prompt) get their ids added, as short as
 * still tells them apart (8 characters for Claude Code's UUIDs; more for ids that share a longer start).
 */
export function distinctLabels(sessions: Pick<SessionBucket, 'sessionId' | 'project'>[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const s of sessions) groups.set(sessionLabel(s), [...(groups.get(sessionLabel(s)) ?? []), s.sessionId]);
  return new Map(sessions.map((s) => {
    const label = sessionLabel(s);
    const ids = groups.get(label) ?? [];
    if (!s.project || ids.length < 2) return [s.sessionId, label];
    let n = 8;
    while (n < s.sessionId.length && ids.some((id) => id !== s.sessionId && id.slice(0, n) === s.sessionId.slice(0, n))) n++;
    return [s.sessionId, `${label} · ${s.sessionId.slice(0, n)}`];
  }));
}

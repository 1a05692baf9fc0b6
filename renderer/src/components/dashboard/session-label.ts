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

/** Labels for a list of sessions; two sessions of one project (or one first prompt) get their short ids added. */
export function distinctLabels(sessions: Pick<SessionBucket, 'sessionId' | 'project'>[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const s of sessions) counts.set(sessionLabel(s), (counts.get(sessionLabel(s)) ?? 0) + 1);
  return new Map(sessions.map((s) => {
    const label = sessionLabel(s);
    return [s.sessionId, s.project && (counts.get(label) ?? 0) > 1 ? `${label} · ${s.sessionId.slice(0, 8)}` : label];
  }));
}

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { sessionProject } from '../../app/translate/session-project.js';
import { text } from '../mock-mistral/index.js';
import { startCoreStack, type CoreStack } from './core-stack.js';
import { entry, local, tempDir } from '../usage/helpers.js';

// Sessions are named by their project: Claude Code's working directory, or the first prompt.

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8')) as {
  path: string; headers: Record<string, string>; body: { system: unknown; messages: Array<{ role: 'user' | 'assistant'; content: unknown }> };
};

describe('sessionProject', () => {
  it('reads the working directory from real Claude Code system prompts (three versions)', () => {
    expect(sessionProject(fixture('2.1.331-bash-turn1-1.json').body as never)).toBe('/work/cc-capture/runs/2131-bash/cwd');
    expect(sessionProject(fixture('2.0.77-bash-turn1-1.json').body as never)).toBe('/work/cc-capture/runs/2077-bash/cwd');
    expect(sessionProject(fixture('1.0.128-bash-turn1-1.json').body as never)).toBe('/work/cc-capture/runs/10128-bash/cwd');
  });

  it('falls back to the first prompt without system reminders, shortened; null when there is nothing', () => {
    const long = 'refactor the parser '.repeat(10);
    expect(sessionProject({ messages: [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>ctx</system-reminder>' }, { type: 'text', text: 'fix the\n failing  test' }] }] } as never)).toBe('fix the failing test');
    expect(sessionProject({ system: 'You are helpful.', messages: [{ role: 'user', content: long }] } as never)).toHaveLength(80);
    expect(sessionProject({ messages: [{ role: 'user', content: [] }] } as never)).toBeNull();
  });
});

describe('the ledger keeps a session\'s project', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp.cleanup());

  it('the first project stated wins, and top sessions carry it (null when never stated)', () => {
    tmp = tempDir();
    const ledger = new UsageLedger(tmp.file());
    const t = local(2026, 5, 5, 12);
    ledger.record(entry({ id: 'a1', startedAt: t, sessionId: 's1', project: '/home/me/app', costUsd: 0.01 }));
    ledger.record(entry({ id: 'a2', startedAt: t + 1, sessionId: 's1', project: '/elsewhere', costUsd: 0.01 }));
    ledger.record(entry({ id: 'b1', startedAt: t + 2, sessionId: 's2', costUsd: 0.001 }));
    const top = ledger.report({ from: local(2026, 5, 5), to: local(2026, 5, 6) }).topSessions;
    expect(top.map((s) => [s.sessionId, s.project, s.requests])).toEqual([['s1', '/home/me/app', 2], ['s2', null, 1]]);
    ledger.close();
  });
});

describe('through the core', () => {
  let stack: CoreStack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('a replayed Claude Code request names its session by its working directory on the dashboard and in the live log', async () => {
    stack = await startCoreStack();
    const f = fixture('2.0.77-bash-turn1-1.json');
    stack.mock.enqueue(text('ok'));
    const events = await stack.events();
    const res = await stack.messages({ ...f.body, stream: false }, { 'x-claude-code-session-id': 'sess-proj', 'anthropic-version': '2023-06-01', 'x-api-key': 'any' });
    expect(res.status).toBe(200);
    const finished = await events.waitFor((e) => e.event === 'request.finished' && (e.data as { sessionId?: string }).sessionId === 'sess-proj');
    expect((finished.data as { project?: string }).project).toBe('/work/cc-capture/runs/2077-bash/cwd');
    events.close();
    const report = await stack.api.invoke('usage.report', { preset: 'today' });
    expect(report.topSessions.find((s) => s.sessionId === 'sess-proj')?.project).toBe('/work/cc-capture/runs/2077-bash/cwd');
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { completion, text, type RecordedRequest, type Reply } from '../mock-mistral/index.js';

// End to end with the REAL Claude Code CLI (pinned devDependency, native binary):
//   claude -p … → CCProxy (ANTHROPIC_BASE_URL) → strict mock Mistral.
// Claude Code runs offline: fresh HOME and cwd, stdin closed, telemetry/updater/error reporting off, and
// HTTP(S)_PROXY pointed at the mock so that any stray outbound call (api.anthropic.com, statsig, …) is caught
// on loopback (plain http arrives at the mock in absolute form and is recorded with its own path; https
// arrives as CONNECT, which the mock records with method 'CONNECT') and fails there instead of leaving the
// machine. NO_PROXY=127.0.0.1,localhost keeps the calls to ANTHROPIC_BASE_URL direct: Claude Code 2.1.331–2.1.332
// honours NO_PROXY (the "control" case below checks that, without it, the call does go through the trap).
// As root, claude refuses --dangerously-skip-permissions, so Bash is permitted with --allowedTools only.

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const MARKER = 'CCPROXY_E2E_MARKER_7';
const COMMAND = `echo ${MARKER}`;
const PROMPT = `Run this shell command with the Bash tool and tell me what it printed. RUN_BASH:${COMMAND}`;
/** Mistral-style (9 alphanumerics) id for the Bash call, so its round trip through Claude Code can be checked. */
const TOOL_ID = 'e2eBash07';
const RUN_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 60_000;

interface ChatMessage { role: string; content?: unknown; tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: unknown } }>; tool_call_id?: string }
interface ChatBody { model?: string; stream?: boolean; messages?: ChatMessage[]; tools?: Array<{ function?: { name?: string } }>; reasoning_effort?: string }

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c: { type?: string; text?: unknown }) => (c?.type === 'text' ? String(c.text ?? '') : '')).join('');
}

const bodyOf = (r: RecordedRequest) => r.body as ChatBody;
const hasBash = (r: RecordedRequest) => (bodyOf(r).tools ?? []).some((t) => t.function?.name === 'Bash');

/**
 * A scripted Mistral keyed on the request content (never on call counts: Claude Code may send side requests):
 * - last message is the tool result → answer quoting it;
 * - last user text asks for RUN_BASH:<COMMAND> and Bash is offered → one Bash tool call;
 * - anything else → "ok".
 * With `thinking`, every answer starts with a reasoning (ThinkChunk) part, as a reasoning model's does.
 */
function agent(opts: { thinking: boolean }) {
  const think = (s: string) => (opts.thinking ? [{ type: 'thinking' as const, thinking: [{ type: 'text' as const, text: s }] }] : []);
  return (req: RecordedRequest): Reply => {
    const body = bodyOf(req);
    const last = body.messages?.at(-1);
    if (last?.role === 'tool') {
      // First line only: Claude Code may append a <system-reminder> text block after the tool_result, which the
      // proxy folds into the tool message (Mistral accepts no user message right after a tool message).
      const answer = `The command printed: ${textOf(last.content).trim().split('\n')[0]}`;
      return completion({ content: opts.thinking ? [...think('The tool ran; I will report its output verbatim.'), { type: 'text', text: answer }] : answer });
    }
    if (last?.role === 'user' && hasBash(req) && textOf(last.content).includes(`RUN_BASH:${COMMAND}`)) {
      return completion({
        content: opts.thinking ? think('The user wants the command run; I will call the Bash tool with it.') : '',
        tool_calls: [{ id: TOOL_ID, function: { name: 'Bash', arguments: { command: COMMAND, description: 'print marker' } } }],
      });
    }
    return text('ok');
  };
}

interface ClaudeRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; json: Record<string, unknown> | null }

const dirs: string[] = [];
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runClaude(s: Stack, extraArgs: string[] = [], envOverrides: Record<string, string> = {}): Promise<ClaudeRun> {
  const home = mkdtempSync(join(tmpdir(), 'ccproxy-e2e-home-'));
  const cwd = mkdtempSync(join(tmpdir(), 'ccproxy-e2e-cwd-'));
  dirs.push(home, cwd);
  const trap = `http://${new URL(s.mock.url).host}`;
  // Nothing inherited from the test runner's environment (no stray ANTHROPIC_* / proxy / CI variables).
  const env: Record<string, string> = {
    HOME: home,
    PATH: '/usr/local/bin:/usr/bin:/bin', // the native binary needs nothing else; the Bash tool needs bash + echo
    SHELL: existsSync('/bin/bash') ? '/bin/bash' : '/usr/bin/bash',
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: s.url,
    ANTHROPIC_API_KEY: 'dummy',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    HTTPS_PROXY: trap,
    HTTP_PROXY: trap,
    NO_PROXY: '127.0.0.1,localhost',
    ...envOverrides,
  };
  const args = ['-p', PROMPT, '--output-format', 'json', '--allowedTools', 'Bash', ...extraArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(CLAUDE, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        /* asserted by the caller */
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
}

/** Upstream requests that are not the proxy's own calls (chat completions / model list). */
function strayRequests(s: Stack): string[] {
  const mockHost = new URL(s.mock.url).host;
  return s.mock.requests
    .filter((r) => !((r.method === 'POST' && r.path === '/v1/chat/completions') || (r.method === 'GET' && r.path === '/v1/models')) || r.headers.host !== mockHost)
    .map((r) => `${r.method} ${r.path} (host ${String(r.headers.host)})`);
}

function describeRun(run: ClaudeRun, s: Stack): string {
  const upstream = s.mock.requests.map((r) => `${r.method} ${r.path} stream=${r.stream} ${r.violations.join('; ')}`);
  return `exit=${run.code} signal=${run.signal}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}\nupstream: ${upstream.join('\n')}`;
}

/** The assertions shared by every successful Bash round trip. */
function expectBashRoundTrip(run: ClaudeRun, s: Stack, mistralModel: string): { turn1: ChatBody; turn2: ChatBody } {
  const info = describeRun(run, s);
  expect(run.code, info).toBe(0);
  expect(run.json, info).not.toBeNull();
  expect(run.json!.is_error, info).toBe(false);
  expect(run.json!.result, info).toBe(`The command printed: ${MARKER}`);
  expect(run.json!.num_turns).toBe(2);

  // Strict mock: every body the proxy sent was valid Mistral; nothing arrived through the HTTP(S) proxy path.
  expect(s.mock.violations()).toEqual([]);
  expect(strayRequests(s)).toEqual([]);

  // One streaming chat request per agent turn of the main conversation; no non-streaming fallback anywhere.
  const chats = s.mock.requests.filter((r) => r.path === '/v1/chat/completions');
  expect(chats.every((r) => r.stream && bodyOf(r).stream === true), info).toBe(true);
  const main = chats.filter(hasBash);
  expect(main, info).toHaveLength(2);
  expect(main.map((r) => bodyOf(r).model)).toEqual([mistralModel, mistralModel]);

  // Each /v1/messages call reached the proxy directly (NO_PROXY honoured) and succeeded.
  expect(s.records.length).toBe(chats.length);
  expect(s.records.every((r) => r.path === '/v1/messages' && r.stream && r.status === 200 && r.errorType === null), JSON.stringify(s.records)).toBe(true);

  // Turn 2 carries the Bash call and its result, paired by the same 9-character Mistral id.
  const [turn1, turn2] = main.map(bodyOf);
  expect(turn1.messages!.some((m) => m.role === 'tool')).toBe(false);
  const msgs = turn2.messages!;
  const assistantIdx = msgs.findIndex((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
  expect(assistantIdx, JSON.stringify(msgs.slice(-3))).toBeGreaterThan(-1);
  const call = msgs[assistantIdx].tool_calls![0];
  expect(call.id).toMatch(/^[A-Za-z0-9]{9}$/);
  expect(call.id).toBe(TOOL_ID);
  expect(call.function?.name).toBe('Bash');
  const args = typeof call.function?.arguments === 'string' ? JSON.parse(call.function.arguments) : call.function?.arguments;
  expect(args).toMatchObject({ command: COMMAND });
  const toolMsg = msgs[assistantIdx + 1];
  expect(toolMsg?.role).toBe('tool');
  expect(toolMsg.tool_call_id).toBe(call.id);
  // The command's stdout (only a real Bash run turns "echo X" into "X"), possibly followed by a folded-in
  // <system-reminder> (e.g. the token budget note Claude Code adds for claude-sonnet-4-5).
  const toolText = textOf(toolMsg.content).trim();
  expect(toolText.split('\n')[0], toolText).toBe(MARKER);
  expect(toolText.slice(MARKER.length).trim() === '' || toolText.slice(MARKER.length).trim().startsWith('<system-reminder>'), toolText).toBe(true);
  expect(msgs.at(-1)).toBe(toolMsg);
  return { turn1, turn2 };
}

describe('real Claude Code CLI → CCProxy → strict mock Mistral', () => {
  it('runs Bash through the proxy and answers with its output (default model)', { timeout: TEST_TIMEOUT_MS }, async () => {
    stack = await startStack();
    stack.mock.setResponder(agent({ thinking: false }));
    const run = await runClaude(stack);
    expectBashRoundTrip(run, stack, stack.config.tiers.opus);
  });

  it('handles fragmented tool-call chunks and thinking from a reasoning model (--model claude-sonnet-4-5)', { timeout: TEST_TIMEOUT_MS }, async () => {
    stack = await startStack({ CCPROXY_SONNET_MODEL: 'mistral-medium-latest' });
    stack.mock.streamOptions.fragmentToolCalls = true;
    stack.mock.streamOptions.splitText = 8;
    stack.mock.setResponder(agent({ thinking: true }));
    const run = await runClaude(stack, ['--model', 'claude-sonnet-4-5']);
    const { turn1, turn2 } = expectBashRoundTrip(run, stack, 'mistral-medium-latest');
    // Claude Code asked for thinking, so the reasoning model is asked to reason.
    expect(turn1.reasoning_effort).toBeDefined();
    expect(turn2.reasoning_effort).toBeDefined();
    // The streamed reasoning reached Claude Code as a thinking block and came back as a ThinkChunk on the call.
    const call = turn2.messages!.find((m) => m.role === 'assistant' && m.tool_calls?.length);
    expect(call?.content).toEqual([
      { type: 'thinking', thinking: [{ type: 'text', text: 'The user wants the command run; I will call the Bash tool with it.' }] },
    ]);
  });

  it('control: without NO_PROXY the CLI call goes through HTTP_PROXY and is caught by the mock', { timeout: TEST_TIMEOUT_MS }, async () => {
    stack = await startStack();
    stack.mock.setResponder(agent({ thinking: false }));
    const run = await runClaude(stack, [], { NO_PROXY: '' });
    expect(run.code, describeRun(run, stack)).not.toBe(0);
    expect(stack.records).toEqual([]);
    // Absolute-form requests through the "proxy" (2.1.331 sent the POST twice in our runs, despite MAX_RETRIES=0):
    // recorded under their own path with CCProxy's host, answered 404, never reaching CCProxy.
    const strays = strayRequests(stack);
    expect(strays.length).toBeGreaterThanOrEqual(1);
    expect(new Set(strays)).toEqual(new Set([`POST /v1/messages (host ${new URL(stack.url).host})`]));
  });
});

describe('real Claude Code CLI against a Mistral that allows 1 request/s', () => {
  it('completes the two-turn Bash round trip with no 429 visible to it (pacing: free)', { timeout: 90_000 }, async () => {
    stack = await startStack({ CCPROXY_PACING: 'free' }, { mockOptions: { rateLimit: { rps: 1 } } });
    stack.mock.setResponder(agent({ thinking: false }));
    const run = await runClaude(stack);
    // Every request reached Mistral once and succeeded (CLAUDE_CODE_MAX_RETRIES=0: a 429 would have failed the run).
    expectBashRoundTrip(run, stack, stack.config.tiers.opus);
    expect(stack.mock.rateLimited()).toBe(0);
  });
});

import { useEffect, useId, useRef, useState } from 'react';
import type { ClaudeScope, ClaudeSettingsPreview, ClaudeWriteResult } from '../../../../app/contract/claude.js';
import { api, errorMessage } from '../../api.js';
import { CopyButton, useCopy } from '../../clipboard.js';
import { clock } from '../../format.js';
import { useEvent, useInvoke } from '../../hooks.js';

// "Connect Claude Code": the URL and export lines to copy, and writing them into Claude Code's settings.json (its
// env block only) after showing the diff, with the backup's path and an Undo. Turns into "Connected ✓" when the
// first request from Claude Code arrives.

type Step =
  | { kind: 'idle' }
  | { kind: 'preview'; preview: ClaudeSettingsPreview }
  | { kind: 'written'; result: ClaudeWriteResult }
  | { kind: 'undone'; path: string; restored: 'previous' | 'removed' };

export function ConnectCard({ compact = false }: { compact?: boolean }) {
  const conn = useInvoke('claude.status', undefined);
  useEvent('claude.connected', (c) => conn.set(c));
  useEvent('proxy.status', () => conn.reload());
  const copy = useCopy();
  const [scope, setScope] = useState<ClaudeScope>('user');
  const [projectDir, setProjectDir] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const writeRef = useRef<HTMLButtonElement>(null);
  const ids = useId();

  const c = conn.data;
  const target = () => (scope === 'project' ? { scope, projectDir: projectDir.trim() } : { scope });

  const undoRef = useRef<HTMLButtonElement>(null);
  /** Where the keyboard focus goes once the step it was on is gone, applied after React has rendered the next one. */
  const focusNext = useRef<{ current: HTMLElement | null } | null>(null);
  const focusSoon = (el: { current: HTMLElement | null }) => (focusNext.current = el);
  useEffect(() => {
    if (!focusNext.current?.current) return;
    focusNext.current.current.focus();
    focusNext.current = null;
  });

  const run = async (fn: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const preview = () => run(async () => setStep({ kind: 'preview', preview: await api.invoke('claude.preview', target()) }));
  const write = () =>
    run(async () => {
      const result = await api.invoke('claude.write', target());
      setStep({ kind: 'written', result });
      conn.reload();
      focusSoon(undoRef);
    });
  const undo = (undoId: string) =>
    run(async () => {
      const r = await api.invoke('claude.undo', { undoId });
      setStep({ kind: 'undone', ...r });
      conn.reload();
      focusSoon(writeRef);
    });

  const connected = c?.connectedAt != null;
  return (
    <section className={`card connect-card${connected ? ' connected' : ''}`} aria-labelledby={`${ids}-h`}>
      <div className="connect-head">
        <h3 id={`${ids}-h`}>Connect Claude Code</h3>
        <span role="status" className={connected ? 'pill pill-ok' : 'pill pill-pending'} aria-label="Claude Code connection">
          {connected ? 'Connected ✓' : 'Not connected yet'}
        </span>
      </div>
      {conn.error && <p className="error" role="alert">{conn.error}</p>}
      {c && (
        <>
          <p className="muted connect-lead">
            {connected
              ? `Claude Code's first request arrived at ${clock(c.connectedAt!)}. New sessions use the proxy as long as these settings stay.`
              : c.baseUrl
                ? 'Point Claude Code at this proxy: copy the lines into your shell, or write them into Claude Code’s settings once for every session.'
                : 'Start the proxy to get its address.'}
          </p>
          {c.baseUrl && (
            <>
              <div className="copy-row">
                <span className="copy-label">URL</span>
                <code className="url">{c.baseUrl}</code>
                <CopyButton id="connect-url" text={c.baseUrl} label="Copy proxy URL for Claude Code" copy={copy} />
              </div>
              {!compact && (
                <div className="copy-row copy-block">
                  <span className="copy-label">Shell</span>
                  <pre className="export-lines" aria-label="Shell setup lines" tabIndex={0}>{c.exportLines}</pre>
                  <CopyButton id="connect-export" text={c.exportLines} label="Copy export lines" copy={copy} />
                </div>
              )}
              <fieldset className="connect-scope">
                <legend>Claude Code settings to write</legend>
                <label>
                  <input type="radio" name={`${ids}-scope`} checked={scope === 'user'} onChange={() => setScope('user')} /> Your user settings{' '}
                  <code>{c.userSettingsPath}</code>
                  {c.userSettingsConfigured && <span className="pill pill-ok small-pill">already set</span>}
                </label>
                {!compact && (
                  <label>
                    <input type="radio" name={`${ids}-scope`} checked={scope === 'project'} onChange={() => setScope('project')} /> One project’s{' '}
                    <code>.claude/settings.json</code>
                  </label>
                )}
                {scope === 'project' && (
                  <label className="project-dir">
                    Project folder (absolute path)
                    <input value={projectDir} onChange={(e) => setProjectDir(e.target.value)} placeholder="/home/you/code/project" spellCheck={false} />
                  </label>
                )}
              </fieldset>
              <div className="connect-actions">
                <button ref={writeRef} type="button" className="btn primary" onClick={() => void preview()} aria-disabled={busy}>
                  Write to Claude Code settings…
                </button>
              </div>
            </>
          )}
          {error && <p className="error" role="alert">{error}</p>}
          {step.kind === 'preview' && (
            <div className="diff-box" role="group" aria-label="Changes to Claude Code settings">
              {step.preview.upToDate ? (
                <p role="status">
                  <code>{step.preview.path}</code> already points Claude Code at this proxy. Nothing to write.
                </p>
              ) : (
                <>
                  <p>
                    {step.preview.exists ? 'Changes to' : 'Creates'} <code>{step.preview.path}</code> (only its <code>env</code> entries below; everything else stays
                    {step.preview.exists ? ', and a backup is kept' : ''}):
                  </p>
                  <pre className="diff" aria-label="Diff" tabIndex={0}>
                    {step.preview.diff.map((l, i) => (
                      <span key={i} className={`line${l.op === '+' ? ' add' : l.op === '-' ? ' del' : ''}`}>
                        {l.op} {l.text}
                      </span>
                    ))}
                  </pre>
                  <div className="connect-actions">
                    <button type="button" className="btn primary" onClick={() => void write()} aria-disabled={busy} autoFocus>
                      Write settings
                    </button>
                    <button
                      type="button"
                      className="btn"
                      onClick={() => {
                        setStep({ kind: 'idle' });
                        focusSoon(writeRef);
                      }}
                    >
                      Cancel
                    </button>
                  </div>
                </>
              )}
            </div>
          )}
          {step.kind === 'written' && (
            <div className="diff-box" role="status" aria-label="Claude Code settings written">
              <p>
                Saved ✓ <code>{step.result.path}</code>.{' '}
                {step.result.backupPath ? (
                  <>
                    Previous version kept as <code>{step.result.backupPath}</code>.
                  </>
                ) : (
                  'The file is new.'
                )}{' '}
                Start a new Claude Code session to use the proxy.
              </p>
              <button ref={undoRef} type="button" className="btn" onClick={() => void undo(step.result.undoId)} aria-disabled={busy}>
                Undo
              </button>
            </div>
          )}
          {step.kind === 'undone' && (
            <p role="status" className="muted">
              Undone: {step.restored === 'previous' ? 'the previous file is back' : 'the file was removed again'} (<code>{step.path}</code>).
            </p>
          )}
        </>
      )}
    </section>
  );
}

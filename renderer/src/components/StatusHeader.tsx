import { useState } from 'react';
import type { HealthAction, HealthCode } from '../../../app/contract/health.js';
import type { ProxyStatus } from '../../../app/contract/api.js';
import { api, apiMode, errorMessage } from '../api.js';
import { CopyButton, useCopy } from '../clipboard.js';
import { useEvent, useInvoke } from '../hooks.js';

// The one status line: the core's health (Needs key / Key rejected / Mistral unreachable / Paused by budget /
// Ready), why, and the one action that fixes it; the proxy URL with a copy button; start/stop.

export type NavigateAction = Extract<HealthAction, 'open_settings' | 'add_key' | 'replace_key' | 'raise_budget'>;

const TONE: Record<HealthCode, 'ok' | 'warn' | 'bad' | 'off'> = {
  ready: 'ok', needs_key: 'warn', key_rejected: 'bad', unreachable: 'bad', paused_budget: 'warn', settings_error: 'bad', stopped: 'off',
};

export function StatusHeader({ onNavigate }: { onNavigate: (action: NavigateAction) => void }) {
  const status = useInvoke('proxy.status', undefined);
  const health = useInvoke('health.get', undefined);
  useEvent('proxy.status', (s) => status.set(s));
  useEvent('health.changed', (h) => health.set(h));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const copy = useCopy();
  const headless = apiMode() === 'http';

  const act = async (channel: 'proxy.start' | 'proxy.stop') => {
    setBusy(true);
    setMessage(null);
    try {
      const s = await api.invoke(channel, undefined);
      status.set(s);
      if (channel === 'proxy.start' && !s.running && s.error) setMessage(`Could not start: ${s.error}`);
    } catch (err) {
      setMessage(`${channel === 'proxy.stop' ? 'Cannot stop' : 'Cannot start'}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const testKey = async () => {
    setBusy(true);
    try {
      await api.invoke('settings.testKey', {});
      health.reload();
    } catch (err) {
      setMessage(`Cannot test the key: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const runAction = (action: HealthAction) => {
    if (action === 'start_proxy') void act('proxy.start');
    else if (action === 'test_key') void testKey();
    else if (action) onNavigate(action);
  };

  const s: ProxyStatus | null = status.data;
  const h = health.data;
  return (
    <header className="app-header">
      <div className="brand">
        <span className="logo" aria-hidden="true">⇄</span>
        <div>
          <h1>CCProxy</h1>
          <p className="tagline">Claude Code on Mistral</p>
        </div>
      </div>
      <div className="proxy-state" role="region" aria-label="Proxy status" aria-live="polite">
        {s && h ? (
          <>
            <span className={`state-dot ${TONE[h.code]}`} aria-hidden="true" />
            <div className="state-text">
              <div className="state-line">
                <strong className="health-label" data-health={h.code}>{h.label}</strong>
                {s.pacing?.enabled && s.pacing.waiting > 0 && (
                  // Requests held back to stay within Mistral's rate limit: they will go, they are not failing.
                  <span className="pacing-pill" title={`Waiting for a turn within Mistral's rate limit (oldest ${Math.ceil(s.pacing.oldestWaitMs / 1000)} s)`}>
                    Pacing: {s.pacing.waiting} waiting
                  </span>
                )}
                {s.running && s.url && (
                  <span className="url-group">
                    <code className="url" title="Claude Code's ANTHROPIC_BASE_URL">{s.url}</code>
                    <CopyButton id="url" text={s.url} label="Copy proxy URL" copy={copy} />
                  </span>
                )}
              </div>
              {h.code !== 'ready' || !h.verified ? <span className="health-reason">{h.reason}</span> : null}
            </div>
            {h.action && h.actionLabel && !(h.action === 'start_proxy' && headless) && (
              <button type="button" className="btn small health-action" onClick={() => !busy && runAction(h.action)} aria-disabled={busy}>
                {h.actionLabel}
              </button>
            )}
          </>
        ) : (
          <span className="muted">{status.error || health.error ? `Core unreachable: ${status.error ?? health.error}` : 'Connecting…'}</span>
        )}
      </div>
      <div className="header-actions">
        {/* In headless mode the UI is served by the proxy itself: Stop would cut this page off, so it is not offered. */}
        {!headless && (
          <>
            <button type="button" className="btn" onClick={() => void act('proxy.start')} disabled={busy || !s || s.running}>
              Start
            </button>
            <button type="button" className="btn" onClick={() => void act('proxy.stop')} disabled={busy || !s || !s.running}>
              Stop
            </button>
          </>
        )}
        <span className="version" title={headless ? 'Headless core, UI over HTTP' : 'Desktop app'}>
          {s ? (/^\d/.test(s.version) ? `v${s.version}` : s.version) : ''}
        </span>
      </div>
      {message && (
        <div className="header-message" role="alert">
          <span>{message}</span>
          <button type="button" className="btn ghost small" onClick={() => setMessage(null)} aria-label="Dismiss message">
            ✕
          </button>
        </div>
      )}
    </header>
  );
}

import { useState } from 'react';
import type { ProxyStatus } from '../../../app/contract/api.js';
import { api, apiMode, errorMessage } from '../api.js';
import { useEvent, useInvoke } from '../hooks.js';

// The proxy's state (from proxy.status and its event), its URL, start/stop and the version.

export function StatusHeader() {
  const status = useInvoke('proxy.status', undefined);
  useEvent('proxy.status', (s) => status.set(s));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const act = async (channel: 'proxy.start' | 'proxy.stop') => {
    setBusy(true);
    setMessage(null);
    try {
      const s = await api.invoke(channel, undefined);
      status.set(s);
      if (channel === 'proxy.start' && !s.running && s.error) setMessage(`Could not start: ${s.error}`);
    } catch (err) {
      const text = errorMessage(err);
      setMessage(`${channel === 'proxy.stop' ? 'Cannot stop' : 'Cannot start'}: ${text}`);
    } finally {
      setBusy(false);
    }
  };

  const s: ProxyStatus | null = status.data;
  return (
    <header className="app-header">
      <div className="brand">
        <span className="logo" aria-hidden="true">⇄</span>
        <div>
          <h1>CCProxy</h1>
          <p className="tagline">Claude Code on Mistral</p>
        </div>
      </div>
      <div className="proxy-state" role="region" aria-label="Proxy status">
        {s ? (
          <>
            <span className={`state-dot ${s.running ? 'on' : 'off'}`} aria-hidden="true" />
            <span className="state-text">
              <strong>{s.running ? 'Proxy running' : 'Proxy stopped'}</strong>
              {s.running && s.url ? (
                <code className="url" title="Set ANTHROPIC_BASE_URL to this">{s.url}</code>
              ) : (
                <span className="muted"> on {s.host}:{s.port}</span>
              )}
            </span>
            {s.error && <span className="state-error" title={s.error}>{s.error}</span>}
          </>
        ) : (
          <span className="muted">{status.error ? `Core unreachable: ${status.error}` : 'Connecting…'}</span>
        )}
      </div>
      <div className="header-actions">
        <button type="button" className="btn" onClick={() => void act('proxy.start')} disabled={busy || !s || s.running}>
          Start
        </button>
        <button type="button" className="btn" onClick={() => void act('proxy.stop')} disabled={busy || !s || !s.running}>
          Stop
        </button>
        <span className="version" title={apiMode() === 'electron' ? 'Desktop app' : 'Headless core, UI over HTTP'}>
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

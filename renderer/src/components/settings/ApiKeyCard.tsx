import { useRef, useState, type FormEvent } from 'react';
import type { KeyTestResult, SettingsView } from '../../../../app/contract/settings.js';
import { api, errorMessage } from '../../api.js';
import { useEvent, useInvoke } from '../../hooks.js';
import { SourceBadge } from './Field.js';

// The Mistral API key is write-only: the view only says whether it is set and its last 4 characters. The input is
// uncontrolled (React would mirror a controlled value into the DOM's value attribute) and is cleared on save.

const RESULT_TEXT: Record<KeyTestResult['status'], string> = {
  ok: 'Key OK',
  bad_key: 'Bad key',
  no_credit: 'No credit',
  unreachable: 'Mistral unreachable',
  error: 'Test failed',
};

export function keyStatusText(key: SettingsView['apiKey']): string {
  if (!key.set) return 'Not set';
  const tail = key.last4 ? `, ends in …${key.last4}` : '';
  return `Set${tail}`;
}

export function ApiKeyCard({ view, onView }: { view: SettingsView; onView: (v: SettingsView) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<null | 'save' | 'remove' | 'test'>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<KeyTestResult | null>(null);
  const key = view.apiKey;
  const fromEnv = key.source === 'env';
  // A stored key the core cannot decrypt still counts as "set" in the view (which never decrypts): the core's health
  // says it cannot be used, so the card says so too, next to where the key is entered again.
  const health = useInvoke('health.get', undefined);
  useEvent('health.changed', (h) => health.set(h));
  const unreadable = key.set && key.source === 'stored' && health.data?.code === 'needs_key' ? health.data.reason : null;

  const run = async (what: 'save' | 'remove' | 'test', fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err).replace(/^Invalid settings:\s*apiKey\s*/, 'The key '));
    } finally {
      setBusy(null);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const value = input.current?.value ?? '';
    if (!value.trim()) {
      setError('Enter a key first.');
      return;
    }
    void run('save', async () => {
      const next = await api.invoke('settings.update', { apiKey: value });
      if (input.current) input.current.value = '';
      setResult(null);
      onView(next);
    });
  };

  const remove = () => {
    if (busy) return;
    void run('remove', async () => {
      onView(await api.invoke('settings.update', { apiKey: null }));
      setResult(null);
      // The pressed button is disabled now (there is no key to remove): focus goes where the next key is entered.
      setTimeout(() => input.current?.focus(), 0);
    });
  };

  const test = () => {
    if (busy) return;
    void run('test', async () => {
      setResult(null);
      const typed = input.current?.value.trim();
      setResult(await api.invoke('settings.testKey', typed ? { apiKey: typed } : {}));
    });
  };

  return (
    <section className="card" aria-labelledby="key-heading">
      <div className="card-head">
        <h3 id="key-heading">API key</h3>
        {key.set && <SourceBadge source={key.source} />}
      </div>
      <p className="key-status">
        <span className={`state-dot ${key.set && !unreadable ? 'on' : 'off'}`} aria-hidden="true" />
        <span role="status" aria-label="API key status">
          {unreadable ? 'Saved, but it cannot be read' : keyStatusText(key)}
        </span>
        {key.set && key.source === 'stored' && !unreadable && <span className="muted">{key.encrypted ? ' · encrypted with the OS keychain' : ' · stored in the settings file (mode 0600)'}</span>}
      </p>
      {unreadable && <p className="field-error" id="api-key-unreadable">{unreadable}</p>}
      {fromEnv && (
        <div className="key-env">
          <p className="field-note">Set by MISTRAL_API_KEY; unset it to manage the key here.</p>
          <button type="button" className="btn" onClick={test} aria-disabled={busy !== null}>
            {busy === 'test' ? 'Testing…' : 'Test key'}
          </button>
        </div>
      )}
      <form className="key-form" onSubmit={save} noValidate hidden={fromEnv}>
        <label htmlFor="api-key" className="sr-only">
          Mistral API key
        </label>
        <input
          ref={input}
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={key.set ? 'Enter a new key to replace it' : 'Paste your key from console.mistral.ai'}
          disabled={fromEnv}
          aria-describedby={[error && 'api-key-error', unreadable && 'api-key-unreadable'].filter(Boolean).join(' ') || undefined}
        />
        {/* While busy the buttons are aria-disabled, not disabled: a disabled button drops the keyboard focus to the page. */}
        <button type="submit" className="btn primary" disabled={fromEnv} aria-disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : 'Save key'}
        </button>
        <button type="button" className="btn" onClick={test} aria-disabled={busy !== null}>
          {busy === 'test' ? 'Testing…' : 'Test key'}
        </button>
        <button type="button" className="btn danger" onClick={remove} disabled={fromEnv || !key.set || key.source !== 'stored'} aria-disabled={busy !== null}>
          Remove key
        </button>
      </form>
      {error && (
        <p className="field-error" id="api-key-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <p className={`test-result test-${result.status}`} role="status" aria-label="Key test result">
          <strong>{RESULT_TEXT[result.status]}</strong>
          {result.message ? ` — ${result.message}` : result.models !== undefined ? ` — ${result.models} models available` : ''}
        </p>
      )}
    </section>
  );
}

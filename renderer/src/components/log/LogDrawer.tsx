import { useEffect, useRef } from 'react';
import type { LogEntry } from '../../../../app/contract/usage.js';
import { CopyButton, useCopy } from '../../clipboard.js';
import { clock, int, money, ms, type CurrencyInfo } from '../../format.js';
import { useInvoke } from '../../hooks.js';
import { costBreakdown, curlFor, isError } from './filter.js';

// One request in full: ids, models, stop reason, tools, session, timings, tokens, the cost's parts and the whole
// error. A side panel (not modal): the log stays usable; Escape or Close returns focus to the row.

export function LogDrawer({ entry: e, currency, onClose, onSession }: { entry: LogEntry; currency: CurrencyInfo; onClose: () => void; onSession: (s: string) => void }) {
  const prices = useInvoke('pricing.list', undefined);
  const status = useInvoke('proxy.status', undefined);
  const closeRef = useRef<HTMLButtonElement>(null);
  const copy = useCopy();

  useEffect(() => {
    closeRef.current?.focus();
  }, [e.id]);
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape') onClose();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [onClose]);

  const parts = prices.data ? costBreakdown(e, prices.data) : null;
  const base = status.data?.url ?? `http://${status.data?.host ?? '127.0.0.1'}:${status.data?.port ?? 7187}`;
  const curl = curlFor(e, base);
  return (
    <aside className="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-title">
      <div className="drawer-head">
        <h3 id="drawer-title">Request details</h3>
        <button ref={closeRef} type="button" className="btn small" onClick={onClose} aria-label="Close details">
          Close
        </button>
      </div>
      <dl className="facts">
        <dt>Request id</dt>
        <dd><code>{e.id}</code></dd>
        <dt>Model</dt>
        <dd>{e.clientModel ?? '—'} → <strong>{e.mistralModel ?? '—'}</strong></dd>
        <dt>Status</dt>
        <dd>{e.status}{e.errorType ? ` · ${e.errorType}` : ''}</dd>
        <dt>Stop reason</dt>
        <dd>{e.stopReason ?? '—'}</dd>
        <dt>Mode</dt>
        <dd>{e.stream ? 'streaming' : 'single response'} · {e.path}</dd>
        <dt>Tools offered</dt>
        <dd>{e.toolCount}</dd>
        <dt>Session</dt>
        <dd>
          {e.sessionId ? (
            <>
              {e.project && <span className="session-project" title={e.project}>{e.project} · </span>}
              <code>{e.sessionId}</code>{' '}
              <button type="button" className="btn small" onClick={() => onSession(e.sessionId!)}>
                Only this session
              </button>
            </>
          ) : (
            'none (not from Claude Code)'
          )}
        </dd>
        <dt>Started</dt>
        <dd>{clock(e.startedAt)}</dd>
        <dt>Timings</dt>
        <dd>total {ms(e.latencyMs)} · first token {ms(e.ttftMs)}</dd>
        <dt>Tokens</dt>
        <dd>{int(e.inputTokens)} in · {int(e.outputTokens)} out · {int(e.cachedTokens)} cached</dd>
        <dt>Cost</dt>
        <dd>
          <strong>{money(e.costUsd, currency)}</strong>
          {parts ? (
            <table className="compact-table cost-parts">
              <caption className="sr-only">Cost breakdown</caption>
              <thead>
                <tr><th scope="col">Part</th><th scope="col" className="num">Tokens</th><th scope="col" className="num">Per 1M</th><th scope="col" className="num">Cost</th></tr>
              </thead>
              <tbody>
                {parts.map((p) => (
                  <tr key={p.label}>
                    <th scope="row">{p.label}</th>
                    <td className="num">{int(p.tokens)}</td>
                    <td className="num">{money(p.pricePerM, currency)}</td>
                    <td className="num">{money(p.usd, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            e.costUsd === null && <span className="muted"> — no price known for {e.mistralModel ?? 'this model'}; add an override in Settings.</span>
          )}
        </dd>
      </dl>
      {isError(e) && (
        <div className="full-error" role="group" aria-label="Error">
          <h4>Error</h4>
          <pre>{[e.errorType, e.errorMessage].filter(Boolean).join(': ') || `HTTP ${e.status}`}</pre>
        </div>
      )}
      <div className="drawer-curl">
        <div className="drawer-curl-head">
          <h4>Copy as curl</h4>
          <CopyButton id="curl" text={curl} label="Copy as curl" copy={copy} />
        </div>
        <p className="muted small">The proxy does not keep prompts: this repeats the model and mode with a placeholder message. No key included.</p>
        <pre className="curl" aria-label="curl command" tabIndex={0}>{curl}</pre>
      </div>
    </aside>
  );
}

import type { SessionBucket } from '../../../../app/contract/usage.js';
import { compact, dateTime, int, money, type CurrencyInfo } from '../../format.js';
import { sessionLabel } from './session-label.js';

// The most recent Claude Code session (whatever the range): its project name, cost, requests and tokens. The
// name opens the live log filtered to it.

export function CurrentSession({ session, currency, onOpen }: { session: SessionBucket | null; currency: CurrencyInfo; onOpen?: (sessionId: string) => void }) {
  if (!session) return null;
  const name = sessionLabel(session);
  const tokens = session.inputTokens + session.outputTokens;
  return (
    <section className="current-session" aria-labelledby="current-session-heading">
      <div className="current-session-main">
        <h3 id="current-session-heading" className="stat-label">Current session</h3>
        <div className="current-session-name" title={session.project ? `${session.project}\nsession ${session.sessionId}` : session.sessionId}>
          {onOpen ? (
            <button type="button" className="link-btn" onClick={() => onOpen(session.sessionId)} aria-label={`${name}: open the log for this session`}>
              {name}
            </button>
          ) : (
            name
          )}
        </div>
        <div className="stat-sub">last request {dateTime(session.lastAt)}</div>
      </div>
      <dl className="current-session-figures">
        <div>
          <dt>Cost</dt>
          <dd>{session.unpricedRequests === session.requests && session.requests > 0 ? 'no price' : money(session.costUsd, currency)}</dd>
        </div>
        <div>
          <dt>Requests</dt>
          <dd>{int(session.requests)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd title={`${int(session.inputTokens)} in · ${int(session.outputTokens)} out · ${int(session.cachedTokens)} cached`}>{compact(tokens)}</dd>
        </div>
      </dl>
    </section>
  );
}

import { useState } from 'react';
import type { PacingUsage } from '../../../../app/contract/usage.js';
import { int, ms } from '../../format.js';

// What pacing to Mistral's rate limits did in the range (from the ledger): requests that waited their turn instead of
// drawing a 429, the time they waited, 429s the proxy retried unseen, and answers from a fallback model. Shown as
// figures, or as a table for keyboard and screen-reader users (like the chart).

export function PacingCard({ pacing }: { pacing: PacingUsage }) {
  const [asTable, setAsTable] = useState(false);
  const rows: { label: string; value: string; meaning: string }[] = [
    { label: 'Requests paced', value: int(pacing.paced), meaning: 'Requests that waited for their turn under your rate limit, so they were not sent into a 429 from Mistral' },
    { label: 'Time waited', value: ms(pacing.waitMs), meaning: 'Total time those requests spent waiting (queue and Retry-After)' },
    { label: 'Retried after 429', value: int(pacing.retries), meaning: "429s from Mistral the proxy retried; Claude Code never saw them" },
    { label: 'Fallback answers', value: int(pacing.fallbacks), meaning: 'Requests answered by a fallback model' },
  ];
  return (
    <div className="chart-wrap">
      <button type="button" className="btn small chart-toggle" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
        {asTable ? 'Show pacing figures' : 'Show pacing as table'}
      </button>
      {asTable ? (
        <table className="compact-table">
          <caption className="sr-only">Pacing in this range</caption>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col" className="num">Value</th>
              <th scope="col" className="narrow-hide">Meaning</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td className="num">{r.value}</td>
                <td className="narrow-hide">{r.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <dl className="pacing-figures">
          {rows.map((r) => (
            <div key={r.label} title={r.meaning}>
              <dt>{r.label}</dt>
              <dd>{r.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

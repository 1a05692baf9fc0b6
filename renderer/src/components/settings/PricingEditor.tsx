import type { PriceRow } from '../../../../app/contract/usage.js';
import { useInvoke } from '../../hooks.js';
import type { PriceDraft } from './draft.js';

// Per-model price overrides (USD per million tokens), and the effective price table for reference.

interface Props {
  rows: PriceDraft[];
  onChange: (rows: PriceDraft[]) => void;
  error?: string;
  /** Changes when the settings are saved, to reload the effective table. */
  version: unknown;
}

export function PricingEditor({ rows, onChange, error, version }: Props) {
  const set = (i: number, patch: Partial<PriceDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className={`pricing${error ? ' has-error' : ''}`}>
      {rows.length > 0 && (
        <table className="pricing-table">
          <caption className="sr-only">Price overrides</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Input $/M</th>
              <th scope="col">Output $/M</th>
              <th scope="col">Cached input $/M</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td><input aria-label={`Override ${i + 1} model`} value={r.model} placeholder="mistral-large-latest" onChange={(e) => set(i, { model: e.target.value })} /></td>
                <td><input aria-label={`Override ${i + 1} input price`} inputMode="decimal" value={r.input} onChange={(e) => set(i, { input: e.target.value })} /></td>
                <td><input aria-label={`Override ${i + 1} output price`} inputMode="decimal" value={r.output} onChange={(e) => set(i, { output: e.target.value })} /></td>
                <td><input aria-label={`Override ${i + 1} cached input price`} inputMode="decimal" value={r.cachedInput} placeholder="10% of input" onChange={(e) => set(i, { cachedInput: e.target.value })} /></td>
                <td>
                  <button type="button" className="btn ghost small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove override ${i + 1}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="btn small" onClick={() => onChange([...rows, { model: '', input: '', output: '', cachedInput: '' }])}>
        Add price override
      </button>
      {error && <p className="field-error">{error}</p>}
      <PriceTable version={version} />
    </div>
  );
}

function PriceTable({ version }: { version: unknown }) {
  const prices = useInvoke('pricing.list', undefined, JSON.stringify(version));
  return (
    <details className="price-list">
      <summary>Prices in use ({prices.data?.length ?? '…'} models, USD per million tokens)</summary>
      {prices.error && <p className="error">{prices.error}</p>}
      {prices.data && (
        <table className="compact-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Output</th>
              <th scope="col" className="num">Cached</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {prices.data.map((p: PriceRow) => (
              <tr key={p.model}>
                <td>{p.model}</td>
                <td className="num">{p.inputUsd}</td>
                <td className="num">{p.outputUsd}</td>
                <td className="num">{p.cachedInputUsd}</td>
                <td>{p.source === 'override' ? 'your override' : `list price, ${p.asOf}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

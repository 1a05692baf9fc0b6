import { useId, useState } from 'react';
import type { ModelOption } from '../../../../app/contract/api.js';
import type { PriceRow } from '../../../../app/contract/usage.js';
import { contextLabel, groupModels, optionText, priceLabel, withAliases } from './model-groups.js';

// The model picker: a native select (keyboard and screen-reader friendly) grouped as Recommended / Coding /
// Reasoning / Small and fast / Dated snapshots, `-latest` first, each option with its context size and price per
// 1M tokens; a search box narrows the list. The current value is always an option, even when the list does not
// have it (a custom or newer id, or the list is not loaded yet).

export function Badges({ model, prices }: { model: ModelOption | undefined; prices: PriceRow[] }) {
  if (!model) return null;
  const price = priceLabel(model.id, prices);
  return (
    <span className="badges">
      {model.name && model.name !== model.id && <span className="badge">{model.name}</span>}
      {model.contextLength > 0 && <span className="badge">{contextLabel(model.contextLength)} context</span>}
      {model.vision && <span className="badge badge-vision">vision</span>}
      {model.reasoning && <span className="badge badge-reasoning">reasoning</span>}
      <span className="badge">{price ?? 'no known price'}</span>
    </span>
  );
}

interface Props {
  value: string;
  onChange: (v: string) => void;
  models: ModelOption[];
  prices?: PriceRow[];
  a11y: Record<string, unknown>;
  /** An extra first option, e.g. "Same as default model" for the Sonnet tier: its own value, standing for `model`. */
  follow?: { label: string; value: string; model: string };
}

export function ModelSelect({ value, onChange, models: listed, prices = [], a11y, follow }: Props) {
  const models = withAliases(listed);
  const [query, setQuery] = useState('');
  const searchId = useId();
  const following = follow !== undefined && value === follow.value;
  const known = following || models.some((m) => m.id === value);
  const selected = models.find((m) => m.id === (following ? follow.model : value));
  const groups = groupModels(models, query);
  const count = groups.reduce((n, g) => n + g.models.length, 0);
  return (
    <div className="model-select">
      {models.length > 8 && (
        <input
          id={searchId}
          type="search"
          className="model-search"
          placeholder="Search models"
          aria-label="Search the model list"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      )}
      <select {...a11y} value={value} onChange={(e) => onChange(e.target.value)}>
        {follow && <option value={follow.value}>{follow.label}</option>}
        {!known && <option value={value}>{value}</option>}
        {groups.map((g) => (
          <optgroup key={g.group} label={g.group}>
            {g.models.map((m) => (
              <option key={m.id} value={m.id}>
                {optionText(m, prices)}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {query && (
        <span className="field-hint" role="status">
          {count} model{count === 1 ? '' : 's'} match “{query}”
        </span>
      )}
      <Badges model={selected} prices={prices} />
    </div>
  );
}

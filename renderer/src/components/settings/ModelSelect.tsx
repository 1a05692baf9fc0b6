import type { ModelOption } from '../../../../app/contract/api.js';

// A model picker from `models.list`. The current value is always an option, even when the list does not have it
// (a custom or newer id, or the list is not loaded yet).

export function optionLabel(m: ModelOption): string {
  const caps = [m.vision && 'vision', m.reasoning && 'reasoning'].filter(Boolean).join(', ');
  const name = m.name && m.name !== m.id ? ` — ${m.name}` : '';
  return `${m.id}${name}${caps ? ` (${caps})` : ''}`;
}

export function Badges({ model }: { model: ModelOption | undefined }) {
  if (!model) return null;
  return (
    <span className="badges">
      {model.vision && <span className="badge badge-vision">vision</span>}
      {model.reasoning && <span className="badge badge-reasoning">reasoning</span>}
      {model.contextLength > 0 && <span className="badge">{Math.round(model.contextLength / 1024)}k context</span>}
    </span>
  );
}

interface Props {
  value: string;
  onChange: (v: string) => void;
  models: ModelOption[];
  a11y: Record<string, unknown>;
  showBadges?: boolean;
}

export function ModelSelect({ value, onChange, models, a11y, showBadges = true }: Props) {
  const known = models.some((m) => m.id === value);
  const selected = models.find((m) => m.id === value);
  return (
    <div className="model-select">
      <select {...a11y} value={value} onChange={(e) => onChange(e.target.value)}>
        {!known && <option value={value}>{value}</option>}
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {optionLabel(m)}
          </option>
        ))}
      </select>
      {showBadges && <Badges model={selected} />}
    </div>
  );
}

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ModelOption } from '../../../../app/contract/api.js';
import type { Currency, SettingsView } from '../../../../app/contract/settings.js';
import type { PriceRow } from '../../../../app/contract/usage.js';
import { api, apiMode, errorMessage } from '../../api.js';
import { money } from '../../format.js';
import { budgetWarning, buildPatch, FIELD_ID, FOLLOW_DEFAULT, FIELD_ORDER, problemsByField, readableError, SETTING_ENV, TIER_ENV, toDraft, type Draft, type FieldKey } from './draft.js';
import { Field } from './Field.js';
import { ModelSelect } from './ModelSelect.js';
import { PricingEditor } from './PricingEditor.js';

interface Props {
  view: SettingsView;
  models: ModelOption[];
  modelsError: string | null;
  prices?: PriceRow[];
  onView: (v: SettingsView) => void;
}

export function SettingsForm({ view, models, modelsError, prices = [], onView }: Props) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(view));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const patch = useMemo(() => buildPatch(draft, view), [draft, view]);
  const dirty = Object.keys(patch).length > 0;

  // A change from elsewhere (another window, a save) resets the form unless the user is in the middle of editing.
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    if (!dirtyRef.current) setDraft(toDraft(view));
  }, [view]);

  const problems = useMemo(() => (error ? problemsByField(error) : {}), [error]);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setSaved(false);
  };

  const saveButton = useRef<HTMLButtonElement>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!dirty || saving) return;
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      const next = await api.invoke('settings.update', patch);
      setDraft(toDraft(next));
      onView(next);
      setSaved(true);
      // The button stays focusable (it is never disabled mid-save), so focus stays on it.
      saveButton.current?.focus();
    } catch (err) {
      const message = errorMessage(err);
      setError(message);
      // Focus the first field with a problem; without one, keep it on the Save button.
      const bad = FIELD_ORDER.find((k) => problemsByField(message)[k]);
      setTimeout(() => {
        const el = bad ? document.getElementById(FIELD_ID[bad] ?? bad) : null;
        (el ?? saveButton.current)?.focus();
      }, 0);
    } finally {
      setSaving(false);
    }
  };

  const discard = () => {
    setDraft(toDraft(view));
    setError(null);
    setSaved(false);
  };

  // Limits are kept in USD; when costs are shown in EUR, each limit also says what it is in euros at the user's rate.
  const inEur = (usdText: string) => {
    const usd = Number(usdText);
    const rate = Number(draft.eurPerUsd);
    if (draft.currency !== 'EUR' || !usdText.trim() || !(usd > 0) || !(rate > 0)) return '';
    return ` ≈ ${money(usd, { currency: 'EUR', eurPerUsd: rate })} at your rate.`;
  };

  const src = view.sources;
  const f = (k: FieldKey) => problems[k];
  const text = (k: 'baseUrl' | 'maxTokens' | 'port' | 'host' | 'dailyUsd' | 'monthlyUsd' | 'logRetentionDays' | 'eurPerUsd', extra: Record<string, unknown> = {}) =>
    (a11y: Record<string, unknown>) => <input {...a11y} {...extra} value={draft[k]} onChange={(e) => set(k, e.target.value)} />;
  const toggle = (k: 'autoLaunch' | 'refuseOverLimit') => (a11y: Record<string, unknown>) => (
    <span className="switch">
      <input {...a11y} type="checkbox" role="switch" checked={draft[k]} onChange={(e) => set(k, e.target.checked)} />
      <span aria-hidden="true">{draft[k] ? 'On' : 'Off'}</span>
    </span>
  );

  return (
    <form className="settings-form" onSubmit={submit} noValidate aria-label="Settings">
      <fieldset className="card">
        <legend>Mistral</legend>
        <div className="grid">
          <Field id="baseUrl" label="Base URL" source={src.baseUrl} envVar={SETTING_ENV.baseUrl} error={f('baseUrl')} wide hint="Mistral's API, including /v1.">
            {text('baseUrl', { type: 'url', spellCheck: false })}
          </Field>
          <Field
            id="defaultModel"
            wide
            label="Default model"
            source={src.defaultModel}
            envVar={SETTING_ENV.defaultModel}
            error={f('defaultModel') ?? (modelsError ? `Could not load the model list: ${modelsError}` : undefined)}
            hint="Serves unknown claude-* names (and sonnet, unless mapped below)."
          >
            {(a11y) => (
              <ModelSelect
                a11y={a11y}
                value={draft.defaultModel}
                models={models}
                prices={prices}
                onChange={(v) => set('defaultModel', v)}
              />
            )}
          </Field>
          <Field id="maxTokens" label="Max tokens" source={src.maxTokens} envVar={SETTING_ENV.maxTokens} error={f('maxTokens')} hint="Upper bound for a request's max_tokens.">
            {text('maxTokens', { type: 'number', inputMode: 'numeric' })}
          </Field>
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>Claude tier → Mistral model</legend>
        <div className="grid three">
          {(['haiku', 'sonnet', 'opus'] as const).map((t) => (
            <Field
              key={t}
              id={`tier-${t}`}
              label={`${t[0].toUpperCase()}${t.slice(1)} model`}
              source={view.tierSources?.[t] ?? src.tiers}
              envVar={TIER_ENV[t]}
              error={f(t)}
              hint={`claude-*${t}* requests${t === 'sonnet' ? '; "Same as default model" keeps it in step with the default' : ''}.`}
            >
              {(a11y) => (
                <ModelSelect
                  a11y={a11y}
                  value={draft[t]}
                  models={models}
                  prices={prices}
                  onChange={(v) => set(t, v)}
                  follow={t === 'sonnet' ? { label: `Same as default model (${draft.defaultModel})`, value: FOLLOW_DEFAULT, model: draft.defaultModel } : undefined}
                />
              )}
            </Field>
          ))}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>Proxy</legend>
        <div className="grid">
          <Field
            id="port"
            label="Port"
            source={src.port}
            envVar={SETTING_ENV.port}
            error={f('port')}
            hint={apiMode() === 'http' ? 'The listener restarts on the new port; this page then moves there too.' : 'The listener restarts on the new port.'}
          >
            {text('port', { type: 'number', inputMode: 'numeric' })}
          </Field>
          <Field id="host" label="Host" source={src.host} envVar={SETTING_ENV.host} error={f('host')} hint="Keep 127.0.0.1 unless you know why.">
            {text('host', { spellCheck: false })}
          </Field>
          {/* Start at login is the desktop app's (an OS login item); headless mode has nothing to register, so it is not offered. */}
          {apiMode() !== 'http' && (
            <Field id="autoLaunch" label="Start at login" source={src.autoLaunch} error={f('autoLaunch')}>
              {toggle('autoLaunch')}
            </Field>
          )}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>Budgets (USD)</legend>
        <div className="grid">
          <Field id="dailyUsd" label="Daily budget (USD)" source={src.budgets} error={f('dailyUsd')} hint={`Blank for no limit. You are warned at 80%.${inEur(draft.dailyUsd)}`}>
            {text('dailyUsd', { inputMode: 'decimal', placeholder: 'no limit' })}
          </Field>
          <Field id="monthlyUsd" label="Monthly budget (USD)" error={f('monthlyUsd') ?? budgetWarning(draft) ?? undefined} hint={`Blank for no limit.${inEur(draft.monthlyUsd)}`}>
            {text('monthlyUsd', { inputMode: 'decimal', placeholder: 'no limit' })}
          </Field>
          <Field id="refuseOverLimit" label="Refuse requests over the limit" error={f('refuseOverLimit')} hint="Otherwise over-limit requests still go through.">
            {toggle('refuseOverLimit')}
          </Field>
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>Usage and costs</legend>
        <div className="grid">
          <Field id="logRetentionDays" label="Keep usage records (days)" source={src.logRetentionDays} error={f('logRetentionDays')} hint="0 keeps everything.">
            {text('logRetentionDays', { type: 'number', inputMode: 'numeric' })}
          </Field>
          <Field id="currency" label="Show costs in" source={src.currency} error={f('currency')}>
            {(a11y) => (
              <select {...a11y} value={draft.currency} onChange={(e) => set('currency', e.target.value as Currency)}>
                <option value="USD">USD ($)</option>
                <option value="EUR">EUR (€)</option>
              </select>
            )}
          </Field>
          <Field id="eurPerUsd" label="EUR per 1 USD" source={src.eurPerUsd} error={f('eurPerUsd')} hint="Your own rate; the default is a placeholder.">
            {text('eurPerUsd', { inputMode: 'decimal' })}
          </Field>
        </div>
        <h4 className="subhead">
          Price overrides <span className="source-inline">({src.pricingOverrides})</span>
        </h4>
        <PricingEditor rows={draft.prices} onChange={(rows) => set('prices', rows)} error={f('prices')} version={view.settings.pricingOverrides} />
      </fieldset>

      <div className={`save-bar${dirty || error ? ' floating' : ''}`}>
        {error && (
          <p className="error save-error" role="alert">
            {readableError(error)}
          </p>
        )}
        {saved && !dirty && !error && (
          <p className="ok" role="status">
            <strong>Saved ✓</strong> Changes apply to the next request.
          </p>
        )}
        {dirty && !error && <p className="muted">Unsaved changes</p>}
        <div className="save-actions">
          <button type="button" className="btn ghost" onClick={() => dirty && !saving && discard()} aria-disabled={!dirty || saving}>
            Discard changes
          </button>
          <button ref={saveButton} type="submit" className="btn primary" aria-disabled={!dirty || saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </div>
    </form>
  );
}

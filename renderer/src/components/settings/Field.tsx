import type { ReactNode } from 'react';
import type { SettingSource } from '../../../../app/contract/settings.js';

// One labelled setting: the control, where its value comes from, a hint, and the core's error for it.

export interface FieldProps {
  id: string;
  label: string;
  source?: SettingSource;
  /** The env var that sets it, when `source` is 'env' (the field is then read-only). */
  envVar?: string;
  hint?: ReactNode;
  error?: string;
  children: (a11y: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true; disabled?: boolean; readOnly?: boolean }) => ReactNode;
  wide?: boolean;
}

export function SourceBadge({ source }: { source: SettingSource }) {
  const title = source === 'env' ? 'Set by an environment variable' : source === 'stored' ? 'Saved in settings' : 'Built-in default';
  return (
    <span className={`source source-${source}`} title={title}>
      {source}
    </span>
  );
}

export function Field({ id, label, source, envVar, hint, error, children, wide }: FieldProps) {
  const fromEnv = source === 'env';
  const describedBy = [error && `${id}-error`, fromEnv && `${id}-env`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${wide ? ' wide' : ''}${error ? ' has-error' : ''}`}>
      <div className="field-label">
        <label htmlFor={id}>{label}</label>
        {source && <SourceBadge source={source} />}
      </div>
      {children({
        id,
        'aria-describedby': describedBy,
        ...(error ? { 'aria-invalid': true as const } : {}),
        ...(fromEnv ? { disabled: true } : {}),
      })}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {fromEnv && (
        <p className="field-note" id={`${id}-env`}>
          Set by {envVar ?? 'an environment variable'}; unset it to edit here.
        </p>
      )}
      {hint && !fromEnv && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

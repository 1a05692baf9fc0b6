import { useState } from 'react';
import type { RangePreset } from '../../../../app/contract/usage.js';
import { api, errorMessage } from '../../api.js';

/** Saves text as a file through a Blob and a temporary link (works from file:// in Electron and over http). */
export function download(filename: string, mime: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportButtons({ preset }: { preset: RangePreset }) {
  const [busy, setBusy] = useState<null | 'csv' | 'json'>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: 'csv' | 'json') => {
    setBusy(format);
    setError(null);
    try {
      const file = await api.invoke('usage.export', { format, preset });
      download(file.filename, file.mime, file.content);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="export">
      <button type="button" className="btn" onClick={() => void run('csv')} disabled={busy !== null}>
        {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button type="button" className="btn" onClick={() => void run('json')} disabled={busy !== null}>
        {busy === 'json' ? 'Exporting…' : 'Export JSON'}
      </button>
      {error && <span role="alert" className="error">{error}</span>}
    </div>
  );
}

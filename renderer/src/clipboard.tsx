import { useEffect, useRef, useState } from 'react';

/** Copies text; falls back to a hidden textarea where the async clipboard is unavailable (non-secure origins). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/** A copy action with a short-lived "Copied ✓" state for its button. */
export function useCopy(): { copied: string | null; copy: (id: string, text: string) => void } {
  const [copied, setCopied] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return {
    copied,
    copy: (id, text) => {
      void copyText(text).then((ok) => {
        setCopied(ok ? id : null);
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => setCopied(null), 2000);
      });
    },
  };
}

export function CopyButton({ text, label, id, copy }: { text: string; label: string; id: string; copy: ReturnType<typeof useCopy> }) {
  const done = copy.copied === id;
  return (
    <button type="button" className="btn small" onClick={() => copy.copy(id, text)} aria-label={done ? `${label}: copied` : label}>
      {done ? 'Copied ✓' : 'Copy'}
    </button>
  );
}

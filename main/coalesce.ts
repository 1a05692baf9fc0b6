// Runs a refresh at most once per interval, never two at a time, and always once more after the last trigger.
// The tray redraws from events that come in bursts (every finished request, every pacer change): a menu rebuilt per
// request costs a native menu per request and, on Linux, closes a menu the user has open.

export interface Coalesced {
  /** Asks for a run: now if the last one started more than the interval ago, else once at the interval's end. */
  trigger(): void;
  /** Drops a pending run (on quit). */
  cancel(): void;
}

export function coalesce(run: () => Promise<void> | void, intervalMs: number, onError: (err: unknown) => void = () => undefined): Coalesced {
  let running = false;
  let pending = false;
  let cancelled = false;
  let timer: NodeJS.Timeout | null = null;
  let lastStart = Number.NEGATIVE_INFINITY;

  const start = () => {
    timer = null;
    if (cancelled) return;
    pending = false;
    running = true;
    lastStart = Date.now();
    void Promise.resolve()
      .then(run)
      .catch(onError)
      .finally(() => {
        running = false;
        if (pending) schedule();
      });
  };
  const schedule = () => {
    if (running || timer || cancelled) return;
    const wait = lastStart + intervalMs - Date.now();
    if (wait <= 0) start();
    else timer = setTimeout(start, wait).unref();
  };
  return {
    trigger() {
      pending = true;
      schedule();
    },
    cancel() {
      cancelled = true;
      pending = false;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

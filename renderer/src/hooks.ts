import { useCallback, useEffect, useRef, useState } from 'react';
import type { Channel, EventMap, EventName, InvokeMap } from '../../app/contract/api.js';
import { api, errorMessage } from './api.js';

/** Subscribes to a core event for the component's lifetime; the latest handler is always called. */
export function useEvent<E extends EventName>(event: E, handler: (payload: EventMap[E]) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => api.on(event, (payload) => ref.current(payload)), [event]);
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  set: (data: T) => void;
}

/**
 * Invokes a channel on mount and whenever `key` changes; `reload()` asks again. Stale answers are dropped: those of
 * an earlier key, and an answer to a request sent before a value was pushed with `set()` (an event is newer).
 */
export function useInvoke<C extends Channel>(channel: C, request: InvokeMap[C]['request'], key = ''): Loaded<InvokeMap[C]['result']> {
  type R = InvokeMap[C]['result'];
  const [data, setData] = useState<R | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const req = useRef(request);
  req.current = request;
  const pushed = useRef(0);
  const set = useCallback((value: R) => {
    pushed.current++;
    setData(value);
  }, []);
  useEffect(() => {
    let live = true;
    const asked = pushed.current;
    setLoading(true);
    api.invoke(channel, req.current).then(
      (r) => {
        if (!live) return;
        if (pushed.current !== asked) {
          setLoading(false);
          return;
        }
        setData(r);
        setError(null);
        setLoading(false);
      },
      (err) => {
        if (!live) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [channel, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, set };
}

/** Calls `fn` at most once per `delay` ms, trailing (for refreshing on bursts of events). */
export function useDebounced(fn: () => void, delay: number): () => void {
  const ref = useRef(fn);
  ref.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, delay);
  }, [delay]);
}

// Local-time calendar helpers. Days and months are the user's local calendar (the dashboard, budgets and
// retention all speak in local days), computed with Date so DST days of 23/25 hours come out right.

import type { RangePreset, TimeRange } from '../contract/usage.js';

/** Rollup slot length. Every UTC offset in use is a multiple of 15 minutes, so local midnights fall on slot edges. */
export const SLOT_MS = 15 * 60 * 1000;

export function slotOf(ms: number): number {
  return Math.floor(ms / SLOT_MS) * SLOT_MS;
}

export function ceilSlot(ms: number): number {
  return Math.ceil(ms / SLOT_MS) * SLOT_MS;
}

/** Local midnight at or before `ms`. */
export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Local midnight `n` calendar days after the day containing `ms` (n may be negative). */
export function addLocalDays(ms: number, n: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n).getTime();
}

/** First local midnight at or after `ms`. */
export function ceilLocalDay(ms: number): number {
  const s = startOfLocalDay(ms);
  return s === ms ? s : addLocalDays(ms, 1);
}

export function startOfLocalMonth(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

export function addLocalMonths(ms: number, n: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth() + n, 1).getTime();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 'YYYY-MM-DD' of the local day containing `ms`. */
export function localDayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** 'YYYY-MM' of the local month containing `ms`. */
export function localMonthKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

/** The current process time zone; rollups keyed by local day are rebuilt when it changes. */
export function currentTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export interface LocalDay { start: number; end: number; key: string }

/** The local day containing `ms` as [start, end) plus its key. */
export function localDayOf(ms: number): LocalDay {
  const start = startOfLocalDay(ms);
  return { start, end: addLocalDays(start, 1), key: localDayKey(start) };
}

/**
 * Dashboard presets as whole local days, `to` exclusive at the next midnight:
 *   today = [today 00:00, tomorrow 00:00); 7d = today and the 6 days before; 30d = today and the 29 before.
 * Whole days let the query answer entirely from the daily rollup.
 */
export function rangeFor(preset: RangePreset, now: number = Date.now()): TimeRange {
  const today = startOfLocalDay(now);
  const to = addLocalDays(today, 1);
  switch (preset) {
    case 'today':
      return { from: today, to };
    case '7d':
      return { from: addLocalDays(today, -6), to };
    case '30d':
      return { from: addLocalDays(today, -29), to };
    default:
      throw new Error(`unknown range preset: ${String(preset)}`);
  }
}

/** Every local day key in [from, to), in order (for gap-free charts). */
export function localDaysIn(range: TimeRange): string[] {
  const keys: string[] = [];
  if (!(range.to > range.from)) return keys;
  for (let d = startOfLocalDay(range.from); d < range.to; d = addLocalDays(d, 1)) keys.push(localDayKey(d));
  return keys;
}

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

/** The current process time zone's IANA name (loads ICU's locale data: ~7 MB of RSS; see localDaysFingerprint). */
export function currentTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Prefix of localDaysFingerprint(), so it is never mistaken for a zone name stored by an older build. */
export const FINGERPRINT_PREFIX = 'days:';
const FINGERPRINT_YEARS = [2024, 2030] as const;

/**
 * What the day rollups depend on, computed with Date alone: where every local midnight falls over fixed reference
 * years, as the UTC offset of the first one and each change after it. Two zones with the same fingerprint cut those
 * years into the same days. Used instead of the zone's name because naming it (Intl.DateTimeFormat) loads ICU's
 * locale data, ~7 MB of RSS, into a proxy that otherwise never needs it (README "Performance").
 */
export function localDaysFingerprint(): string {
  const parts: string[] = [];
  let last = Number.NaN;
  const end = new Date(FINGERPRINT_YEARS[1], 0, 1).getTime();
  for (let d = new Date(FINGERPRINT_YEARS[0], 0, 1).getTime(); d < end; d = addLocalDays(d, 1)) {
    const local = new Date(d);
    // Minutes between this local midnight and the UTC midnight of the same calendar date.
    const offset = (Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()) - d) / 60_000;
    if (offset !== last) parts.push(Number.isNaN(last) ? `${offset}` : `${localDayKey(d)}${offset >= 0 ? '+' : ''}${offset}`);
    last = offset;
  }
  return FINGERPRINT_PREFIX + parts.join(',');
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

import type { Currency } from '../../app/contract/settings.js';

// Display helpers. Costs arrive in USD; `money` converts with the user's EUR rate when they show EUR.

export interface CurrencyInfo { currency: Currency; eurPerUsd: number }

export function convert(usd: number, c: CurrencyInfo): number {
  return c.currency === 'EUR' ? usd * c.eurPerUsd : usd;
}

/** Small amounts (a single request costs fractions of a cent) keep two significant digits instead of showing 0.00. */
export function money(usd: number | null, c: CurrencyInfo): string {
  if (usd === null) return 'no price';
  const v = convert(usd, c);
  const abs = Math.abs(v);
  const opts: Intl.NumberFormatOptions = { style: 'currency', currency: c.currency };
  if (abs === 0) Object.assign(opts, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  else if (abs < 0.01) Object.assign(opts, { minimumSignificantDigits: 2, maximumSignificantDigits: 2 });
  else if (abs < 10) Object.assign(opts, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
  else Object.assign(opts, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return new Intl.NumberFormat(undefined, opts).format(v);
}

/** An axis tick, already in the display currency: short ($0, $0.0015, $2.50). */
export function moneyTick(v: number, currency: CurrencyInfo['currency']): string {
  const opts: Intl.NumberFormatOptions = { style: 'currency', currency };
  if (v === 0) Object.assign(opts, { maximumFractionDigits: 0 });
  else if (Math.abs(v) < 0.01) Object.assign(opts, { maximumSignificantDigits: 2 });
  return new Intl.NumberFormat(undefined, opts).format(v);
}

export function usd(v: number): string {
  return money(v, { currency: 'USD', eurPerUsd: 1 });
}

export function int(n: number): string {
  return new Intl.NumberFormat(undefined).format(n);
}

/** 1234567 → "1.2M". */
export function compact(n: number): string {
  return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function percent(fraction: number, digits = 1): string {
  return new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: digits }).format(fraction);
}

export function ms(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

export function clock(t: number): string {
  return new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(t: number): string {
  return new Date(t).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A span of time without repeating what both ends share ("Nov 29, 09:44 – 10:12 AM"; one time when they match). */
export function dateTimeRange(from: number, to: number): string {
  const f = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return to > from ? f.formatRange(new Date(from), new Date(to)) : f.format(new Date(from));
}

/** "2026-08-21" (a local day key) → "Aug 21". */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

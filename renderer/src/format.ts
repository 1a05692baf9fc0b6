import { convert, money, type CurrencyInfo } from '../../app/contract/money.js';

// Display helpers. Amounts go through the contract's money() (the tray uses the same one).

export { convert, money, type CurrencyInfo };

/** An axis tick, already in the display currency: short ($0, $0.0015, $0.012, $2.5, $1,250). */
export function moneyTick(v: number, currency: CurrencyInfo['currency']): string {
  const opts: Intl.NumberFormatOptions = { style: 'currency', currency };
  // Axis ticks are round steps (0.004, 0.008, 0.012…): three significant digits show each as it is, where the
  // currency's two decimals turned 0.012 and 0.016 into "0.01" and "0.02".
  if (v === 0 || Math.abs(v) >= 1000) Object.assign(opts, { maximumFractionDigits: 0 });
  else Object.assign(opts, { maximumSignificantDigits: 3 });
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

import type { Currency } from './settings.js';

// How an amount is shown, in the window and in the tray alike (one rule, so both say the same amount). Costs arrive
// in USD; EUR is converted with the user's rate.

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

import { useEffect, useRef, useState, type RefObject } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { convert, int, money, moneyTick, type CurrencyInfo } from '../../format.js';
import type { ChartPoint } from './hourly.js';

// Cost (bars, left axis) and requests (line, right axis) per day, or the same numbers as a table (for keyboard and
// screen-reader users; the chart itself is one image to them, with no tab stops of its own).

/**
 * Recharts renders its z-index layers through React portals into <g> elements, and React listens for focus events on
 * every portal container; Chromium makes an SVG element with focus listeners a tab stop, so each layer became one (6
 * empty stops per chart). They are taken out of the tab order as they appear; the pointer tooltip is unaffected.
 */
function useNoTabStops<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const fix = () => root.querySelectorAll('svg g:not([tabindex])').forEach((g) => g.setAttribute('tabindex', '-1'));
    fix();
    const observer = new MutationObserver(fix);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  });
  return ref;
}

export function UsageChart({ points, unit, currency }: { points: ChartPoint[]; unit: 'day' | 'hour'; currency: CurrencyInfo }) {
  const [asTable, setAsTable] = useState(false);
  const figure = useNoTabStops<HTMLElement>();
  const data = points.map((p) => ({ day: p.label, cost: convert(p.costUsd, currency), costUsd: p.costUsd, requests: p.requests, errors: p.errors }));
  const span = `${points.length} ${unit}${points.length === 1 ? '' : 's'}`;
  // An all-zero chart (axes, a flat line) says nothing: an empty range says so in words instead.
  if (points.every((p) => p.requests === 0)) {
    return <p className="empty chart-empty">Nothing to chart yet: no requests in this range.</p>;
  }
  const toggle = (
    <button type="button" className="btn small chart-toggle" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
      {asTable ? 'Show chart' : 'Show as table'}
    </button>
  );
  return (
    <div className="chart-wrap">
      {toggle}
      {asTable ? (
        <table className="compact-table chart-table">
          <caption className="sr-only">Cost and requests per {unit}</caption>
          <thead>
            <tr>
              <th scope="col">{unit === 'day' ? 'Day' : 'Hour'}</th>
              <th scope="col" className="num">Requests</th>
              <th scope="col" className="num">Errors</th>
              <th scope="col" className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td className="num">{int(d.requests)}</td>
                <td className="num">{int(d.errors)}</td>
                <td className="num">{money(d.costUsd, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <figure ref={figure} className="chart" aria-label={`Cost and requests per ${unit}, ${span}; use "Show as table" for the numbers`}>
          <ResponsiveContainer width="100%" height={260}>
            <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
              <CartesianGrid stroke="#8884" strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="day" tick={{ fontSize: 12 }} tickLine={false} interval="preserveStartEnd" minTickGap={12} />
              <YAxis
                yAxisId="cost"
                tick={{ fontSize: 12 }}
                tickLine={false}
                axisLine={false}
                width={64}
                tickFormatter={(v: number) => moneyTick(v, currency.currency)}
              />
              <YAxis yAxisId="requests" orientation="right" allowDecimals={false} tick={{ fontSize: 12 }} tickLine={false} axisLine={false} width={40} />
              <Tooltip
                formatter={(value, name, item) => (name === 'Cost' ? money((item.payload as { costUsd: number }).costUsd, currency) : int(Number(value)))}
              />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar yAxisId="cost" dataKey="cost" name="Cost" fill="#6d5bd0" radius={[3, 3, 0, 0]} maxBarSize={36} isAnimationActive={false} />
              <Line yAxisId="requests" dataKey="requests" name="Requests" type="linear" stroke="#e07b39" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
      )}
    </div>
  );
}

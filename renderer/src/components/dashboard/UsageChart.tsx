import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DayBucket } from '../../../../app/contract/usage.js';
import { convert, dayLabel, int, money, moneyTick, type CurrencyInfo } from '../../format.js';

// Cost (bars, left axis) and requests (line, right axis) per day.

export function UsageChart({ days, currency }: { days: DayBucket[]; currency: CurrencyInfo }) {
  const data = days.map((d) => ({ day: dayLabel(d.day), cost: convert(d.costUsd, currency), costUsd: d.costUsd, requests: d.requests, errors: d.errors }));
  return (
    <figure className="chart" aria-label={`Cost and requests per day, ${days.length} day${days.length === 1 ? '' : 's'}`}>
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
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
  );
}

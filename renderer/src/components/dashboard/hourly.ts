import type { DayBucket, LogEntry } from '../../../../app/contract/usage.js';
import { dayLabel } from '../../format.js';

// The chart's points: per day from the usage report, or per local hour for Today (bucketed here from the day's
// rows, which the core already exports; the report itself has no hourly series).

export interface ChartPoint { label: string; costUsd: number; requests: number; errors: number }

export function dayPoints(days: DayBucket[]): ChartPoint[] {
  return days.map((d) => ({ label: dayLabel(d.day), costUsd: d.costUsd, requests: d.requests, errors: d.errors }));
}

const hourLabel = (h: number) => `${String(h).padStart(2, '0')}:00`;

/** 24 local hours of the day that starts at `dayStart`; rows outside it are ignored. */
export function hourPoints(entries: Pick<LogEntry, 'startedAt' | 'costUsd' | 'status' | 'errorType'>[], dayStart: number): ChartPoint[] {
  const points = Array.from({ length: 24 }, (_, h) => ({ label: hourLabel(h), costUsd: 0, requests: 0, errors: 0 }));
  for (const e of entries) {
    const d = new Date(e.startedAt);
    if (e.startedAt < dayStart || d.toDateString() !== new Date(dayStart).toDateString()) continue;
    const p = points[d.getHours()];
    p.requests++;
    if (e.status >= 400 || e.errorType) p.errors++;
    p.costUsd += e.costUsd ?? 0;
  }
  return points;
}

/**
 * @module Time ranges as the time picker shows them: Kibana's quick ranges, labels, absolute
 * input, and time formatting. Times are shown in the browser's time zone. Pure.
 */
import type { TimeSpan } from './state.js';

export const QUICK_RANGES: ReadonlyArray<TimeSpan & { label: string }> = [
  { from: 'now-15m', to: 'now', label: 'Last 15 minutes' },
  { from: 'now-1h', to: 'now', label: 'Last 1 hour' },
  { from: 'now-24h', to: 'now', label: 'Last 24 hours' },
  { from: 'now-7d', to: 'now', label: 'Last 7 days' },
  { from: 'now-30d', to: 'now', label: 'Last 30 days' },
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2024-03-02 14:05:09.123` in local time (dense and sortable, as a log reader expects). */
export function formatTime(ms: number, withMs = true): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** A bound as the picker shows it: date math as written, ISO times formatted locally. */
export function formatBound(bound: string): string {
  if (bound.startsWith('now')) return bound;
  const ms = Date.parse(bound);
  return Number.isNaN(ms) ? bound : formatTime(ms, ms % 1000 !== 0);
}

export function timeLabel(span: TimeSpan): string {
  const quick = QUICK_RANGES.find((q) => q.from === span.from && q.to === span.to);
  return quick ? quick.label : `${formatBound(span.from)} → ${formatBound(span.to)}`;
}

/**
 * What a user typed in the absolute from/to fields: date math passes as is, `2024-03-02 14:05`
 * (local time, seconds optional) and ISO 8601 become ISO UTC. Undefined when it is neither.
 */
export function parseTimeInput(text: string): string | undefined {
  const input = text.trim();
  if (input === '') return undefined;
  if (/^now([+\-/]\d*(ms|[yMwdhHms]))*$/.test(input)) return input;
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(input);
  if (local) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = local;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0')));
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  const ms = Date.parse(input);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** An absolute span from epoch ms (drag-to-zoom, a bucket click). */
export function absoluteSpan(fromMs: number, toMs: number): TimeSpan {
  return { from: new Date(Math.round(fromMs)).toISOString(), to: new Date(Math.round(toMs)).toISOString() };
}

/** A duration for humans: 30 s, 5 min, 3 h, 1 d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}

const TICK_STEPS_MS = [
  1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000,
  7 * 86_400_000, 14 * 86_400_000, 30 * 86_400_000,
];

/**
 * Axis ticks for [fromMs, toMs]: a nice step giving at most `maxTicks`, aligned to local midnight
 * for day steps, with a label format that fits the step.
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks: number): Array<{ ms: number; label: string }> {
  const span = Math.max(1, toMs - fromMs);
  const step = TICK_STEPS_MS.find((s) => span / s <= Math.max(1, maxTicks)) ?? (TICK_STEPS_MS[TICK_STEPS_MS.length - 1] as number);
  const offsetMs = new Date(fromMs).getTimezoneOffset() * 60_000;
  const align = step >= 86_400_000 ? 86_400_000 : step;
  let t = Math.ceil((fromMs - offsetMs) / align) * align + offsetMs;
  const ticks: Array<{ ms: number; label: string }> = [];
  const spansDays = new Date(fromMs).toDateString() !== new Date(toMs).toDateString();
  for (; t <= toMs && ticks.length < 200; t += step) {
    const d = new Date(t);
    const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const label = step >= 86_400_000 ? day : step < 60_000 ? `${hm}:${pad(d.getSeconds())}` : spansDays && d.getHours() === 0 && d.getMinutes() === 0 ? day : hm;
    ticks.push({ ms: t, label });
  }
  return ticks;
}

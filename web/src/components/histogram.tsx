/**
 * @module The count histogram over time, drawn as SVG: bars stacked by rule level in the level
 * colours when the buckets carry a `levels` terms sub-aggregation; hover for a bucket's counts,
 * click a bar to zoom into its bucket, drag across to zoom into the selection. Times and ticks in
 * the chosen time zone.
 */
import { useMemo, useRef, useState } from 'react';
import type { HistogramBucket } from '../api.js';
import { useElementWidth } from '../hooks.js';
import { levelColor } from '../levels.js';
import { formatDuration, formatTime, timeTicks, zoneAbbreviation } from '../time.js';

export interface HistogramProps {
  buckets: readonly HistogramBucket[];
  intervalMs: number;
  /** The query's resolved range (epoch ms); the x axis spans it. */
  range: { from: number; to: number } | null;
  height: number;
  onZoom(fromMs: number, toMs: number): void;
  label: string;
  testId: string;
}

/** The sub-aggregation whose terms stack each bar (a terms on rule.level). */
export const LEVELS_SUB_AGGREGATION = 'levels';

interface Segment {
  level: string | number;
  count: number;
}

/** A bucket's levels, lowest at the bottom; what the sub-aggregation left out is one grey segment. */
function segmentsOf(b: HistogramBucket): Segment[] | undefined {
  const levels = b.aggregations?.[LEVELS_SUB_AGGREGATION];
  if (!levels) return undefined;
  const out = [...levels.buckets].sort((x, y) => Number(x.key) - Number(y.key)).map((t) => ({ level: t.key, count: t.count }));
  const counted = out.reduce((n, t) => n + t.count, 0);
  if (b.count > counted) out.push({ level: 'other', count: b.count - counted });
  return out;
}

const MARGIN = { left: 46, right: 10, top: 8, bottom: 20 };

/** 1, 2, 5 × 10^n: a tick step that gives about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = Math.max(1, max / count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  return Math.max(1, step);
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function Histogram({ buckets, intervalMs, range, height, onZoom, label, testId }: HistogramProps): React.JSX.Element {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const dragRef = useRef<{ x0: number; x1: number } | null>(null);

  const first = buckets[0]?.key_ms ?? 0;
  const last = buckets.length > 0 ? (buckets[buckets.length - 1] as HistogramBucket).key_ms + intervalMs : 1;
  const domain = range ?? { from: first, to: last };
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const span = Math.max(1, domain.to - domain.from);
  const x = (ms: number): number => MARGIN.left + ((ms - domain.from) / span) * plotW;
  const timeAt = (px: number): number => domain.from + ((Math.min(Math.max(px, MARGIN.left), MARGIN.left + plotW) - MARGIN.left) / plotW) * span;

  const max = buckets.reduce((m, b) => Math.max(m, b.count), 0);
  const step = niceStep(max, 4);
  const yMax = Math.max(step, Math.ceil(max / step) * step);
  const y = (count: number): number => MARGIN.top + plotH - (count / yMax) * plotH;
  const yTicks: number[] = [];
  for (let v = 0; v <= yMax; v += step) yTicks.push(v);
  const xTicks = useMemo(() => (width > 0 ? timeTicks(domain.from, domain.to, Math.max(2, Math.floor(plotW / 90))) : []), [domain.from, domain.to, plotW, width]);

  // A bucket ends where the next begins: 23 or 25 hours for a day across a daylight-saving change.
  const endOf = (i: number): number => buckets[i + 1]?.key_ms ?? (buckets[i] as HistogramBucket).key_ms + intervalMs;
  const bars = buckets.map((b, i) => {
    const x0 = Math.max(MARGIN.left, x(b.key_ms));
    const x1 = Math.min(MARGIN.left + plotW, x(endOf(i)));
    return { b, end: endOf(i), x: x0, w: Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0)), segments: segmentsOf(b) };
  });
  const stacked = bars.some((bar) => bar.segments !== undefined);
  const legend = stacked ? [...new Set(bars.flatMap((bar) => (bar.segments ?? []).filter((s) => s.count > 0).map((s) => String(s.level))))].sort((a, b) => Number(a === 'other') - Number(b === 'other') || Number(a) - Number(b)) : [];
  const zone = zoneAbbreviation(domain.from);

  const localX = (e: React.PointerEvent): number => e.clientX - (e.currentTarget as SVGElement).getBoundingClientRect().left;
  const bucketAt = (px: number): number | null => {
    const t = timeAt(px);
    const i = buckets.findIndex((b, k) => t >= b.key_ms && t < endOf(k));
    return i < 0 ? null : i;
  };

  const onDown = (e: React.PointerEvent<SVGRectElement>): void => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const px = localX(e);
    dragRef.current = { x0: px, x1: px };
    setDrag(dragRef.current);
  };
  const onMove = (e: React.PointerEvent<SVGRectElement>): void => {
    const px = localX(e);
    if (dragRef.current) {
      dragRef.current = { ...dragRef.current, x1: px };
      setDrag(dragRef.current);
    }
    setHover(bucketAt(px));
  };
  const onUp = (e: React.PointerEvent<SVGRectElement>): void => {
    const d = dragRef.current;
    dragRef.current = null;
    setDrag(null);
    if (!d) return;
    if (Math.abs(d.x1 - d.x0) >= 4) {
      onZoom(timeAt(Math.min(d.x0, d.x1)), timeAt(Math.max(d.x0, d.x1)));
    } else {
      const i = bucketAt(localX(e));
      const b = i === null ? undefined : buckets[i];
      if (b && b.count > 0 && i !== null) onZoom(b.key_ms, endOf(i) - 1);
    }
  };

  const hovered = hover === null ? undefined : bars[hover];
  const total = buckets.reduce((n, b) => n + b.count, 0);
  return (
    <div className="histogram" ref={ref} data-testid={testId} data-buckets={buckets.length} data-total={total} data-interval-ms={intervalMs} data-stacked={String(stacked)}>
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label={`${label}: ${total.toLocaleString('en-US')} alerts in ${buckets.length} buckets of ${formatDuration(intervalMs)}. Drag across to zoom in.`}>
          {yTicks.map((v) => (
            <g key={v}>
              <line x1={MARGIN.left} x2={MARGIN.left + plotW} y1={y(v)} y2={y(v)} className="grid" />
              <text x={MARGIN.left - 6} y={y(v)} dy="0.32em" textAnchor="end" className="axis-label">
                {compact.format(v)}
              </text>
            </g>
          ))}
          {bars.map(({ b, x: bx, w, segments }, i) =>
            segments ? (
              <g key={b.key_ms} className={`bar-stack${hover === i ? ' hover' : ''}`} data-key={b.key_ms} data-count={b.count}>
                {segments.reduce<{ below: number; rects: React.JSX.Element[] }>(
                  (acc, s) => {
                    const top = y(acc.below + s.count);
                    const height = Math.max(0, y(acc.below) - top);
                    acc.rects.push(<rect key={String(s.level)} x={bx} y={top} width={w} height={height} fill={s.level === 'other' ? '#c5ccd6' : levelColor(s.level)} className="bar-segment" data-level={s.level} data-count={s.count} />);
                    acc.below += s.count;
                    return acc;
                  },
                  { below: 0, rects: [] },
                ).rects}
              </g>
            ) : (
              <rect key={b.key_ms} x={bx} y={y(b.count)} width={w} height={Math.max(0, MARGIN.top + plotH - y(b.count))} className={`bar${hover === i ? ' hover' : ''}`} data-key={b.key_ms} data-count={b.count} />
            ),
          )}
          <line x1={MARGIN.left} x2={MARGIN.left + plotW} y1={MARGIN.top + plotH} y2={MARGIN.top + plotH} className="axis" />
          {xTicks.map((t) => (
            <g key={t.ms}>
              <line x1={x(t.ms)} x2={x(t.ms)} y1={MARGIN.top + plotH} y2={MARGIN.top + plotH + 4} className="axis" />
              <text x={x(t.ms)} y={MARGIN.top + plotH + 15} textAnchor="middle" className="axis-label">
                {t.label}
              </text>
            </g>
          ))}
          {drag && Math.abs(drag.x1 - drag.x0) >= 2 && (
            <rect x={Math.max(MARGIN.left, Math.min(drag.x0, drag.x1))} y={MARGIN.top} width={Math.min(Math.abs(drag.x1 - drag.x0), plotW)} height={plotH} className="selection" />
          )}
          <rect
            x={MARGIN.left}
            y={MARGIN.top}
            width={plotW}
            height={plotH}
            className="overlay"
            data-testid={`${testId}-overlay`}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerCancel={() => {
              dragRef.current = null;
              setDrag(null);
            }}
            onPointerLeave={() => setHover(null)}
          />
        </svg>
      )}
      <div className="histogram-footer">
        {legend.length > 0 && (
          <ul className="histogram-legend" aria-label="Rule levels" data-testid={`${testId}-legend`}>
            {legend.map((level) => (
              <li key={level}>
                <span className="swatch" style={{ background: level === 'other' ? '#c5ccd6' : levelColor(level) }} aria-hidden="true" />
                {level === 'other' ? 'other' : level}
              </li>
            ))}
          </ul>
        )}
        <span className="histogram-zone muted" data-testid={`${testId}-zone`}>
          Times in {zone}
        </span>
      </div>
      {hovered && !drag && (
        <div className="chart-tooltip" style={{ left: Math.min(hovered.x + hovered.w / 2, Math.max(0, width - 170)), top: 0 }}>
          <div data-testid={`${testId}-tooltip-time`}>
            {formatTime(hovered.b.key_ms, false)} {zoneAbbreviation(hovered.b.key_ms)}
          </div>
          <div>
            <strong>{hovered.b.count.toLocaleString('en-US')}</strong> alerts in {formatDuration(hovered.end - hovered.b.key_ms)}
          </div>
          {hovered.segments && hovered.segments.filter((s) => s.count > 0).length > 0 && (
            <ul className="chart-tooltip-levels">
              {[...hovered.segments].reverse().filter((s) => s.count > 0).map((s) => (
                <li key={String(s.level)}>
                  <span className="swatch" style={{ background: s.level === 'other' ? '#c5ccd6' : levelColor(s.level) }} aria-hidden="true" />
                  {s.level === 'other' ? 'other levels' : `level ${s.level}`}: {s.count.toLocaleString('en-US')}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

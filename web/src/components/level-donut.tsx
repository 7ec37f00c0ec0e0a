/** @module The rule level breakdown: a donut of levels in the shared level colours, with a legend; slices and legend rows filter. */
import { useState } from 'react';
import type { TermsBucket } from '../api.js';
import { formatShare } from '../format.js';
import { levelBand, levelColor, levelName, levelTextColor } from '../levels.js';

const pct = { format: formatShare };

function arc(cx: number, cy: number, r0: number, r1: number, a0: number, a1: number): string {
  // A whole ring (one level, 100 %): two circles in one path, filled even-odd, so that no edge
  // crosses the ring (two half-ring slices showed anti-aliased seams where they met).
  if (a1 - a0 >= Math.PI * 2 - 1e-6) {
    const circle = (r: number): string => `M ${cx} ${cy - r} A ${r} ${r} 0 1 1 ${cx} ${cy + r} A ${r} ${r} 0 1 1 ${cx} ${cy - r} Z`;
    return `${circle(r1)} ${circle(r0)}`;
  }
  const p = (r: number, a: number): string => `${(cx + r * Math.sin(a)).toFixed(2)} ${(cy - r * Math.cos(a)).toFixed(2)}`;
  const large = a1 - a0 > Math.PI ? 1 : 0;
  return `M ${p(r1, a0)} A ${r1} ${r1} 0 ${large} 1 ${p(r1, a1)} L ${p(r0, a1)} A ${r0} ${r0} 0 ${large} 0 ${p(r0, a0)} Z`;
}

export function LevelDonut({ buckets, onFilter }: { buckets: readonly TermsBucket[]; onFilter(level: string | number, negate: boolean): void }): React.JSX.Element {
  const [hover, setHover] = useState<string | null>(null);
  // Highest level first: what matters most leads the legend.
  const levels = [...buckets].sort((a, b) => Number(b.key) - Number(a.key));
  const total = levels.reduce((n, b) => n + b.count, 0);
  if (total === 0) return <div className="empty">No alerts match.</div>;
  const size = 168;
  const c = size / 2;
  let angle = 0;
  const slices = [...levels].reverse().map((b) => {
    const a0 = angle;
    angle += (b.count / total) * Math.PI * 2;
    // The middle of the slice's ring, where a click surely lands on it (its box's centre may not).
    const mid = (a0 + angle) / 2;
    const r = (c * 0.56 + c - 2) / 2;
    return { b, path: arc(c, c, c * 0.56, c - 2, a0, angle), mx: c + r * Math.sin(mid), my: c - r * Math.cos(mid) };
  });
  const focused = hover === null ? undefined : levels.find((b) => String(b.key) === hover);
  return (
    <div className="donut-panel" data-testid="level-breakdown">
      <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} role="img" aria-label="Alerts by rule level" className="donut">
        {slices.map(({ b, path, mx, my }) => (
          <path
            key={String(b.key)}
            d={path}
            fill={levelColor(b.key)}
            fillRule="evenodd"
            className={`slice${hover === String(b.key) ? ' hover' : ''}`}
            data-testid="level-slice"
            data-key={String(b.key)}
            data-count={b.count}
            data-mid={`${mx.toFixed(1)},${my.toFixed(1)}`}
            onClick={() => onFilter(b.key, false)}
            onMouseEnter={() => setHover(String(b.key))}
            onMouseLeave={() => setHover(null)}
          >
            <title>{`Level ${String(b.key)}: ${b.count.toLocaleString('en-US')} (${pct.format(b.count / total)})`}</title>
          </path>
        ))}
        <text x={c} y={c - 4} textAnchor="middle" className="donut-total">
          {focused ? focused.count.toLocaleString('en-US') : total.toLocaleString('en-US')}
        </text>
        <text x={c} y={c + 14} textAnchor="middle" className="donut-caption">
          {focused ? `level ${String(focused.key)}` : 'alerts'}
        </text>
      </svg>
      <ol className="level-legend">
        {levels.map((b) => (
          <li key={String(b.key)} data-key={String(b.key)} data-count={b.count} className={hover === String(b.key) ? 'hover' : ''} onMouseEnter={() => setHover(String(b.key))} onMouseLeave={() => setHover(null)}>
            <button type="button" className="legend-main" title={`Filter on rule.level: ${String(b.key)}`} onClick={() => onFilter(b.key, false)}>
              <span className="level-badge" style={{ background: levelColor(b.key), color: levelTextColor(b.key) }}>
                {String(b.key)}
              </span>
              <span className="legend-band" title={levelBand(b.key)?.name ?? ''}>{levelName(b.key)}</span>
              <span className="legend-count">{b.count.toLocaleString('en-US')}</span>
              <span className="legend-share">{pct.format(b.count / total)}</span>
            </button>
            <button type="button" className="icon-button bar-out" aria-label={`Filter out rule.level: ${String(b.key)}`} title="Filter out" onClick={() => onFilter(b.key, true)}>
              −
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** @module The histogram's interval choice (auto or fixed, as Kibana's), kept in the URL, and the stacked histogram request. */
import type { AggregationSpec } from '../api.js';
import { HISTOGRAM_INTERVALS, type CalendarInterval } from '../time.js';
import { useView } from '../view-context.js';
import { LEVELS_SUB_AGGREGATION } from './histogram.js';

/** A date_histogram with each bucket's rule levels counted, for bars stacked by level (16 levels: 0–15). */
export function stackedHistogram(interval: { ms: number | 'auto'; calendar?: CalendarInterval }): AggregationSpec {
  const levels = { [LEVELS_SUB_AGGREGATION]: { type: 'terms' as const, field: 'rule.level', size: 16 } };
  return interval.calendar ? { type: 'date_histogram', calendar_interval: interval.calendar, aggregations: levels } : { type: 'date_histogram', interval_ms: interval.ms, aggregations: levels };
}

export function IntervalSelect({ scaled, testId }: { scaled: boolean; testId: string }): React.JSX.Element {
  const { state, update } = useView();
  return (
    <span className="interval-select">
      <label>
        Interval{' '}
        <select value={HISTOGRAM_INTERVALS.some((i) => i.key === state.interval) ? state.interval : 'auto'} data-testid={testId} onChange={(e) => update((s) => ({ ...s, interval: e.target.value }))}>
          {HISTOGRAM_INTERVALS.map((i) => (
            <option key={i.key} value={i.key}>
              {i.label}
            </option>
          ))}
        </select>
      </label>
      {scaled && (
        <span className="muted" data-testid={`${testId}-scaled`}>
          {' '}
          (too many bars: scaled up)
        </span>
      )}
    </span>
  );
}

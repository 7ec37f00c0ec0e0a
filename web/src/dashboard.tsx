/**
 * @module The HIDS Alerts dashboard, as in the blog: alerts over time, the top 20 alert types
 * (rule.comment), the rule level breakdown, the top 10 rule ids and the top 10 source IPs, with
 * alert, severe-alert and host counts. One request fetches every panel; clicking a bar, slice or
 * row adds a pill that narrows the whole dashboard.
 */
import { api, type AggregationResult, type SearchBody, type SearchResponse, type TermsBucket } from './api.js';
import { BarList } from './components/bar-list.js';
import { PanelCsvButton } from './components/export-button.js';
import { Histogram } from './components/histogram.js';
import { LevelDonut } from './components/level-donut.js';
import { QueryError } from './components/query-error.js';
import { activeFiltersDsl } from './filters.js';
import { useLastDefined, useLiveQuery, useReadyMark } from './hooks.js';
import { absoluteSpan, displayTimeZone, formatTime, histogramInterval, intervalLabel, zoneAbbreviation } from './time.js';
import { IntervalSelect, stackedHistogram } from './components/interval-select.js';
import { useView } from './view-context.js';

export const DASHBOARD_AGGREGATIONS = {
  over_time: { type: 'date_histogram', interval_ms: 'auto' },
  types: { type: 'terms', field: 'rule.comment', size: 20 },
  levels: { type: 'terms', field: 'rule.level', size: 16 },
  rule_ids: { type: 'terms', field: 'rule.sidid', size: 10 },
  source_ips: { type: 'terms', field: 'srcip', size: 10 },
  hosts: { type: 'cardinality', field: '@log_stream' },
} as const satisfies SearchBody['aggregations'];

function terms(result: AggregationResult | undefined): TermsBucket[] {
  return result?.type === 'terms' ? result.buckets : [];
}

/** A panel's aggregation as CSV rows: a header and one row per bucket. */
interface PanelCsv {
  header: readonly string[];
  rows: ReadonlyArray<readonly unknown[]>;
}

function termsCsv(field: string, buckets: readonly TermsBucket[]): PanelCsv {
  return { header: [field, 'count'], rows: buckets.map((b) => [b.key, b.count]) };
}

function Panel({ title, subtitle, testId, children, className = '', csv }: { title: string; subtitle?: string; testId: string; children: React.ReactNode; className?: string; csv?: PanelCsv }): React.JSX.Element {
  return (
    <section className={`panel ${className}`} data-testid={testId} aria-label={title}>
      <header className="panel-header">
        <h2>{title}</h2>
        {subtitle && <span className="panel-subtitle">{subtitle}</span>}
        {csv && <PanelCsvButton title={title} header={csv.header} rows={csv.rows} testId={`${testId}-csv`} />}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

function Metric({ label, value, testId, tone }: { label: string; value: number | undefined; testId: string; tone?: string }): React.JSX.Element {
  return (
    <div className={`metric${tone ? ` ${tone}` : ''}`} data-testid={testId} data-value={value ?? ''}>
      <div className="metric-value">{value === undefined ? '–' : value.toLocaleString('en-US')}</div>
      <div className="metric-label">{label}</div>
    </div>
  );
}

export function Dashboard(): React.JSX.Element {
  const view = useView();
  const { state } = view;
  const interval = histogramInterval(state.interval, state.time);
  const body: SearchBody = {
    query: state.query,
    filters: activeFiltersDsl(state.filters),
    from: state.time.from,
    to: state.time.to,
    time_zone: displayTimeZone(),
    size: 0,
    // Alerts over time stacked by level, as Discover's histogram.
    aggregations: { ...DASHBOARD_AGGREGATIONS, over_time: stackedHistogram(interval) },
  };
  const key = JSON.stringify(body);
  const live = useLiveQuery<SearchResponse>(key, (signal) => api.search(body, signal), state.refreshMs, view.nonce, view.authLost);
  useReadyMark('hidsmon:dashboard:ready', live.data !== undefined);
  const shown = useLastDefined(live.data);
  const failed = live.error && (live.error.kind === 'syntax' || live.error.kind === 'query' || live.error.kind === 'request');
  const data = failed ? undefined : shown;

  const aggs = data?.aggregations ?? {};
  const overTime = aggs['over_time'];
  const levels = terms(aggs['levels']);
  const hosts = aggs['hosts'];
  const severe = levels.filter((b) => Number(b.key) >= 10).reduce((n, b) => n + b.count, 0);
  const total = data?.total ?? 0;
  const filterOn = (field: string) => (value: string | number, negate: boolean) => view.filter(field, value, negate);

  return (
    <main className={`dashboard${live.loading ? ' loading' : ''}`} data-testid="dashboard" data-ready={String(live.ready && !!live.data)} aria-busy={live.loading}>
      {live.loading && <div className="progress" aria-hidden="true" />}
      {live.error && <QueryError error={live.error} query={state.query} />}
      {failed ? (
        <div className="empty big">Fix the query to see the dashboard.</div>
      ) : (
        <div className="dashboard-grid">
          <div className="metrics">
            <Metric label="Alerts" value={data?.total} testId="metric-total" />
            <Metric label="Level 10 and above" value={data ? severe : undefined} testId="metric-severe" tone="severe" />
            <Metric label="Hosts" value={hosts?.type === 'cardinality' ? hosts.value : undefined} testId="metric-hosts" />
          </div>
          <Panel
            title="Alerts over time"
            subtitle={overTime?.type === 'date_histogram' ? `per ${intervalLabel(overTime)}${data?.time_range ? ` · ${formatTime(data.time_range.from, false)} → ${formatTime(data.time_range.to, false)} ${zoneAbbreviation(data.time_range.from)}` : ''}` : undefined}
            testId="panel-over-time"
            className="wide"
            csv={{ header: ['time', 'count'], rows: overTime?.type === 'date_histogram' ? overTime.buckets.map((b) => [new Date(b.key_ms).toISOString(), b.count]) : [] }}
          >
            <div className="panel-tools">
              <IntervalSelect scaled={interval.scaled} testId="dashboard-interval" />
            </div>
            {overTime?.type === 'date_histogram' && (
              <Histogram
                buckets={overTime.buckets}
                intervalMs={overTime.interval_ms}
                range={data?.time_range ?? null}
                height={150}
                label="Alerts over time"
                testId="dashboard-histogram"
                onZoom={(from, to) => view.update((s) => ({ ...s, time: absoluteSpan(from, to) }))}
              />
            )}
          </Panel>
          <Panel title="Top 20 alert types" subtitle="rule.comment" testId="panel-types" className="types" csv={termsCsv('rule.comment', terms(aggs['types']))}>
            <BarList
              items={terms(aggs['types']).map((b) => ({ key: b.key, label: String(b.key), count: b.count }))}
              total={total}
              field="rule.comment"
              testId="top-types"
              onFilter={filterOn('rule.comment')}
            />
          </Panel>
          <Panel title="Rule level breakdown" subtitle="rule.level" testId="panel-levels" className="levels" csv={termsCsv('rule.level', levels)}>
            <LevelDonut buckets={levels} onFilter={filterOn('rule.level')} />
          </Panel>
          <Panel title="Top 10 rule ids" subtitle="rule.sidid" testId="panel-rule-ids" className="half" csv={termsCsv('rule.sidid', terms(aggs['rule_ids']))}>
            <BarList items={terms(aggs['rule_ids']).map((b) => ({ key: b.key, label: String(b.key), count: b.count }))} total={total} field="rule.sidid" testId="top-rule-ids" onFilter={filterOn('rule.sidid')} />
          </Panel>
          <Panel title="Top 10 source IPs" subtitle="srcip" testId="panel-source-ips" className="half" csv={termsCsv('srcip', terms(aggs['source_ips']))}>
            <BarList
              items={terms(aggs['source_ips']).map((b) => ({ key: b.key, label: String(b.key), count: b.count }))}
              total={total}
              field="srcip"
              testId="top-source-ips"
              onFilter={filterOn('srcip')}
              empty="No alerts with a source IP match."
            />
          </Panel>
        </div>
      )}
    </main>
  );
}

import { describe, expect, it } from 'vitest';
import { serverMetrics } from './metrics.js';

describe('server metrics (prom-client)', () => {
  it('renders hidsmon counters, gauges and the query histogram with escaped labels, plus Node default metrics', async () => {
    const metrics = serverMetrics();
    metrics.eventsIn.inc(3);
    metrics.eventsIn.inc(2);
    metrics.rejected.inc(1, { reason: 'a"b\\c\nd' });
    metrics.queryLatency.observe(0.02, { route: 'search' });
    metrics.registry.gauge('hidsmon_test_lag_events', 'A gauge read at scrape time.', () => [[{ destination: 'embedded' }, 7]], ['destination']);
    const text = await metrics.registry.render();
    expect(text).toMatch(/^hidsmon_ingest_events_total 5$/m);
    expect(text).toContain('hidsmon_ingest_rejected_total{reason="a\\"b\\\\c\\nd"} 1');
    expect(text).toMatch(/^hidsmon_query_duration_seconds_bucket\{le="0.025",route="search"\} 1$/m);
    expect(text).toMatch(/^hidsmon_query_duration_seconds_count\{route="search"\} 1$/m);
    expect(text).toMatch(/^hidsmon_test_lag_events\{destination="embedded"\} 7$/m);
    for (const name of ['nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) expect(text).toContain(`# TYPE ${name} `);
    expect(metrics.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('gives each server its own registry: two catalogs side by side count apart', async () => {
    const a = serverMetrics();
    const b = serverMetrics();
    a.eventsIn.inc(4);
    expect(await b.registry.render()).toMatch(/^hidsmon_ingest_events_total 0$/m);
    expect(await a.registry.render()).toMatch(/^hidsmon_ingest_events_total 4$/m);
  });

  it('refuses a label outside the declared set, so cardinality is decided in the catalog', () => {
    expect(() => serverMetrics().rejected.inc(1, { host: 'x' })).toThrow(/label/);
  });
});

/**
 * @module hidsmon's Prometheus metrics through prom-client: one registry per server (never the
 * global one, so a process can run several), Node's default metrics (process, GC, event-loop lag:
 * the lag shows any stall of the event loop), and a catalog of hidsmon's own metrics behind a
 * small interface (`inc(amount, labels)`, `observe(value, labels)`, read-at-scrape gauges).
 */
import { collectDefaultMetrics, Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';

type Labels = Record<string, string>;

/** A counter with a fixed set of label names (a label outside it throws: cardinality is decided here). */
export class Counter {
  constructor(private readonly metric: PromCounter) {}
  inc(amount = 1, labels: Labels = {}): void {
    this.metric.inc(labels, amount);
  }
}

export class Histogram {
  constructor(private readonly metric: PromHistogram) {}
  observe(value: number, labels: Labels = {}): void {
    this.metric.observe(labels, value);
  }
}

export class Registry {
  /** The prom-client registry, for what this interface does not cover. */
  readonly prom = new PromRegistry();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return new Counter(new PromCounter({ name, help, labelNames, registers: [this.prom] }));
  }

  /** A gauge read when scraped: one value, or one per label set. */
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>, labelNames: readonly string[] = []): void {
    new PromGauge({
      name,
      help,
      labelNames,
      registers: [this.prom],
      collect() {
        this.reset();
        const value = read();
        if (typeof value === 'number') this.set(value);
        else for (const [labels, v] of value) this.set(labels, v);
      },
    });
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return new Histogram(new PromHistogram({ name, help, buckets: [...buckets], labelNames, registers: [this.prom] }));
  }

  /** The Prometheus text exposition; send it with `contentType`. */
  render(): Promise<string> {
    return this.prom.metrics();
  }

  /** prom-client's content type for the text format. */
  get contentType(): string {
    return this.prom.contentType;
  }
}

/** hidsmon's metrics, one catalog, so that names, help texts and label names stay in one place. */
export function serverMetrics(registry = new Registry()) {
  // Process (CPU, memory, file descriptors), heap, GC durations and event-loop lag, on this registry only.
  collectDefaultMetrics({ register: registry.prom });
  return {
    registry,
    eventsIn: registry.counter('hidsmon_ingest_events_total', 'Log events accepted by PutLogEvents.'),
    bytesIn: registry.counter('hidsmon_ingest_bytes_total', 'Message bytes accepted by PutLogEvents (UTF-8, without the 26-byte overhead).'),
    rejected: registry.counter('hidsmon_ingest_rejected_total', 'Requests and events refused, by reason.', ['reason']),
    throttled: registry.counter('hidsmon_ingest_throttled_total', 'PutLogEvents requests answered ThrottlingException because indexing is behind, by reason (lag_seconds, lag_events).', ['reason']),
    requests: registry.counter('hidsmon_http_requests_total', 'HTTP requests, by API and status class.', ['api', 'status']),
    forwarded: registry.counter('hidsmon_forwarder_documents_total', 'Documents the forwarder wrote, by destination.', ['destination']),
    sinkErrors: registry.counter('hidsmon_sink_errors_total', 'Failed sink writes (retried), by destination.', ['destination']),
    duplicates: registry.counter('hidsmon_forwarder_duplicates_total', 'Documents a destination already held (an event delivered twice), collapsed into one, by destination.', ['destination']),
    deadLetters: registry.counter('hidsmon_dead_letters_total', 'Events moved to the dead-letter store, by destination.', ['destination']),
    forwarderRestarts: registry.counter('hidsmon_forwarder_restarts_total', 'Restarts of a destination\'s forwarder loop after an error, by destination.', ['destination']),
    auditDropped: registry.counter('hidsmon_audit_dropped_total', 'Audit log entries lost (buffer full, store closed or failing), by reason.', ['reason']),
    auditWriteErrors: registry.counter('hidsmon_audit_write_errors_total', 'Audit log commits that failed (their entries are retried).'),
    queryLatency: registry.histogram('hidsmon_query_duration_seconds', 'Query API latency, by route.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], ['route']),
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;

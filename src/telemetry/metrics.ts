/**
 * @module A small Prometheus registry: counters, gauges and histograms with fixed label sets,
 * rendered in the text exposition format for `/metrics`.
 */

type Labels = Record<string, string>;

const key = (labels: Labels): string => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
const render = (labels: Labels): string => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`;
};

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(amount = 1, labels: Labels = {}): void {
    const k = key(labels);
    const entry = this.values.get(k);
    if (entry) entry.value += amount;
    else this.values.set(k, { labels, value: amount });
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${render(labels)} ${value}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  constructor(readonly name: string, readonly help: string, private readonly read: () => number | Array<[Labels, number]>) {}
  lines(): string[] {
    const value = this.read();
    return typeof value === 'number' ? [`${this.name} ${value}`] : value.map(([labels, v]) => `${this.name}${render(labels)} ${v}`);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) (s.counts[i] as number)++;
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${render({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${render({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${render(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${render(s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>): Gauge {
    return this.add(new Gauge(name, help, read));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  /** The Prometheus text format (version 0.0.4). */
  render(): string {
    return `${this.metrics.map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()].join('\n')).join('\n')}\n`;
  }
}

/** hidsmon's metrics, one catalog, so that names and help texts stay in one place. */
export function serverMetrics(registry = new Registry()) {
  return {
    registry,
    eventsIn: registry.counter('hidsmon_ingest_events_total', 'Log events accepted by PutLogEvents.'),
    bytesIn: registry.counter('hidsmon_ingest_bytes_total', 'Message bytes accepted by PutLogEvents (UTF-8, without the 26-byte overhead).'),
    rejected: registry.counter('hidsmon_ingest_rejected_total', 'Requests and events refused, by reason.'),
    requests: registry.counter('hidsmon_http_requests_total', 'HTTP requests, by API and status class.'),
    forwarded: registry.counter('hidsmon_forwarder_documents_total', 'Documents the forwarder wrote, by destination.'),
    sinkErrors: registry.counter('hidsmon_sink_errors_total', 'Failed sink writes (retried), by destination.'),
    deadLetters: registry.counter('hidsmon_dead_letters_total', 'Events moved to the dead-letter store, by destination.'),
    queryLatency: registry.histogram('hidsmon_query_duration_seconds', 'Query API latency.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;

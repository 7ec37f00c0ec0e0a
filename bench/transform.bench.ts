/**
 * @module Forwarder transform throughput: a CloudWatch Logs subscription delivery of 10,000
 * simulated alerts through decode → parse → normalize → document, per alert format, side by side
 * with the blog's Lambda transform (JSON from the first `{`, `@` fields added, nothing else).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cloudWatchEventId } from '../src/core/ids.js';
import { indexNameForTime } from '../src/core/time.js';
import { ALERT_FORMATS, type AlertFormat } from '../src/core/document.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { transformSubscriptionEvent } from '../src/transforms/transform-subscription.js';
import { median, timeRuns, type Row, type SuiteResult } from './harness.js';

const EVENTS = 10_000;
const GOAL_EVENTS_PER_SEC = 150_000;

interface Delivery {
  event: { awslogs: { data: string } };
  messageBytes: number;
  payloadBytes: number;
  compressedBytes: number;
}

function makeDelivery(format: AlertFormat): Delivery {
  const sim = new FleetSimulator({ hosts: 1, seed: 42, ratePerSec: 50, startMs: Date.UTC(2024, 2, 2), scenarios: ['ssh-brute-force', 'port-scan'] });
  const logEvents = Array.from({ length: EVENTS }, (_, i) => {
    const alert = sim.next();
    return { id: cloudWatchEventId(alert.timeMs, i), timestamp: alert.timeMs, message: renderAlert(alert, format).trimEnd() };
  });
  const payload = JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: 'hids-alerts', logStream: sim.hosts[0]!.instanceId, subscriptionFilters: ['bench'], logEvents });
  const compressed = gzipSync(payload);
  return {
    event: { awslogs: { data: compressed.toString('base64') } },
    messageBytes: logEvents.reduce((n, e) => n + Buffer.byteLength(e.message), 0),
    payloadBytes: Buffer.byteLength(payload),
    compressedBytes: compressed.length,
  };
}

/** What the blog's Lambda does per delivery, for comparison: no validation, no normalization, no dedup ids. */
function blogLambdaTransform(event: { awslogs: { data: string } }): unknown[] {
  const payload = JSON.parse(gunzip(event.awslogs.data));
  const docs: unknown[] = [];
  for (const e of payload.logEvents) {
    const source = JSON.parse(e.message.slice(e.message.indexOf('{')));
    source['@id'] = e.id;
    source['@timestamp'] = new Date(e.timestamp).toISOString();
    source['@message'] = e.message;
    source['@owner'] = payload.owner;
    source['@log_group'] = payload.logGroup;
    source['@log_stream'] = payload.logStream;
    docs.push({ index: indexNameForTime(e.timestamp), id: e.id, document: source });
  }
  return docs;
}

function gunzip(data: string): string {
  return gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
}

/** Node flags the forwarder runs with (bin/hidsmon.js): a young generation that holds a 6 MB delivery. */
export const FORWARDER_NODE_FLAGS = ['--min-semi-space-size=16'];

/** Runs in a child process, so that each set of V8 flags is measured in a fresh heap. */
export function measureTransforms(flagsLabel: string): Row[] {
  const rows: Row[] = [];
  for (const format of ALERT_FORMATS) {
    const delivery = makeDelivery(format);
    const check = transformSubscriptionEvent(delivery.event);
    if (!check.ok || check.value.documents.length !== EVENTS || check.value.documents.some((d) => d.document.hidsmon.flags?.includes('not_an_alert'))) {
      throw new Error(`The ${format} delivery did not transform cleanly.`);
    }
    const candidates: Array<[string, () => void]> = [['hidsmon transform', () => void transformSubscriptionEvent(delivery.event)]];
    if (format !== 'alerts-log') candidates.push(['blog Lambda (baseline)', () => void blogLambdaTransform(delivery.event)]);
    // Interleave the candidates so that both see the same machine noise.
    const times = new Map<string, number[]>(candidates.map(([name]) => [name, []]));
    for (let round = 0; round < 5; round++) {
      for (const [name, fn] of candidates) times.get(name)!.push(...timeRuns(fn, { warmup: round === 0 ? 3 : 0, minRuns: 4, minMs: 300 }));
    }
    const ours = median(times.get('hidsmon transform')!);
    for (const [name] of candidates) {
      const ms = median(times.get(name)!);
      rows.push({
        'node flags': flagsLabel,
        format,
        transform: name,
        'ms/delivery': ms,
        'events/s': Math.round((EVENTS / ms) * 1000),
        'message MB/s': (delivery.messageBytes / 1e6 / ms) * 1000,
        'payload MB/s': (delivery.payloadBytes / 1e6 / ms) * 1000,
        'time vs hidsmon': `${(ms / ours).toFixed(2)}x`,
        'gzip KB': Math.round(delivery.compressedBytes / 1024),
      });
    }
  }
  return rows;
}

export function runTransformBench(): SuiteResult {
  const worker = fileURLToPath(new URL('./transform.worker.js', import.meta.url));
  const rows: Row[] = [];
  for (const [label, flags] of [['defaults', []], [FORWARDER_NODE_FLAGS.join(' '), FORWARDER_NODE_FLAGS]] as const) {
    const child = spawnSync(process.execPath, [...flags, worker, label], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`The transform bench worker failed:\n${child.stderr}`);
    rows.push(...(JSON.parse(child.stdout) as Row[]));
  }
  const tuned = rows.find((r) => r['node flags'] !== 'defaults' && r['format'] === 'ossec-json' && r['transform'] === 'hidsmon transform');
  const rate = Number(tuned?.['events/s'] ?? 0);
  return {
    suite: 'transform',
    description: `Subscription deliveries of ${EVENTS.toLocaleString('en-US')} simulated alerts (2 scenarios on), decoded and transformed in one thread; median of interleaved runs; each flag set in its own process. MB/s counts alert message bytes and, separately, the uncompressed payload JSON.`,
    rows,
    goals: [{ goal: `≥ ${GOAL_EVENTS_PER_SEC.toLocaleString('en-US')} events/s on one core (ossec-json, forwarder flags)`, met: rate >= GOAL_EVENTS_PER_SEC, measured: `${rate.toLocaleString('en-US')} events/s` }],
  };
}

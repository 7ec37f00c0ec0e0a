/**
 * @module `npm run bench -- lambda`: the Lambda forwarder on a 10,000-event CloudWatch Logs
 * delivery, side by side in one run with the blog's function logic (bench/blog-lambda.ts, a
 * re-implementation for comparison only). Measured: transform-to-bulk-body time with no network
 * (hidsmon: decode → parse → normalize → document ids → `_bulk` `create` bodies under the payload
 * cap, as the sink builds them; the blog: decode → JSON from the first `{` → `@` fields → one
 * `index` NDJSON body), interleaved in one process; and memory, each candidate alone in a fresh
 * process (peak RSS growth, and the heap still held once the bodies are sent). With OpenSearch reachable
 * ($HIDSMON_BENCH_OPENSEARCH_URL, default http://127.0.0.1:9200) also the handler's whole
 * invocation against it, events/s.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AlertFormat } from '../src/core/document.js';
import { createSubscriptionHandler, DEFAULT_SLICE_BYTES, eventSlices } from '../src/apps/lambda/handler.js';
import { createEntryMaker } from '../src/apps/lambda/entries.js';
import { bulkBody, chunkByBytes, type BulkEntry } from '../src/sinks/opensearch/bulk.js';
import { openSearchClient } from '../src/sinks/opensearch/connection.js';
import { indexTemplateName } from '../src/sinks/opensearch/index-template.js';
import { DEFAULT_MAX_BULK_BYTES, OpenSearchSink } from '../src/sinks/opensearch/sink.js';
import { simulatedLogEvents, subscriptionEvent, type SubscriptionEvent } from '../src/testing/subscription-events.js';
import { decodeSubscriptionEvent, transformPayload } from '../src/transforms/transform-subscription.js';
import { blogLambdaBulkBody } from './blog-lambda.js';
import { exactFloorBulkBody } from './exact-floor.js';
import { median, timeRuns, type Row, type SuiteResult } from './harness.js';

export const LAMBDA_BENCH_EVENTS = 10_000;
const GOAL_SPEEDUP = 1.5;

/** The delivery every candidate gets: simulated alerts of one host, two attack scenarios on. */
export function benchDelivery(format: AlertFormat = 'ossec-json', events = LAMBDA_BENCH_EVENTS): SubscriptionEvent {
  return subscriptionEvent(simulatedLogEvents(events, { format, seed: 42 }), { logGroup: 'hids-alerts', logStream: 'i-0bench00000000001' });
}

/**
 * What the Lambda forwarder computes before it sends, as its handler does it: the payload decoded
 * once, then small slices of events (DEFAULT_SLICE_BYTES) through the core transform, each document
 * checked and serialized as the sink wants it (daily index under the prefix, @timestamp, `create`
 * lines), lines gathered up to the cap into a body. Each body is handed to `send` and dropped, as
 * the handler drops it once sent.
 */
export function hidsmonBulkBodies(event: SubscriptionEvent, send: (body: string) => void = () => undefined, prefix = 'cwl-', maxBytes = DEFAULT_MAX_BULK_BYTES): void {
  const decoded = decodeSubscriptionEvent(event);
  if (!decoded.ok) throw new Error(decoded.error.message);
  let batch: BulkEntry[] = [];
  let batchBytes = 0;
  const events = decoded.value.logEvents;
  const makeEntry = createEntryMaker(prefix);
  for (const slice of eventSlices(events, DEFAULT_SLICE_BYTES)) {
    const { documents } = transformPayload({ ...decoded.value, logEvents: slice.events });
    events.fill(undefined, slice.start, slice.start + slice.events.length);
    for (const doc of documents) {
      const made = makeEntry(doc, batch.length);
      if (!made.ok) continue;
      const entry = made.entry;
      if (batch.length > 0 && batchBytes + entry.bytes > maxBytes) {
        for (const chunk of chunkByBytes(batch, maxBytes)) send(bulkBody(chunk));
        batch = [];
        batchBytes = 0;
      }
      batch.push(entry);
      batchBytes += entry.bytes;
    }
  }
  for (const chunk of chunkByBytes(batch, maxBytes)) send(bulkBody(chunk));
}

export const CANDIDATES = {
  hidsmon: (event: SubscriptionEvent, send: (body: string) => void): void => hidsmonBulkBodies(event, send),
  blog: (event: SubscriptionEvent, send: (body: string) => void): void => send(blogLambdaBulkBody(event)),
} as const;
export type CandidateName = keyof typeof CANDIDATES;
const LABEL: Record<CandidateName, string> = { hidsmon: 'hidsmon Lambda forwarder', blog: "blog's Lambda (re-implemented)" };
/** Timed beside the candidates, not measured for memory: the ceiling of hidsmon's speed-up (bench/exact-floor.ts). */
const FLOOR = (event: SubscriptionEvent, send: (body: string) => void): void => send(exactFloorBulkBody(event));
const FLOOR_LABEL = 'ceiling: one parse + one stringify per event, no normalization or ids';
type TimedName = CandidateName | 'floor';

/** Node flags of the bench: the forwarder's (bin/hidsmon.js); Lambda takes them in NODE_OPTIONS. */
const NODE_FLAGS = ['--min-semi-space-size=16'];

export async function runLambdaBench(log: (line: string) => void = () => undefined): Promise<SuiteResult> {
  // On a shared machine the absolute times follow its load; the interleaved ratio much less so.
  const loadBefore = loadavg()[0]!.toFixed(1);
  const rows: Row[] = [];
  const goals: NonNullable<SuiteResult['goals']> = [];
  const worker = fileURLToPath(new URL('./lambda.worker.js', import.meta.url));
  for (const format of ['ossec-json', 'wazuh-json'] as const) {
    log(`lambda: ${format}: timing both in one process`);
    const child = spawnSync(process.execPath, [...NODE_FLAGS, worker, 'time', format], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`The lambda bench worker failed:\n${child.stderr}`);
    const times = JSON.parse(child.stdout) as Record<TimedName, { ms: number; bodyBytes: number; bodies: number }>;
    const memory: Partial<Record<CandidateName, { peakRssMiB: number; liveMiB: number; heapMiB: number }>> = {};
    for (const name of Object.keys(CANDIDATES) as CandidateName[]) {
      log(`lambda: ${format}: memory of ${name} in a fresh process`);
      const run = (measure: 'live' | 'rss'): { peakRssMiB: number; liveMiB: number; heapMiB: number } => {
        const m = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', worker, 'memory', format, name, measure], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (m.status !== 0) throw new Error(`The lambda bench memory worker failed:\n${m.stderr}`);
        return JSON.parse(m.stdout);
      };
      const live = run('live');
      const rss = run('rss');
      memory[name] = { liveMiB: live.liveMiB, peakRssMiB: rss.peakRssMiB, heapMiB: rss.heapMiB };
    }
    for (const name of Object.keys(CANDIDATES) as CandidateName[]) {
      const t = times[name];
      rows.push({
        format,
        candidate: LABEL[name],
        'ms/delivery': t.ms,
        'events/s': Math.round((LAMBDA_BENCH_EVENTS / t.ms) * 1000),
        'speed vs blog': `${(times.blog.ms / t.ms).toFixed(2)}x`,
        '_bulk bodies': t.bodies,
        'body MB': t.bodyBytes / 1e6,
        'peak live heap MiB': memory[name]!.liveMiB,
        'peak RSS growth MiB': memory[name]!.peakRssMiB,
        'heap held after MiB': memory[name]!.heapMiB,
      });
    }
    rows.push({ format, candidate: FLOOR_LABEL, 'ms/delivery': times.floor.ms, 'events/s': Math.round((LAMBDA_BENCH_EVENTS / times.floor.ms) * 1000), 'speed vs blog': `${(times.blog.ms / times.floor.ms).toFixed(2)}x`, '_bulk bodies': times.floor.bodies, 'body MB': times.floor.bodyBytes / 1e6 });
    const speedup = times.blog.ms / times.hidsmon.ms;
    goals.push({ goal: `${format}: ≥ ${GOAL_SPEEDUP}x the blog's transform-to-bulk-body speed`, met: speedup >= GOAL_SPEEDUP, measured: `${speedup.toFixed(2)}x (${times.hidsmon.ms.toFixed(1)} vs ${times.blog.ms.toFixed(1)} ms)` });
    goals.push({ goal: `${format}: peak live heap below the blog's`, met: memory.hidsmon!.liveMiB < memory.blog!.liveMiB, measured: `${memory.hidsmon!.liveMiB.toFixed(1)} vs ${memory.blog!.liveMiB.toFixed(1)} MiB` });
    goals.push({ goal: `${format}: peak RSS growth below the blog's`, met: memory.hidsmon!.peakRssMiB < memory.blog!.peakRssMiB, measured: `${memory.hidsmon!.peakRssMiB.toFixed(1)} vs ${memory.blog!.peakRssMiB.toFixed(1)} MiB` });
  }
  const endToEnd = await handlerAgainstOpenSearch(log);
  if (endToEnd) rows.push(endToEnd);
  return {
    suite: 'lambda',
    description: `One CloudWatch Logs delivery of ${LAMBDA_BENCH_EVENTS.toLocaleString('en-US')} simulated alerts (gzip+base64, as Lambda receives it) to _bulk bodies, no network: median of interleaved runs in one process (${NODE_FLAGS.join(' ')}); memory per candidate, each in fresh processes: the peak live heap (after a full GC at each body's send, over the heap before the run), and in a run without those GCs the peak RSS growth and the heap still held after. hidsmon transforms small slices of events, serializes each document at once and drops each body once handed on, as the handler does after sending it; the blog's builds its one body first. The ceiling row (timed only) is the least an exact forwarder of these documents does (bench/exact-floor.ts): hidsmon's speed-up cannot exceed it. The last row, when OpenSearch answers, is the whole handler invocation against it. One-minute load average ${loadBefore} before the run, ${loadavg()[0]!.toFixed(1)} after.`,
    rows,
    goals,
  };
}

/** The handler's whole invocation (transform, template, _bulk, outcomes) against a real node, under a prefix of its own, deleted after. */
async function handlerAgainstOpenSearch(log: (line: string) => void): Promise<Row | undefined> {
  const url = process.env['HIDSMON_BENCH_OPENSEARCH_URL'] ?? 'http://127.0.0.1:9200';
  const up = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
  if (!up) {
    log(`lambda: no OpenSearch at ${url}: the end-to-end row is left out`);
    return undefined;
  }
  const prefix = `bench${Math.random().toString(36).slice(2, 8)}-`;
  const sink = await OpenSearchSink.open({ url, indexPrefix: prefix });
  const admin = openSearchClient({ url });
  try {
    const handler = createSubscriptionHandler({ sink, deadLetters: { description: 'none', send: async () => undefined }, log: { info: () => undefined, warn: () => undefined, error: () => undefined }, marginMs: 1_000 });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 300_000 };
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      // A new delivery each time (another day), so that each run indexes, not finds duplicates.
      const event = subscriptionEvent(simulatedLogEvents(LAMBDA_BENCH_EVENTS, { seed: 100 + run, startMs: Date.UTC(2024, 2, 2 + run) }));
      const t0 = performance.now();
      const summary = await handler(event, context);
      times.push(performance.now() - t0);
      if (summary.indexed !== LAMBDA_BENCH_EVENTS) throw new Error(`The handler indexed ${summary.indexed} of ${LAMBDA_BENCH_EVENTS}.`);
    }
    const ms = median(times);
    return { format: 'ossec-json', candidate: `hidsmon handler → OpenSearch at ${new URL(url).host}`, 'ms/delivery': ms, 'events/s': Math.round((LAMBDA_BENCH_EVENTS / ms) * 1000) };
  } finally {
    await sink.close();
    await admin.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await admin.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
    await admin.close();
  }
}

/** Both candidates on the same delivery, interleaved so that both see the same machine noise. */
export function timeCandidates(format: AlertFormat): Record<TimedName, { ms: number; bodyBytes: number; bodies: number }> {
  const event = benchDelivery(format);
  const timed: Record<TimedName, (event: SubscriptionEvent, send: (body: string) => void) => void> = { ...CANDIDATES, floor: FLOOR };
  const names = Object.keys(timed) as TimedName[];
  const times = new Map<TimedName, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < 5; round++) {
    for (const name of names) times.get(name)!.push(...timeRuns(() => timed[name](event, () => undefined), { warmup: round === 0 ? 3 : 0, minRuns: 4, minMs: 400 }));
  }
  const out = {} as Record<TimedName, { ms: number; bodyBytes: number; bodies: number }>;
  for (const name of names) {
    let bodies = 0;
    let bodyBytes = 0;
    timed[name](event, (body) => {
      bodies++;
      bodyBytes += Buffer.byteLength(body);
    });
    out[name] = { ms: median(times.get(name)!), bodies, bodyBytes };
  }
  return out;
}

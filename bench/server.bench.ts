/**
 * @module The server under load, in its own process as in production: 50 streams shipping
 * concurrently through the AWS SDK, each retrying throttling as an agent does (events/s accepted,
 * and indexed while the load runs and until all are searchable; request p99; throttled requests),
 * and freshness — from an alert's batch accepted to it being found through /api/search — sampled
 * during the load and after it, at p50 and p99. Run twice side by side: with admission control
 * (the default limits) and with it off (`max_indexing_lag_ms: 0`, `max_indexing_lag_events: 0`,
 * as before issue 14).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../src/pipeline/retry.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { freePort, startServerProcess } from '../src/testing/processes.js';
import { median, percentile, type Row, type SuiteResult } from './harness.js';

const KEY = { id: 'AKIAHIDSMONBENCH0001', secret: 'bench-secret-0123456789abcdef' };
const TOKEN = 'bench-token-0123456789abcdef0123';
const STREAMS = 50;
/** HIDSMON_BENCH_SERVER_BATCHES=6 ships fewer requests per stream (a quicker look on a busy machine). */
const BATCHES_PER_STREAM = Number(process.env['HIDSMON_BENCH_SERVER_BATCHES'] ?? 20);
const EVENTS_PER_BATCH = 500;

/** A query API call; a connection the server reset under load is tried again, a few times. */
async function api(port: number, path: string, body?: unknown): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, body === undefined ? { headers: { Authorization: `Bearer ${TOKEN}` } } : { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return await r.json();
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One run's figures. */
interface Run {
  accepted: number;
  ingestSeconds: number;
  indexedDuringLoad: number;
  allIndexedSeconds: number;
  latencies: number[];
  errors: number;
  throttled: number;
  sdkRetries: number;
  resent: number;
  maxLagEvents: number;
  freshnessDuring: number[];
  freshnessDuringFromFirstTry: number[];
  freshnessAfter: number[];
}

/**
 * PutLogEvents as an agent sends it: the SDK's standard retries (which back off on throttling),
 * and past them the agent's own capped, jittered backoff, until the batch is taken.
 */
async function ship(client: CloudWatchLogsClient, stream: string, logEvents: InputLogEvent[], counts: { errors: number; sdkRetries: number; resent: number }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await client.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: stream, logEvents }));
      counts.sdkRetries += (out.$metadata.attempts ?? 1) - 1;
      return;
    } catch (e) {
      const name = (e as Error).name;
      counts.sdkRetries += ((e as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) - 1;
      if (name !== 'ThrottlingException' || attempt >= 50) {
        counts.errors++;
        return;
      }
      counts.resent++;
      await new Promise((r) => setTimeout(r, retryDelayMs(attempt, DEFAULT_RETRY_POLICY)));
    }
  }
}

/** Ships one alert, then polls the API until it is found: ms from the first try and from acceptance to found. */
async function probeOnce(client: CloudWatchLogsClient, port: number, stream: string, alert: ReturnType<FleetSimulator['next']>, counts: { errors: number; sdkRetries: number; resent: number }): Promise<{ fromFirstTry: number; fromAccepted: number } | undefined> {
  const firstTry = performance.now();
  await ship(client, stream, [{ timestamp: Date.now(), message: renderAlert(alert, 'ossec-json') }], counts);
  const accepted = performance.now();
  for (;;) {
    const found = await api(port, '/api/search', { query: `id:${alert.alertId.replace('.', '\\.')} AND @log_stream:${stream}`, from: 'now-1h', size: 0 });
    if (found.total > 0) break;
    if (performance.now() - accepted > 120_000) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
  const now = performance.now();
  return { fromFirstTry: now - firstTry, fromAccepted: now - accepted };
}

async function runOnce(label: string, limits: string, log: (line: string) => void): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-server-'));
  const port = await freePort();
  const entry = fileURLToPath(new URL('../src/testing/cli-entry.js', import.meta.url));
  const configFile = join(dir, 'hidsmon.yaml');
  writeFileSync(configFile, `limits:\n${limits}`);
  const server = await startServerProcess({
    // HIDSMON_BENCH_SERVER_NODE_ARGS adds flags to the server process, e.g. --cpu-prof to profile it.
    nodeArgs: ['--min-semi-space-size=16', ...(process.env['HIDSMON_BENCH_SERVER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), entry],
    data: join(dir, 'data'),
    port,
    args: ['--config', configFile],
    env: { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn' },
  });
  // The server's warnings and a crash, if any, in the bench's output.
  server.stderr?.on('data', (chunk) => process.stderr.write(`server: ${String(chunk).slice(0, 2000)}`));
  server.once('exit', (code, signal) => log(`server bench (${label}): the server exited (${code ?? signal})`));
  const clients: CloudWatchLogsClient[] = [];
  // One client per stream, as each host has its own agent (and the SDK its own retry budget).
  const newClient = (): CloudWatchLogsClient => {
    const c = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret } });
    clients.push(c);
    return c;
  };
  try {
    const admin = newClient();
    await admin.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));

    // The load: alerts made beforehand, so that the clients only ship.
    log(`server bench (${label}): preparing alerts`);
    const now = Date.now();
    const streams: Array<{ name: string; batches: InputLogEvent[][]; client: CloudWatchLogsClient }> = [];
    for (let s = 0; s < STREAMS; s++) {
      const sim = new FleetSimulator({ hosts: 1, seed: 1000 + s, ratePerSec: 5, startMs: now - 3_600_000 });
      const name = `i-bench-${String(s).padStart(3, '0')}`;
      const batches = Array.from({ length: BATCHES_PER_STREAM }, () => Array.from({ length: EVENTS_PER_BATCH }, () => sim.next()).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })));
      streams.push({ name, batches, client: newClient() });
      await admin.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: name }));
    }
    for (const stream of ['i-freshness-load', 'i-freshness']) await admin.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: stream }));
    const total = STREAMS * BATCHES_PER_STREAM * EVENTS_PER_BATCH;
    log(`server bench (${label}): ${STREAMS} streams shipping ${total.toLocaleString('en-US')} events`);
    const latencies: number[] = [];
    const counts = { errors: 0, sdkRetries: 0, resent: 0 };
    const probeCounts = { errors: 0, sdkRetries: 0, resent: 0 };
    let loading = true;
    const started = performance.now();
    // Freshness while the load runs: one alert at a time from a host of its own, as the blog's agent ships.
    const freshnessDuring: number[] = [];
    const freshnessDuringFromFirstTry: number[] = [];
    const probe = new FleetSimulator({ hosts: 1, seed: 98, ratePerSec: 1, startMs: Date.now() - 60_000 });
    const probeClient = newClient();
    // Both run beside the load and are awaited after it: a failure is kept until then, not thrown into the void.
    const prober = (async () => {
      for (let i = 0; loading && i < 10_000; i++) {
        // A probe shipped during the load counts however long after it it is found (without
        // admission control, the backlog it waits behind outlasts the load).
        const r = await probeOnce(probeClient, port, 'i-freshness-load', probe.next(), probeCounts);
        freshnessDuring.push(r?.fromAccepted ?? 120_000);
        freshnessDuringFromFirstTry.push(r?.fromFirstTry ?? 120_000);
        await new Promise((r) => setTimeout(r, 50));
      }
    })().catch((e: unknown) => e);
    // The backlog as /api/ingest reports it, sampled every 250 ms.
    let maxLagEvents = 0;
    const sampler = (async () => {
      for (let i = 0; loading && i < 10_000; i++) {
        const ingest = await api(port, '/api/ingest');
        for (const f of ingest.forwarder ?? []) maxLagEvents = Math.max(maxLagEvents, f.lag_events);
        await new Promise((r) => setTimeout(r, 250));
      }
    })().catch((e: unknown) => e);
    await Promise.all(
      streams.map(async ({ name, batches, client }) => {
        for (const logEvents of batches) {
          const t = performance.now();
          await ship(client, name, logEvents, counts);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    const indexedDuringLoad = (await api(port, '/api/search', { query: '@log_stream:i-bench-*', from: 'now-2h', size: 0 })).total as number;
    loading = false;
    for (const failed of await Promise.all([prober, sampler])) if (failed) throw failed;
    let indexed = 0;
    while (indexed < total) {
      indexed = (await api(port, '/api/search', { query: '@log_stream:i-bench-*', from: 'now-2h', size: 0 })).total;
      if ((performance.now() - started) / 1000 > 600) break;
      if (indexed < total) await new Promise((r) => setTimeout(r, 100));
    }
    const allIndexedSeconds = (performance.now() - started) / 1000;
    const throttled = (await api(port, '/api/ingest')).rejected?.ThrottlingException ?? 0;

    // Freshness after the load, on an idle server.
    log(`server bench (${label}): freshness after the load`);
    const after = new FleetSimulator({ hosts: 1, seed: 99, ratePerSec: 1, startMs: Date.now() - 60_000 });
    const freshnessAfter: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await probeOnce(probeClient, port, 'i-freshness', after.next(), probeCounts);
      freshnessAfter.push(r?.fromAccepted ?? 120_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { accepted: total, ingestSeconds, indexedDuringLoad, allIndexedSeconds, latencies, errors: counts.errors + probeCounts.errors, throttled, sdkRetries: counts.sdkRetries + probeCounts.sdkRetries, resent: counts.resent + probeCounts.resent, maxLagEvents, freshnessDuring, freshnessDuringFromFirstTry, freshnessAfter };
  } finally {
    for (const c of clients) c.destroy();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number): number => Math.round(n);

export async function runServerBench(log: (line: string) => void): Promise<SuiteResult> {
  const load = loadavg()[0] as number;
  const on = await runOnce('admission control on', '  max_indexing_lag_ms: 1000\n', log);
  const off = await runOnce('admission control off', '  max_indexing_lag_ms: 0\n  max_indexing_lag_events: 0\n', log);
  const loadAfter = loadavg()[0] as number;
  const rows: Row[] = [];
  const shape = `${STREAMS} concurrent streams × ${BATCHES_PER_STREAM} requests of ${EVENTS_PER_BATCH} events`;
  for (const [name, r] of [['admission control on (default limits)', on], ['admission control off (as before)', off]] as const) {
    const m = (measure: string, value: number, unit: string): void => void rows.push({ run: name, measure, value, unit });
    m(`PutLogEvents accepted, ${shape}`, round(r.accepted / r.ingestSeconds), 'events/s accepted (durable)');
    m('indexed while the load ran (searchable when the last batch was accepted)', round(r.indexedDuringLoad / r.ingestSeconds), 'events/s indexed');
    m('the same, until all of them were searchable', round(r.accepted / r.allIndexedSeconds), 'events/s accepted and indexed');
    m('seconds from the last batch accepted to all searchable', Number((r.allIndexedSeconds - r.ingestSeconds).toFixed(2)), 's');
    m('largest backlog sampled (every 250 ms) during the load', r.maxLagEvents, 'events');
    m('freshness during the load: accepted → found in /api/search, p50 (polling every 10 ms)', round(median(r.freshnessDuring)), 'ms');
    m('freshness during the load, p99', round(percentile(r.freshnessDuring, 99)), 'ms');
    m('freshness during the load from the first try (throttled time included), p99', round(percentile(r.freshnessDuringFromFirstTry, 99)), 'ms');
    m('freshness samples during the load', r.freshnessDuring.length, 'alerts');
    m('freshness after the load, p50', round(median(r.freshnessAfter)), 'ms');
    m('freshness after the load, p99', round(percentile(r.freshnessAfter, 99)), 'ms');
    m('PutLogEvents latency until accepted (retries included) p50', round(median(r.latencies)), 'ms');
    m('PutLogEvents latency until accepted (retries included) p99', round(percentile(r.latencies, 99)), 'ms');
    m('throttled requests (ThrottlingException)', r.throttled, 'requests');
    m('retries by the SDK / batches sent again by the client past them', r.sdkRetries, `retries / ${r.resent} resent`);
    m('errors (events not accepted)', r.errors, 'requests');
  }
  const indexedRate = on.indexedDuringLoad / on.ingestSeconds;
  const acceptedRate = on.accepted / on.ingestSeconds;
  const p99 = percentile(on.freshnessDuring, 99);
  const fullRate = on.accepted / on.allIndexedSeconds;
  return {
    suite: 'server',
    description: `hidsmon server in its own process (Node flags as bin/hidsmon.js), load from the AWS SDK v3 clients (one per stream, agent-like retries) in the bench process; both share this machine's 2 cores; load average ${load.toFixed(2)} before, ${loadAfter.toFixed(2)} after. Two runs side by side: admission control on (default limits) and off.`,
    rows,
    goals: [
      { goal: 'at 50 streams, indexed events/s = accepted events/s while the load runs (within 10%), with admission control', met: indexedRate >= 0.9 * acceptedRate && on.errors === 0, measured: `${round(indexedRate).toLocaleString('en-US')} indexed vs ${round(acceptedRate).toLocaleString('en-US')} accepted events/s, ${on.errors} errors` },
      { goal: 'freshness p99 < 1.5 s during the load, with admission control', met: p99 < 1500, measured: `${round(p99)} ms (${on.freshnessDuring.length} samples; off: ${round(percentile(off.freshnessDuring, 99))} ms)` },
      { goal: '≥ 50,000 events/s ingested and indexed', met: fullRate >= 50_000 && on.errors === 0, measured: `${round(fullRate).toLocaleString('en-US')} events/s with admission control, ${round(off.accepted / off.allIndexedSeconds).toLocaleString('en-US')} without` },
    ],
  };
}

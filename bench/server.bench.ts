/**
 * @module The server under load, in its own process as in production: 50 streams shipping
 * concurrently through the AWS SDK (events/s ingested and then indexed, request p99, errors), and
 * freshness — from an alert shipped to it being found through /api/search — at p50 and p99.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { freePort, startServerProcess } from '../src/testing/processes.js';
import { median, percentile, type Row, type SuiteResult } from './harness.js';

const KEY = { id: 'AKIAHIDSMONBENCH0001', secret: 'bench-secret-0123456789abcdef' };
const TOKEN = 'bench-token-0123456789abcdef0123';
const STREAMS = 50;
const BATCHES_PER_STREAM = 20;
const EVENTS_PER_BATCH = 500;

async function api(port: number, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, body === undefined ? { headers: { Authorization: `Bearer ${TOKEN}` } } : { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

export async function runServerBench(log: (line: string) => void): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-server-'));
  const port = await freePort();
  const entry = fileURLToPath(new URL('../src/testing/cli-entry.js', import.meta.url));
  const server = await startServerProcess({
    // HIDSMON_BENCH_SERVER_NODE_ARGS adds flags to the server process, e.g. --cpu-prof to profile it.
    nodeArgs: ['--min-semi-space-size=16', ...(process.env['HIDSMON_BENCH_SERVER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), entry],
    data: join(dir, 'data'),
    port,
    env: { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn' },
  });
  const rows: Row[] = [];
  try {
    const client = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    await client.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));

    // The load: alerts made beforehand, so that the clients only ship.
    log('server bench: preparing alerts');
    const now = Date.now();
    const streams: Array<{ name: string; batches: InputLogEvent[][] }> = [];
    for (let s = 0; s < STREAMS; s++) {
      const sim = new FleetSimulator({ hosts: 1, seed: 1000 + s, ratePerSec: 5, startMs: now - 3_600_000 });
      const name = `i-bench-${String(s).padStart(3, '0')}`;
      const batches = Array.from({ length: BATCHES_PER_STREAM }, () => Array.from({ length: EVENTS_PER_BATCH }, () => sim.next()).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })));
      streams.push({ name, batches });
      await client.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: name }));
    }
    const total = STREAMS * BATCHES_PER_STREAM * EVENTS_PER_BATCH;
    log(`server bench: ${STREAMS} streams shipping ${total.toLocaleString('en-US')} events`);
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    await Promise.all(
      streams.map(async ({ name, batches }) => {
        for (const logEvents of batches) {
          const t = performance.now();
          try {
            await client.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: name, logEvents }));
          } catch {
            errors++;
          }
          latencies.push(performance.now() - t);
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    let indexed = 0;
    while (indexed < total) {
      const result = await api(port, '/api/search', { query: '', from: 'now-2h', size: 0 });
      indexed = result.total;
      if ((performance.now() - started) / 1000 > 600) break;
      if (indexed < total) await new Promise((r) => setTimeout(r, 100));
    }
    const indexedSeconds = (performance.now() - started) / 1000;
    rows.push({ measure: `PutLogEvents, ${STREAMS} concurrent streams × ${BATCHES_PER_STREAM} requests of ${EVENTS_PER_BATCH} events`, value: Math.round(total / ingestSeconds), unit: 'events/s ingested (durable)' });
    rows.push({ measure: 'the same, until all of them were searchable', value: Math.round(indexed / indexedSeconds), unit: 'events/s ingested and indexed' });
    rows.push({ measure: 'PutLogEvents latency p50', value: median(latencies), unit: 'ms' });
    rows.push({ measure: 'PutLogEvents latency p99', value: percentile(latencies, 99), unit: 'ms' });
    rows.push({ measure: 'errors', value: errors, unit: 'requests' });

    // Freshness: one alert at a time, shipped as the blog's agent does, then polled for in the API.
    log('server bench: freshness');
    await client.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-freshness' }));
    const probe = new FleetSimulator({ hosts: 1, seed: 99, ratePerSec: 1, startMs: Date.now() - 60_000 });
    const freshness: number[] = [];
    for (let i = 0; i < 60; i++) {
      const alert = probe.next();
      const shipped = performance.now();
      await client.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-freshness', logEvents: [{ timestamp: Date.now(), message: renderAlert(alert, 'ossec-json') }] }));
      for (;;) {
        const found = await api(port, '/api/search', { query: `id:${alert.alertId.replace('.', '\\.')} AND @log_stream:i-freshness`, from: 'now-1h', size: 0 });
        if (found.total > 0) break;
        if (performance.now() - shipped > 10_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      freshness.push(performance.now() - shipped);
      await new Promise((r) => setTimeout(r, 50));
    }
    rows.push({ measure: 'freshness: shipped → found in /api/search, p50 (polling every 10 ms)', value: median(freshness), unit: 'ms' });
    rows.push({ measure: 'freshness p99', value: percentile(freshness, 99), unit: 'ms' });
    client.destroy();
    const rate = Math.round(indexed / indexedSeconds);
    const p99 = percentile(freshness, 99);
    return {
      suite: 'server',
      description: `hidsmon server in its own process (Node flags as bin/hidsmon.js), load from the AWS SDK v3 client in the bench process; both share this machine's ${2} cores.`,
      rows,
      goals: [
        { goal: '≥ 50,000 events/s ingested and indexed', met: rate >= 50_000 && errors === 0, measured: `${rate.toLocaleString('en-US')} events/s, ${errors} errors` },
        { goal: 'freshness p99 < 1.5 s', met: p99 < 1500, measured: `${Math.round(p99)} ms` },
      ],
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

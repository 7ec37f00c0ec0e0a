/**
 * @module Detections on the stream (issue 15): the server (embedded index, in this process) taking
 * simulated fleet traffic through the AWS SDK, with the rule engine off, and on with the built-in
 * pack plus 100 threshold rules (in `<data>/rules/`), in alternating runs: events indexed per
 * second (log append → forwarder drained) and the engine's own catch-up. Then, with the engine on
 * and background traffic flowing, the time from a brute force's alerts being shipped (just before
 * PutLogEvents) to its detection being stored and handed to `onDetection` (the notification
 * dispatcher's hook), p50 and p99.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../src/apps/server/server.js';
import { DEFAULTS, type ServerConfig } from '../src/config/server-config.js';
import type { Detection } from '../src/core/detection.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { median, percentile, type Row, type SuiteResult } from './harness.js';

const KEY = { id: 'AKIAHIDSMONBENCH0015', secret: 'bench-secret-0123456789abcdef', profile: 'admin' as const };
const EVENTS = Number(process.env['HIDSMON_BENCH_DETECTION_EVENTS'] ?? 60_000);
const PAIRS = Number(process.env['HIDSMON_BENCH_DETECTION_PAIRS'] ?? 3);
const LATENCY_SAMPLES = 60;
const HOSTS = 20;

type Log = (line: string) => void;

/** 100 threshold rules of the shapes operators write: a rule id or level, grouped by source, host, both, or not at all. */
export function hundredThresholdRules(): string {
  const sids = [5402, 31101, 5706, 5501, 5502, 2932, 2934, 5710, 5716, 5712, 31151];
  const groups = [['srcip'], ['@log_stream'], ['srcip', '@log_stream'], []];
  const rules = Array.from({ length: 100 }, (_, i) => {
    const sid = sids[i % sids.length] as number;
    const query = i % 3 === 0 ? `rule.sidid:${sid}` : i % 3 === 1 ? `rule.sidid:${sid} AND rule.level:>=${i % 8}` : `rule.group:syslog AND NOT rule.sidid:${sid}`;
    const groupBy = groups[i % groups.length] as string[];
    return [`- id: bench-threshold-${i}`, `  name: Bench threshold ${i}`, '  severity: low', `  query: '${query}'`, '  condition:', '    kind: threshold', `    count: ${5000 + i}`, `    window: ${1 + (i % 10)}m`, ...(groupBy.length > 0 ? [`    group_by: [${groupBy.map((g) => `'${g}'`).join(', ')}]`] : [])].join('\n');
  });
  return `${rules.join('\n')}\n`;
}

function config(dataDir: string, enabled: boolean): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir, accessKeys: [KEY], apiTokens: ['bench-token-0123456789abcdef0123'], detections: { enabled, builtin: true } };
}

function client(server: RunningServer): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 10 });
}

async function prepare(cw: CloudWatchLogsClient, streams: readonly string[]): Promise<void> {
  await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' })).catch(() => undefined);
  for (const s of streams) await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: s })).catch(() => undefined);
}

/** One throughput run: ship EVENTS alerts (500 a call, streams in turn), time until indexed and until the engine has evaluated them. */
export async function throughputRun(enabled: boolean, seed: number, log: Log): Promise<{ indexedPerSec: number; engineCaughtUpMs: number; detections: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-detections-'));
  if (enabled) {
    mkdirSync(join(dataDir, 'rules'), { recursive: true });
    writeFileSync(join(dataDir, 'rules', 'bench-100-thresholds.yaml'), hundredThresholdRules());
  }
  const server = await startServer(config(dataDir, enabled), { logger: pino({ level: 'silent' }) });
  const cw = client(server);
  try {
    const sim = new FleetSimulator({ hosts: HOSTS, seed, ratePerSec: 50, startMs: Date.now() - 2 * 3_600_000, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.1 });
    const byStream = new Map<string, Array<{ timestamp: number; message: string }>>();
    for (let i = 0; i < EVENTS; i++) {
      const a = sim.next();
      let list = byStream.get(a.host.instanceId);
      if (!list) byStream.set(a.host.instanceId, (list = []));
      list.push({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') });
    }
    await prepare(cw, [...byStream.keys()]);
    const started = performance.now();
    const cursors = new Map<string, number>();
    for (let sent = 0; sent < EVENTS; ) {
      for (const [stream, events] of byStream) {
        const at = cursors.get(stream) ?? 0;
        if (at >= events.length) continue;
        const batch = events.slice(at, at + 500);
        cursors.set(stream, at + batch.length);
        await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: stream, logEvents: batch }));
        sent += batch.length;
      }
    }
    if (!(await server.forwarder.drained(600_000))) throw new Error('The forwarder did not drain within 10 minutes.');
    const indexedMs = performance.now() - started;
    await server.detectionEngine.runner?.idle();
    const engineMs = performance.now() - started;
    const detections = (await server.detections.store.list({ limit: 1 })).total;
    log(`  engine ${enabled ? 'on ' : 'off'}: ${Math.round((EVENTS / indexedMs) * 1000)} indexed/s, engine caught up after ${Math.round(engineMs)} ms, ${detections} detections`);
    return { indexedPerSec: (EVENTS / indexedMs) * 1000, engineCaughtUpMs: engineMs, detections };
  } finally {
    cw.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Shipped → detection: each sample is a brute force from a new source (12 failures in one call) amid background traffic. */
async function latencyRun(log: Log): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-detections-latency-'));
  mkdirSync(join(dataDir, 'rules'), { recursive: true });
  writeFileSync(join(dataDir, 'rules', 'bench-100-thresholds.yaml'), hundredThresholdRules());
  const server = await startServer(config(dataDir, true), { logger: pino({ level: 'silent' }) });
  const cw = client(server);
  const background = client(server);
  const waiting = new Map<string, (d: Detection) => void>();
  const unsubscribe = server.detectionEngine.onDetection((d) => {
    if (d.rule.id !== 'builtin.ssh-brute-force') return;
    const ip = d.group[0]?.value as string;
    waiting.get(ip)?.(d);
  });
  let running = true;
  try {
    const sim = new FleetSimulator({ hosts: HOSTS, seed: 99, ratePerSec: 500, startMs: Date.now() - 60_000 });
    await prepare(cw, [...sim.hosts.map((h) => h.instanceId), 'i-0bench0attacked0']);
    // Background: about 1,000 alerts a second from the fleet while the samples run.
    const load = (async () => {
      while (running) {
        const events = Array.from({ length: 100 }, () => sim.next(Date.now())).map((a) => ({ stream: a.host.instanceId, timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') }));
        for (const host of sim.hosts) {
          const mine = events.filter((e) => e.stream === host.instanceId).map(({ timestamp, message }) => ({ timestamp, message }));
          if (mine.length > 0) await background.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId, logEvents: mine }));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const ip = `198.18.${(i >> 8) & 255}.${i & 255}`;
      const now = Date.now();
      const events = Array.from({ length: 12 }, (_, k) => ({
        timestamp: now,
        message: JSON.stringify({ rule: { level: 5, comment: 'SSHD authentication failed.', sidid: 5716, group: 'syslog,sshd,authentication_failed,' }, id: `${Math.floor(now / 1000)}.${i * 100 + k}`, TimeStamp: now, decoder: 'sshd', srcip: ip, dstuser: 'root', location: '/var/log/secure', full_log: `Dec  1 12:00:00 ip-10-0-9-9 sshd[${1000 + k}]: Failed password for root from ${ip} port ${40000 + k} ssh2` }),
      }));
      const fired = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No detection for ${ip} within 30 s.`)), 30_000);
        waiting.set(ip, () => {
          clearTimeout(timer);
          resolve(performance.now());
        });
      });
      const shipped = performance.now();
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0bench0attacked0', logEvents: events }));
      samples.push((await fired) - shipped);
      waiting.delete(ip);
      await new Promise((r) => setTimeout(r, 50));
    }
    running = false;
    await load;
    log(`  latency: p50 ${Math.round(median(samples))} ms, p99 ${Math.round(percentile(samples, 99))} ms over ${samples.length} samples`);
    return samples;
  } finally {
    running = false;
    unsubscribe();
    cw.destroy();
    background.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runDetectionsBench(log: Log): Promise<SuiteResult> {
  const loadBefore = loadavg()[0]!.toFixed(1);
  const off: Array<Awaited<ReturnType<typeof throughputRun>>> = [];
  const on: Array<Awaited<ReturnType<typeof throughputRun>>> = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    // Alternating, so that the machine's load falls on both alike.
    off.push(await throughputRun(false, 1000 + pair, log));
    on.push(await throughputRun(true, 1000 + pair, log));
  }
  const latencies = await latencyRun(log);
  const offRate = median(off.map((r) => r.indexedPerSec));
  const onRate = median(on.map((r) => r.indexedPerSec));
  const ratio = onRate / offRate;
  const p99 = percentile(latencies, 99);
  const rows: Row[] = [
    { run: 'engine off', 'indexed/s (median)': Math.round(offRate), 'runs': off.map((r) => Math.round(r.indexedPerSec)).join(' / '), 'engine caught up ms': '-', detections: 0 },
    { run: 'built-in pack + 100 thresholds', 'indexed/s (median)': Math.round(onRate), 'runs': on.map((r) => Math.round(r.indexedPerSec)).join(' / '), 'engine caught up ms': Math.round(median(on.map((r) => r.engineCaughtUpMs))), detections: on[0]?.detections ?? 0 },
    { run: 'shipped → detection (ms)', 'indexed/s (median)': '-', runs: `p50 ${Math.round(median(latencies))}, p99 ${Math.round(p99)}, max ${Math.round(Math.max(...latencies))}`, 'engine caught up ms': '-', detections: latencies.length },
  ];
  return {
    suite: 'detections',
    description: `The server in this process (embedded index) taking ${EVENTS.toLocaleString('en-US')} simulated alerts from ${HOSTS} hosts (ssh-brute-force and port-scan scenarios) through the AWS SDK, 500 a call: indexed per second from the first call until the forwarder drained, with the rule engine off and with the built-in pack plus 100 threshold rules, ${PAIRS} alternating pairs (median). Then ${LATENCY_SAMPLES} brute forces (12 failures from a new source in one PutLogEvents) amid about 1,000 background alerts a second: from just before the call to the detection stored and handed to onDetection (the notification dispatcher's hook). One-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after (2 shared cores).`,
    rows,
    goals: [
      { goal: 'indexing throughput with the pack + 100 threshold rules at most 10% lower', met: ratio >= 0.9, measured: `${(ratio * 100).toFixed(1)}% of the rate without the engine (${Math.round(onRate)} vs ${Math.round(offRate)} indexed/s)` },
      { goal: 'shipped → detection p99 under 2 s', met: p99 < 2000, measured: `p99 ${Math.round(p99)} ms (p50 ${Math.round(median(latencies))} ms)` },
    ],
  };
}

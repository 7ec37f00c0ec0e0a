/**
 * @module Detection → notification (issue 15): the server (embedded index, in this process) with
 * the built-in pack plus 100 threshold rules and two channels (a signed webhook and a Slack
 * incoming webhook, each a local HTTP receiver), taking about 1,000 background alerts a second;
 * each sample is a brute force from a new source (12 failures in one PutLogEvents). Timed from just
 * before the call to the detection handed to onDetection, and to each receiver having the whole
 * notification: the "alert shipped → its detection's notification leaving", measured at
 * the far end (so it includes the HTTP request).
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { startServer } from '../src/apps/server/server.js';
import { DEFAULTS, type ServerConfig } from '../src/config/server-config.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { hundredThresholdRules } from './detections.bench.js';
import { median, percentile, type Row, type SuiteResult } from './harness.js';

const KEY = { id: 'AKIAHIDSMONBENCHNTFY', secret: 'bench-notify-secret-0123456789ab', profile: 'admin' as const };
const SAMPLES = Number(process.env['HIDSMON_BENCH_NOTIFY_SAMPLES'] ?? 40);
const HOSTS = 20;

type Log = (line: string) => void;

/** A local receiver that calls `arrived(srcip)` when a whole notification naming an attacker is in. */
async function receiver(arrived: (body: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      arrived(Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

export async function runNotifyBench(log: Log): Promise<SuiteResult> {
  const loadBefore = loadavg()[0]!.toFixed(1);
  const dataDir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-notify-'));
  mkdirSync(join(dataDir, 'rules'), { recursive: true });
  writeFileSync(join(dataDir, 'rules', 'bench-100-thresholds.yaml'), hundredThresholdRules());
  const waiting = new Map<string, { detection?: number; webhook?: number; slack?: number; done: () => void }>();
  const attackerIn = (body: string): string | undefined => /198\.18\.\d+\.\d+/.exec(body)?.[0];
  const mark = (which: 'detection' | 'webhook' | 'slack', ip: string | undefined): void => {
    const w = ip ? waiting.get(ip) : undefined;
    if (!w || w[which] !== undefined) return;
    w[which] = performance.now();
    if (w.detection !== undefined && w.webhook !== undefined && w.slack !== undefined) w.done();
  };
  const hook = await receiver((body) => mark('webhook', attackerIn(body)));
  const chat = await receiver((body) => mark('slack', attackerIn(body)));
  const config: ServerConfig = {
    ...DEFAULTS,
    port: 0,
    dataDir,
    accessKeys: [KEY],
    apiTokens: ['bench-notify-token-0123456789abcdef'],
    detections: { enabled: true, builtin: true },
    notifications: {
      throttleMinutes: 10,
      channels: [
        { id: 'soc', type: 'webhook', url: hook.url, secret: 'whsec-bench-0123456789abcdef' },
        { id: 'chat', type: 'slack', webhookUrl: chat.url },
      ],
      routes: [{ channels: ['soc', 'chat'], rules: ['builtin.ssh-brute-force'] }],
    },
  };
  const server = await startServer(config, { logger: pino({ level: 'silent' }) });
  const unsubscribe = server.detectionEngine.onDetection((d) => {
    if (d.rule.id === 'builtin.ssh-brute-force') mark('detection', d.group[0]?.value);
  });
  const client = (): CloudWatchLogsClient => new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 10 });
  const cw = client();
  const background = client();
  let running = true;
  const samples: Array<{ detection: number; webhook: number; slack: number }> = [];
  try {
    const sim = new FleetSimulator({ hosts: HOSTS, seed: 77, ratePerSec: 500, startMs: Date.now() - 60_000 });
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    for (const s of [...sim.hosts.map((h) => h.instanceId), 'i-0bench0notified0']) await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: s }));
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
    for (let i = 0; i < SAMPLES; i++) {
      const ip = `198.18.${(i >> 8) & 255}.${i & 255}`;
      const now = Date.now();
      const events = Array.from({ length: 12 }, (_, k) => ({
        timestamp: now,
        message: JSON.stringify({ rule: { level: 5, comment: 'SSHD authentication failed.', sidid: 5716, group: 'syslog,sshd,authentication_failed,' }, id: `${Math.floor(now / 1000)}.${i * 100 + k}`, decoder: 'sshd', srcip: ip, dstuser: 'root', location: '/var/log/secure', full_log: `Dec  1 12:00:00 ip-10-0-9-9 sshd[${1000 + k}]: Failed password for root from ${ip} port ${40000 + k} ssh2` }),
      }));
      const all = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No notification for ${ip} within 30 s.`)), 30_000);
        waiting.set(ip, { done: () => (clearTimeout(timer), resolve()) });
      });
      const shipped = performance.now();
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0bench0notified0', logEvents: events }));
      await all;
      const w = waiting.get(ip)!;
      samples.push({ detection: w.detection! - shipped, webhook: w.webhook! - shipped, slack: w.slack! - shipped });
      waiting.delete(ip);
      await new Promise((r) => setTimeout(r, 50));
    }
    running = false;
    await load;
  } finally {
    running = false;
    unsubscribe();
    cw.destroy();
    background.destroy();
    await server.stop();
    hook.server.close();
    chat.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const col = (k: 'detection' | 'webhook' | 'slack'): number[] => samples.map((s) => s[k]);
  const row = (name: string, values: number[]): Row => ({ 'shipped →': name, 'p50 ms': Math.round(median(values)), 'p99 ms': Math.round(percentile(values, 99)), 'max ms': Math.round(Math.max(...values)), samples: values.length });
  const notified = samples.map((s) => Math.max(s.webhook, s.slack));
  const p99 = percentile(notified, 99);
  log(`  shipped → both notifications received: p50 ${Math.round(median(notified))} ms, p99 ${Math.round(p99)} ms`);
  return {
    suite: 'notify',
    description: `The server in this process (embedded index, the built-in pack plus 100 threshold rules) with a webhook and a Slack channel, each a local HTTP receiver, taking about 1,000 background alerts a second from ${HOSTS} hosts; ${SAMPLES} brute forces (12 SSH failures from a new source in one PutLogEvents), each timed from just before the call to its detection handed to onDetection, and to each receiver having read the whole notification. One-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after (2 shared cores).`,
    rows: [row('detection (onDetection)', col('detection')), row('webhook received', col('webhook')), row('Slack received', col('slack')), row('both received', notified)],
    goals: [{ goal: "alert shipped → its detection's notification out (received by the channel) p99 under 2 s", met: p99 < 2000, measured: `p99 ${Math.round(p99)} ms (p50 ${Math.round(median(notified))} ms)` }],
  };
}

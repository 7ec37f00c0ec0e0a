/**
 * @module Bench `agent`: the agent as hosts install it (the self-contained bundle
 * dist/agent/hidsmon-agent.mjs, else the built CLI's `hidsmon agent`), a child process, shipping to a hidsmon
 * server (another child process, with no subscription: shipping, not indexing): its CPU (share of one core, from /proc utime+stime) and peak RSS
 * while a writer appends 1,000 alerts/s, and its maximum throughput: `--once` over a file of
 * 200,000 alerts, wall time of the whole process (start-up included, so a lower bound). The same
 * `--once` also goes to a trivial loopback acceptor of PutLogEvents (it only counts the events), to
 * tell the agent's own ceiling from the server's. The agent runs with the environment of its systemd
 * unit (packaging/hidsmon-agent.service: NODE_OPTIONS, malloc arenas, threads), as hosts run it.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServerProcess } from '../src/testing/processes.js';
import type { Row, SuiteResult } from './harness.js';

const KEY = { id: 'AKIAHIDSMONBENCHAGNT', secret: 'bench-agent-secret-0123456789abcdef' };
const TOKEN = 'bench-agent-api-token-0123456789abcdef';
const STEADY_RATE = 1000;
/** Steady run: a warm-up, then windows each measured on its own (CPU, peak RSS); the figures are their median and the whole run's peak. */
const WARMUP_SECONDS = 3;
const WINDOWS = 5;
const WINDOW_SECONDS = 5;
const STEADY_SECONDS = WARMUP_SECONDS + WINDOWS * WINDOW_SECONDS;
const BURST_ALERTS = 200_000;
/** The kernel's clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux x86-64). */
const CLOCK_TICKS = 100;

function alertLines(from: number, count: number): string {
  const base = Math.floor(Date.now() / 1000) - 600;
  let text = '';
  for (let i = from; i < from + count; i++) {
    text += `${JSON.stringify({ rule: { level: 5, comment: 'sshd: authentication failed.', sidid: 5716, group: 'syslog,sshd,authentication_failed,' }, id: `${base + (i % 500)}.${i}`, TimeStamp: (base + (i % 500)) * 1000, location: '/var/log/secure', hostname: 'ip-10-0-1-23', srcip: '203.0.113.7', full_log: `Dec  1 12:00:00 ip-10-0-1-23 sshd[1234]: Failed password for invalid user admin from 203.0.113.7 port ${40000 + (i % 20000)} ssh2` })}\n`;
  }
  return text;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
}

function rssBytes(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Resets the kernel's peak RSS of `pid` (VmHWM) to its current RSS (`echo 5 > clear_refs`), so that
 * VmHWM read later is the true peak since then, not only what a 100 ms sample caught. False where
 * the kernel does not allow it; the samples' maximum is the peak then.
 */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The unit's `Environment=NAME=value` lines: the agent is measured as the unit runs it. */
export function unitEnvironment(unitText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    // One assignment per line here, bare or quoted whole as systemd allows: Environment="NAME=a b".
    const m = /^Environment=("?)([A-Za-z_][A-Za-z0-9_]*)=(.*)\1$/.exec(line.trim());
    if (m) env[m[2]!] = m[3]!;
  }
  return env;
}

/** A PutLogEvents endpoint that does nothing but count (and so check) the events it is sent. */
async function startAcceptor(): Promise<{ server: Server; url: string; events: () => number }> {
  let events = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const put = String(req.headers['x-amz-target']).endsWith('.PutLogEvents');
      if (put) events += (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { logEvents: unknown[] }).logEvents.length;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(put ? '{"nextSequenceToken":"1"}' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events: () => events };
}

function agentYaml(dir: string, file: string, port: number | string, stream: string): string {
  const config = join(dir, `${stream}.yaml`);
  writeFileSync(config, [
    `inputs: [${JSON.stringify(file)}]`,
    'log_group: hids-alerts',
    `log_stream: ${stream}`,
    `endpoint: ${typeof port === 'string' ? port : `http://127.0.0.1:${port}`}`,
    `credentials: {access_key_id: ${KEY.id}, secret_access_key: ${KEY.secret}}`,
    `state_dir: ${JSON.stringify(join(dir, `state-${stream}`))}`,
    'start_position: start',
  ].join('\n'));
  return config;
}

function sentEvents(dir: string, stream: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, `state-${stream}`, 'status.json'), 'utf8')) as { sent: { events: number } }).sent.events;
  } catch {
    return 0;
  }
}

export async function runAgentBench(log: (line: string) => void): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-agent-'));
  const cli = fileURLToPath(new URL('../src/testing/cli-entry.js', import.meta.url));
  const port = await freePort();
  // No subscription: the bench measures shipping (the accept path: signature, JSON, checks, the
  // durable append), not indexing, whose speed and flow control (throttling while the index is
  // behind) are the indexing benches' (bench/server.bench.ts).
  const serverConfig = join(dir, 'hidsmon.yaml');
  writeFileSync(serverConfig, 'auto_subscribe: false\n');
  const server = await startServerProcess({ nodeArgs: ['--min-semi-space-size=16', cli], args: ['--config', serverConfig], data: join(dir, 'server'), port, env: { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn' } });
  const rows: Row[] = [];
  // HIDSMON_BENCH_AGENT_BUNDLE and HIDSMON_BENCH_AGENT_UNIT measure another build (an earlier commit's, for a before/after).
  const bundle = process.env['HIDSMON_BENCH_AGENT_BUNDLE'] ?? fileURLToPath(new URL('../agent/hidsmon-agent.mjs', import.meta.url));
  // HIDSMON_BENCH_AGENT_NODE_ARGS adds flags to the agent processes, e.g. --cpu-prof to profile them.
  const agentArgs = [...(process.env['HIDSMON_BENCH_AGENT_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), ...(existsSync(bundle) ? [bundle] : [cli, 'agent'])];
  const unitEnv = unitEnvironment(readFileSync(process.env['HIDSMON_BENCH_AGENT_UNIT'] ?? fileURLToPath(new URL('../../packaging/hidsmon-agent.service', import.meta.url)), 'utf8'));
  const agentEnv = { ...process.env, ...unitEnv, AWS_EC2_METADATA_DISABLED: 'true', HIDSMON_LOG_LEVEL: 'warn' };
  log(`agent: running ${Object.entries(unitEnv).map(([k, v]) => `${k}=${v}`).join(' ')} node ${agentArgs.join(' ')}`);
  try {
    // Steady: 1,000 alerts/s appended in 100 ms steps. After a warm-up, WINDOWS windows of
    // WINDOW_SECONDS, each with its CPU share (utime+stime) and its peak RSS: the kernel's VmHWM,
    // reset at the window's start (the process's resident memory as `systemctl status` and `ps`
    // show it, every page counted, not only samples), else the 100 ms samples' maximum.
    const steadyFile = join(dir, 'steady.json');
    writeFileSync(steadyFile, '');
    const agent = spawn(process.execPath, [...agentArgs, '--config', agentYaml(dir, steadyFile, port, 'i-0bench00000steady')], { stdio: ['ignore', 'ignore', 'inherit'], env: agentEnv });
    const pid = agent.pid as number;
    log(`agent: ${STEADY_RATE} alerts/s for ${STEADY_SECONDS} s (${WARMUP_SECONDS} s warm-up, then ${WINDOWS} windows of ${WINDOW_SECONDS} s)`);
    let written = 0;
    const windows: { cpu: number; peakRss: number }[] = [];
    let window: { ticks: number; t: number; sampledPeak: number; hwm: boolean } | undefined;
    let hwmPeak = true;
    const started = Date.now();
    const closeWindow = (): void => {
      if (!window) return;
      const cpu = (cpuTicks(pid) - window.ticks) / CLOCK_TICKS / ((performance.now() - window.t) / 1000);
      windows.push({ cpu, peakRss: window.hwm ? Math.max(window.sampledPeak, rssBytes(pid, 'VmHWM')) : window.sampledPeak });
    };
    const openWindow = (): void => {
      const hwm = resetPeakRss(pid);
      hwmPeak &&= hwm;
      window = { ticks: cpuTicks(pid), t: performance.now(), sampledPeak: rssBytes(pid), hwm };
    };
    for (let step = 0; step < (STEADY_SECONDS * 1000) / 100; step++) {
      const due = Math.floor(((Date.now() - started) / 1000) * STEADY_RATE) - written;
      if (due > 0) {
        appendFileSync(steadyFile, alertLines(written, due));
        written += due;
      }
      const elapsedMs = Date.now() - started;
      const windowNo = Math.floor((elapsedMs - WARMUP_SECONDS * 1000) / (WINDOW_SECONDS * 1000));
      if (elapsedMs >= WARMUP_SECONDS * 1000 && windowNo < WINDOWS && windowNo >= windows.length + (window ? 1 : 0)) {
        closeWindow();
        openWindow();
      }
      if (window) window.sampledPeak = Math.max(window.sampledPeak, rssBytes(pid));
      await sleep(100);
    }
    closeWindow();
    for (const until = Date.now() + 15_000; Date.now() < until && sentEvents(dir, 'i-0bench00000steady') < written; ) await sleep(200);
    const delivered = sentEvents(dir, 'i-0bench00000steady');
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
    const mb = (bytes: number): number => bytes / 2 ** 20;
    rows.push({
      case: `steady ${STEADY_RATE}/s`,
      alerts: written,
      delivered,
      'cpu % of a core': median(windows.map((w) => w.cpu)) * 100,
      'cpu % max window': Math.max(...windows.map((w) => w.cpu)) * 100,
      'peak rss MB': mb(Math.max(...windows.map((w) => w.peakRss))),
      'median window peak rss MB': mb(median(windows.map((w) => w.peakRss))),
      windows: windows.length,
      'peak from': hwmPeak ? 'VmHWM' : 'VmRSS samples',
    });

    // Burst: a file of 200,000 alerts, --once, until everything is acknowledged: to the hidsmon server, then to the trivial acceptor.
    const burstFile = join(dir, 'burst.json');
    for (let i = 0; i < BURST_ALERTS; i += 20_000) appendFileSync(burstFile, alertLines(i, 20_000));
    // The CPU of the agent (its last sample, every 100 ms: a lower bound) and of the receiving server, per run.
    const burst = async (endpoint: number | string, stream: string, label: string, receiverPid?: number): Promise<Row> => {
      log(`agent: --once over ${BURST_ALERTS} alerts to ${label}`);
      const receiverTicks0 = receiverPid === undefined ? 0 : cpuTicks(receiverPid);
      let agentTicks = 0;
      const burstStart = performance.now();
      const once = spawn(process.execPath, [...agentArgs, '--once', '--config', agentYaml(dir, burstFile, endpoint, stream)], { stdio: ['ignore', 'ignore', 'inherit'], env: agentEnv });
      let burstRss = 0;
      const sampler = setInterval(() => {
        try {
          burstRss = Math.max(burstRss, rssBytes(once.pid as number));
          agentTicks = cpuTicks(once.pid as number);
        } catch {
          /* exited */
        }
      }, 100);
      const code = await new Promise<number | null>((r) => once.once('exit', r));
      clearInterval(sampler);
      const seconds = (performance.now() - burstStart) / 1000;
      const burstSent = sentEvents(dir, stream);
      const row: Row = { case: `--once ${BURST_ALERTS.toLocaleString('en-US')} → ${label}`, alerts: BURST_ALERTS, delivered: burstSent, 'alerts/s': burstSent / seconds, seconds, exit: code ?? -1, 'peak rss MB': burstRss / 2 ** 20, 'agent cpu s (≥)': agentTicks / CLOCK_TICKS };
      if (receiverPid !== undefined) row['server cpu s'] = (cpuTicks(receiverPid) - receiverTicks0) / CLOCK_TICKS;
      return row;
    };
    // The acceptor first: after a burst the server goes on indexing for seconds, and on 2 cores that would slow the agent's run.
    const acceptor = await startAcceptor();
    let ceilingRow: Row;
    try {
      ceilingRow = await burst(acceptor.url, 'i-0bench00acceptor', 'trivial acceptor');
      ceilingRow['acceptor counted'] = acceptor.events();
    } finally {
      await new Promise((r) => acceptor.server.close(r));
    }
    rows.push(await burst(port, 'i-0bench000000burst', 'hidsmon server', server.pid), ceilingRow);

    const steady = rows[0]!;
    const rate = rows[1]!['alerts/s'] as number;
    const burstSent = rows[1]!['delivered'] as number;
    const ceiling = rows[2]!['alerts/s'] as number;
    return {
      suite: 'agent',
      description: `${existsSync(bundle) ? 'the agent bundle' : 'hidsmon agent (built CLI)'} in its own process, shipping alerts.json lines to a hidsmon server on loopback that holds no subscription (auto_subscribe: false: shipping is measured, not indexing): CPU and peak RSS at ${STEADY_RATE} alerts/s after a ${WARMUP_SECONDS} s warm-up, in ${WINDOWS} windows of ${WINDOW_SECONDS} s (CPU: the windows' median share of one core, utime+stime; peak RSS: the largest of the windows' VmHWM, the kernel's peak resident set reset at each window's start, with their median beside it), and the rate of --once over ${BURST_ALERTS.toLocaleString('en-US')} alerts, start-up included, to the server and to a trivial loopback acceptor; with the unit's environment (${Object.entries(unitEnv).map(([k, v]) => `${k}=${v}`).join(' ')}).`,
      rows,
      goals: [
        { goal: `under 2% of one core at ${STEADY_RATE} alerts/s`, met: (steady['cpu % of a core'] as number) < 2, measured: `${(steady['cpu % of a core'] as number).toFixed(2)}%` },
        { goal: `under 80 MB RSS at ${STEADY_RATE} alerts/s`, met: (steady['peak rss MB'] as number) < 80, measured: `${(steady['peak rss MB'] as number).toFixed(1)} MB` },
        { goal: 'at least 50,000 alerts/s at full speed', met: rate >= 50_000 && burstSent === BURST_ALERTS, measured: `${Math.round(rate).toLocaleString('en-US')} alerts/s to the hidsmon server (${burstSent.toLocaleString('en-US')} of ${BURST_ALERTS.toLocaleString('en-US')} delivered); ${Math.round(ceiling).toLocaleString('en-US')} alerts/s to a trivial acceptor` },
      ],
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * @module `hidsmon demo` (what `npm start` runs): a server and the blog's test hosts, simulated:
 * each host's OSSEC writes its alerts file in the data directory, and a real agent per host
 * (startAgent, as `hidsmon agent` runs it) follows the file and ships it to the server.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent.js';
import { readCaFile } from '../../../agent/cloudwatch-client.js';
import { AGENT_DEFAULTS } from '../../../agent/config.js';
import { FleetSimulator, type SimulatedAlert } from '../../../simulate/fleet-simulator.js';
import { renderAlertLine } from '../../../simulate/render.js';
import { loadDemoFleet, saveDemoFleet, type DemoFleetState } from '../demo-fleet-state.js';
import { integerOption, parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';
import type { RunningServer } from '../../server/server.js';
import { banner, serverConfigFromCommandLine, serverLogger, startOrExplain } from './server.js';

export const demoHelp = `Usage: hidsmon demo [options]

The blog's set-up on this machine: a hidsmon server with a fresh data directory,
and two simulated EC2 hosts whose OSSEC writes alerts files (the blog's seven alert
types, plus an SSH brute-force attacker and a scanner, which the built-in detection rules report) in DIR/demo/hosts/<instance-id>/alerts.json,
each followed and shipped by a real agent (as hidsmon agent runs it; its state in
DIR/demo/agents/<instance-id>). It first backfills the last two hours, then keeps
going live until Ctrl-C.

With --data DIR from an earlier run, the demo continues it: the same hosts (their
identity is kept in DIR/demo/fleet.json), no second backfill, live from now on.

Options:
  --port N        port (default: 5601)
  --data DIR      data directory (default: a new temporary directory)
  --rate N        live alerts per second across the fleet (default: 2)
  --hosts N       simulated hosts (default: 2)
  --config FILE   server settings in YAML, as for hidsmon server (tls: auto, or
                  $HIDSMON_TLS=auto, serves HTTPS with a self-signed certificate)
  --ca FILE       the CA (PEM) the simulated hosts trust for the server's certificate
                  (default under tls: auto: the server's own self-signed certificate)
  --backend B, --opensearch-url URL
                  index in an OpenSearch cluster instead, as for hidsmon server
  -h, --help      show this help
`;

export const DEMO_LOG_GROUP = 'hids-alerts';

/**
 * The key the simulated hosts ship with: an agent key, as real hosts hold (the one this start made,
 * else an unscoped one configured or stored, else a new one), never the admin key.
 */
export function demoHostKey(server: RunningServer): { id: string; secret: string } {
  const made = server.credentials.created?.agentKey;
  if (made) return made;
  const configured = server.config.accessKeys.find((k) => (k.profile ?? 'agent') === 'agent' && !k.logGroups);
  if (configured) return configured;
  const stored = server.credentials.store.activeKeys('agent').find((k) => !k.logGroups);
  return stored ?? server.credentials.store.createAccessKey({ profile: 'agent', description: 'for the demo hosts' });
}

export async function demoCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandLine('demo', argv, { port: { type: 'string' }, data: { type: 'string' }, rate: { type: 'string' }, hosts: { type: 'string' }, config: { type: 'string' }, ca: { type: 'string' }, backend: { type: 'string' }, 'opensearch-url': { type: 'string' } }, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, demoHelp);
    return 0;
  }
  const rate = integerOption('demo', values, 'rate', 1) ?? 2;
  const hosts = integerOption('demo', values, 'hosts', 1) ?? 2;
  if (hosts > 100) throw usageError('demo', '--hosts is at most 100.');
  const data = stringOption(values, 'data') ?? mkdtempSync(join(tmpdir(), 'hidsmon-demo-'));
  const config = serverConfigFromCommandLine('demo', { ...values, data }, process.env, integerOption('demo', values, 'port', 0) ?? 5601);
  const caFile = stringOption(values, 'ca');
  try {
    // Read now to refuse a bad file before anything starts; the agents read it again.
    if (caFile) readCaFile(caFile);
  } catch (e) {
    throw usageError('demo', (e as Error).message);
  }
  // A data directory from an earlier run continues that fleet; checked before the server starts.
  const earlier = loadDemoFleet(data);
  if (earlier.kind === 'unreadable') throw new CliError(`${earlier.path} is not a demo fleet (${earlier.reason}); move it away to start a new fleet in ${data}.`);
  const server = await startOrExplain(config, serverLogger(process.env['HIDSMON_LOG_LEVEL'] ?? 'warn'));

  const key = demoHostKey(server);
  // The hosts trust what they are told to, else the server's self-signed certificate, else the system's CAs.
  const agentCaFile = caFile ?? (config.tls?.mode === 'auto' ? server.tls?.certFile : undefined);
  const now = ctx.now();
  const backfillMs = 2 * 3_600_000;
  const state: DemoFleetState = earlier.kind === 'continued' ? earlier.state : { version: 1, seed: (now / 1000) | 0, hosts: [], createdMs: now, backfilled: false };
  const simulator = new FleetSimulator({ hosts: state.hosts.length > 0 ? state.hosts : hosts, seed: state.seed, ratePerSec: rate, startMs: state.createdMs - backfillMs, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.15 });
  if (state.hosts.length === 0) state.hosts = simulator.hosts.map((h) => ({ ...h }));
  // Stored before the backfill: a run stopped during it keeps its hosts, and the next writes the same backfill again
  // (the same seed and times give the same alerts, which the index knows by id).
  saveDemoFleet(data, state);

  const files = new DemoAlertsFiles(join(data, 'demo', 'hosts'), simulator.hosts.map((h) => h.instanceId));
  const agentLog = serverLogger(process.env['HIDSMON_LOG_LEVEL'] ?? 'warn').child({ service: 'hidsmon-agent' });
  const agents: RunningAgent[] = [];
  let backfilled = 0;
  try {
    // The two hours before the fleet was made first, so that the dashboard has a shape at once; once only.
    if (!state.backfilled) {
      files.truncate();
      for (let alert = simulator.next(); alert.timeMs < state.createdMs; alert = simulator.next()) {
        files.append(alert);
        backfilled++;
      }
      files.flush();
    }
    for (const host of simulator.hosts) {
      agents.push(
        await startAgent(
          {
            ...AGENT_DEFAULTS,
            inputs: [{ path: files.path(host.instanceId), format: 'ossec-json' }],
            logGroup: DEMO_LOG_GROUP,
            logStream: host.instanceId,
            endpoint: { kind: 'url', url: server.url, region: config.region },
            ...(agentCaFile ? { caFile: agentCaFile } : {}),
            credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
            stateDir: join(data, 'demo', 'agents', host.instanceId),
            startPosition: 'start',
            bufferDurationMs: 1000,
            spoolMaxBytes: 64 * 1024 * 1024,
          },
          { log: agentLog.child({ host: host.instanceId }), env: {} },
        ),
      );
    }
    // The banner once the backfill is in (bounded: a slow machine gets it later, still shipping).
    if (!state.backfilled) {
      const deadline = Date.now() + 120_000;
      while (agents.reduce((n, a) => n + a.status().sent.events, 0) < backfilled && Date.now() < deadline && !ctx.signal.aborted) await sleep(100);
      saveDemoFleet(data, { ...state, backfilled: true });
    }

    await writeOut(ctx.stdout, banner(server, demoOpeningPath(state.createdMs, ctx.now(), backfillMs)));
    const ids = simulator.hosts.map((h) => h.instanceId).join(', ');
    const what = earlier.kind === 'continued' && earlier.state.backfilled
      ? `continuing the fleet first started ${new Date(state.createdMs).toISOString()} (no second backfill); about ${rate} alerts a second`
      : `${backfilled} alerts from the last two hours, then about ${rate} a second`;
    ctx.stdout.write(`Demo: ${simulator.hosts.length} simulated hosts (${ids}) ship to log group ${DEMO_LOG_GROUP} with agent key ${key.id} (create, ship, describe; nothing else): ${what}. Data in ${config.dataDir}.\n`);
    if (earlier.kind === 'continued' && values['hosts'] !== undefined && hosts !== simulator.hosts.length) ctx.stderr.write(`hidsmon demo: --hosts ${hosts} ignored: ${data} holds a fleet of ${simulator.hosts.length}.\n`);

    // Live: each tick, the alerts due by now, appended to the hosts' files; the agents follow them.
    const live = new FleetSimulator({ hosts: simulator.hosts.map((h) => ({ ...h })), seed: ((now / 1000) | 0) + 1, ratePerSec: rate, startMs: now, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.15 });
    let pending = live.next();
    while (!ctx.signal.aborted) {
      const t = ctx.now();
      while (pending.timeMs <= t) {
        files.append(pending);
        pending = live.next();
      }
      files.flush();
      await sleep(250, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
    ctx.stderr.write('hidsmon demo: stopping...\n');
  } finally {
    files.close();
    // Each agent sends what it read, saves its checkpoints; what is left is sent by the next run.
    await Promise.all(agents.map((a) => a.stop(5000).catch(() => undefined)));
  }
  // As `hidsmon server`: what a bounded stop abandoned may hold the process open; end it then.
  if (!(await server.stop())) setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

/** Each simulated host's OSSEC alerts.json, appended to in whole lines (buffered: a backfill is many). */
class DemoAlertsFiles {
  private readonly fds = new Map<string, number>();
  private readonly buffers = new Map<string, string[]>();
  constructor(
    private readonly dir: string,
    instanceIds: string[],
  ) {
    for (const id of instanceIds) {
      mkdirSync(join(dir, id), { recursive: true, mode: 0o700 });
      this.fds.set(id, openSync(this.path(id), 'a', 0o600));
      this.buffers.set(id, []);
    }
  }

  path(instanceId: string): string {
    return join(this.dir, instanceId, 'alerts.json');
  }

  /** A backfill written again after an interrupted one starts the files over (the agents' checkpoints see the truncation). */
  truncate(): void {
    for (const [id, fd] of this.fds) {
      closeSync(fd);
      this.fds.set(id, openSync(this.path(id), 'w', 0o600));
    }
  }

  append(alert: SimulatedAlert): void {
    const buffer = this.buffers.get(alert.host.instanceId) as string[];
    buffer.push(renderAlertLine(alert, 'ossec-json'));
    if (buffer.length >= 5000) this.flushHost(alert.host.instanceId);
  }

  flush(): void {
    for (const id of this.fds.keys()) this.flushHost(id);
  }

  close(): void {
    this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private flushHost(id: string): void {
    const buffer = this.buffers.get(id) as string[];
    const fd = this.fds.get(id);
    if (buffer.length === 0 || fd === undefined) return;
    writeSync(fd, buffer.join(''));
    buffer.length = 0;
  }
}

/** The longest range the demo opens on: a fleet older than this opens on its last week. */
const MAX_OPENING_HOURS = 7 * 24;
/** Minutes past the whole hour that do not make it an hour more (the first alerts of a backfill come a little after its start). */
const OPENING_SLACK_MS = 10 * 60_000;

/**
 * Where the demo's login link lands: Discover over the fleet's whole history (the backfill before
 * it was first started, and every run since), as whole hours back from now. The UI's default, the
 * last 24 hours, squeezes a fresh demo's two hours into a twelfth of the histogram, and shows a
 * continued fleet (no second backfill) empty until its first live alerts arrive.
 */
export function demoOpeningPath(createdMs: number, nowMs: number, backfillMs: number): string {
  // The backfill itself takes a little while: a fresh fleet still opens on "Last 2 hours", not 3.
  const hours = Math.min(MAX_OPENING_HOURS, Math.max(1, Math.ceil((nowMs - (createdMs - backfillMs) - OPENING_SLACK_MS) / 3_600_000)));
  return `/discover?from=now-${hours}h&to=now`;
}

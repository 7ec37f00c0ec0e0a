/**
 * @module `hidsmon demo` (what `npm start` runs): a fresh server and the blog's two test hosts,
 * simulated, shipping their OSSEC alerts through the AWS SDK's CloudWatch Logs client.
 */
import { mkdtempSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { createCloudWatchLogsClient, readCaFile } from '../../../agent/cloudwatch-client.js';
import { CloudWatchShipper } from '../../../agent/cloudwatch-shipper.js';
import { FleetSimulator } from '../../../simulate/fleet-simulator.js';
import { loadDemoFleet, saveDemoFleet, type DemoFleetState } from '../demo-fleet-state.js';
import { renderAlert } from '../../../simulate/render.js';
import { integerOption, parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';
import type { RunningServer } from '../../server/server.js';
import { banner, serverConfigFromCommandLine, serverLogger, startOrExplain } from './server.js';

export const demoHelp = `Usage: hidsmon demo [options]

The blog's set-up on this machine: a hidsmon server with a fresh data directory,
and two simulated EC2 hosts whose OSSEC alerts (the blog's seven alert types, plus
an SSH brute-force attacker) are shipped with the AWS SDK's CloudWatch Logs client,
as the blog's test hosts do. It first backfills the last two hours, then keeps
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
  const { values } = parseCommandLine('demo', argv, { port: { type: 'string' }, data: { type: 'string' }, rate: { type: 'string' }, hosts: { type: 'string' }, config: { type: 'string' }, ca: { type: 'string' } }, 0);
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
  let givenCa: string | undefined;
  try {
    givenCa = caFile ? readCaFile(caFile) : undefined;
  } catch (e) {
    throw usageError('demo', (e as Error).message);
  }
  // A data directory from an earlier run continues that fleet; checked before the server starts.
  const earlier = loadDemoFleet(data);
  if (earlier.kind === 'unreadable') throw new CliError(`${earlier.path} is not a demo fleet (${earlier.reason}); move it away to start a new fleet in ${data}.`);
  const server = await startOrExplain(config, serverLogger(process.env['HIDSMON_LOG_LEVEL'] ?? 'warn'));

  const key = demoHostKey(server);
  // The hosts trust what they are told to, else the server's self-signed certificate, else the system's CAs.
  const ca = givenCa ?? (config.tls?.mode === 'auto' ? server.tls?.cert : undefined);
  const client = createCloudWatchLogsClient({ endpoint: server.url, region: config.region, credentials: { accessKeyId: key.id, secretAccessKey: key.secret }, maxAttempts: 5, ...(ca ? { ca } : {}) });
  const now = ctx.now();
  const backfillMs = 2 * 3_600_000;
  const state: DemoFleetState = earlier.kind === 'continued' ? earlier.state : { version: 1, seed: (now / 1000) | 0, hosts: [], createdMs: now, backfilled: false };
  const simulator = new FleetSimulator({ hosts: state.hosts.length > 0 ? state.hosts : hosts, seed: state.seed, ratePerSec: rate, startMs: state.createdMs - backfillMs, scenarios: ['ssh-brute-force'], attackShare: 0.15 });
  if (state.hosts.length === 0) state.hosts = simulator.hosts.map((h) => ({ ...h }));
  // Stored before the backfill: a run stopped during it keeps its hosts, and the next ships the same backfill again.
  saveDemoFleet(data, state);
  const shippers = new Map(
    simulator.hosts.map((h) => [h.instanceId, new CloudWatchShipper({ client, logGroup: DEMO_LOG_GROUP, logStream: h.instanceId, flushIntervalMs: 1000, onError: (e) => ctx.stderr.write(`hidsmon demo: shipping failed (${e.name}: ${e.message}); retrying\n`) })]),
  );
  const ship = async (alerts: ReturnType<FleetSimulator['next']>[]): Promise<void> => {
    const byHost = new Map<string, InputLogEvent[]>();
    for (const a of alerts) byHost.set(a.host.instanceId, [...(byHost.get(a.host.instanceId) ?? []), { timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') }]);
    await Promise.all([...byHost].map(([id, events]) => (shippers.get(id) as CloudWatchShipper).push(events)));
  };

  // The two hours before the fleet was made first, so that the dashboard has a shape at once; once only.
  let backfilled = 0;
  if (!state.backfilled) {
    const history: ReturnType<FleetSimulator['next']>[] = [];
    for (let alert = simulator.next(); alert.timeMs < state.createdMs; alert = simulator.next()) history.push(alert);
    await ship(history);
    await Promise.all([...shippers.values()].map((s) => s.flush()));
    backfilled = history.length;
    saveDemoFleet(data, { ...state, backfilled: true });
  }

  await writeOut(ctx.stdout, banner(server));
  const ids = simulator.hosts.map((h) => h.instanceId).join(', ');
  const what = earlier.kind === 'continued' && earlier.state.backfilled
    ? `continuing the fleet first started ${new Date(state.createdMs).toISOString()} (no second backfill); about ${rate} alerts a second`
    : `${backfilled} alerts from the last two hours, then about ${rate} a second`;
  ctx.stdout.write(`Demo: ${simulator.hosts.length} simulated hosts (${ids}) ship to log group ${DEMO_LOG_GROUP} with agent key ${key.id} (create, ship, describe; nothing else): ${what}. Data in ${config.dataDir}.\n`);
  if (earlier.kind === 'continued' && values['hosts'] !== undefined && hosts !== simulator.hosts.length) ctx.stderr.write(`hidsmon demo: --hosts ${hosts} ignored: ${data} holds a fleet of ${simulator.hosts.length}.\n`);

  // Live: each tick, the alerts due by now.
  const live = new FleetSimulator({ hosts: simulator.hosts.map((h) => ({ ...h })), seed: ((now / 1000) | 0) + 1, ratePerSec: rate, startMs: now, scenarios: ['ssh-brute-force'], attackShare: 0.15 });
  let pending = live.next();
  while (!ctx.signal.aborted) {
    const due: ReturnType<FleetSimulator['next']>[] = [];
    const t = ctx.now();
    while (pending.timeMs <= t) {
      due.push(pending);
      pending = live.next();
    }
    if (due.length > 0) await ship(due);
    await sleep(250, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  ctx.stderr.write('hidsmon demo: stopping...\n');
  await Promise.all([...shippers.values()].map((s) => s.close().catch(() => undefined)));
  client.destroy();
  // As `hidsmon server`: what a bounded stop abandoned may hold the process open; end it then.
  if (!(await server.stop())) setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

/** @module `hidsmon simulate`: the blog's test hosts writing OSSEC alerts files, live or backfilled. */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALERT_FORMATS, type AlertFormat } from '../../../core/document.js';
import { parseDateMath, parseDuration } from '../../../core/date-math.js';
import { FleetSimulator, SCENARIOS, type ScenarioName } from '../../../simulate/fleet-simulator.js';
import { alertsFileName, renderAlertLine } from '../../../simulate/render.js';
import { integerOption, parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const simulateHelp = `Usage: hidsmon simulate --out DIR [options]

Simulates the blog's test hosts: each host's OSSEC writes its alerts file
(DIR/<instance-id>/alerts.json or alerts.log) with the seven alert types of the
blog (sudo to ROOT, web 400, SSH scan, login session opened/closed, yum package
installed/deleted), real rule ids and levels, and plausible source IPs.

Without --start it runs live: alerts are appended as they happen, at --rate,
until --duration or --count is reached or Ctrl-C. With --start it backfills:
alerts from that time on are written at once, as fast as the disk allows.

Options:
  --out DIR             where the hosts' directories go (required)
  --hosts N             number of hosts (default: 2; the first is i-0e427a8594852eca2,
                        the instance id of the blog's example query)
  --rate N[/s|/m|/h]    alerts per second across the fleet (default: 2/s)
  --duration D          how long, e.g. 90s, 5m, 24h (live: wall time; backfill: alert time)
  --count N             stop after N alerts
  --seed N              random seed; the same seed and --start give the same files (default: 1)
  --format F            ossec-json (default), wazuh-json or alerts-log
  --scenario NAME       add an attacker: ssh-brute-force or port-scan (repeatable)
  --start TIME          backfill from TIME: ISO 8601 or date math such as now-24h
  --quiet               no progress on stderr
  -h, --help            show this help

Examples:
  hidsmon simulate --out /tmp/fleet --duration 60s
  hidsmon simulate --out /tmp/fleet --start now-24h --duration 24h --rate 50 --scenario ssh-brute-force
`;

export async function simulateCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('simulate', argv, {
    out: { type: 'string' },
    hosts: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    format: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    start: { type: 'string' },
    quiet: { type: 'boolean' },
  }, 0);
  void positionals;
  if (values['help']) {
    await writeOut(ctx.stdout, simulateHelp);
    return 0;
  }
  const out = stringOption(values, 'out');
  if (!out) throw usageError('simulate', 'Missing --out DIR: the directory to write the hosts\' alerts files to.');
  const hosts = integerOption('simulate', values, 'hosts', 1) ?? 2;
  const seed = integerOption('simulate', values, 'seed', 0) ?? 1;
  const count = integerOption('simulate', values, 'count', 1);
  const ratePerSec = parseRate(stringOption(values, 'rate') ?? '2/s');
  const format = (stringOption(values, 'format') ?? 'ossec-json') as AlertFormat;
  if (!ALERT_FORMATS.includes(format)) throw usageError('simulate', `--format must be one of ${ALERT_FORMATS.join(', ')}, not "${format}".`);
  const scenarios = ((values['scenario'] as string[] | undefined) ?? []) as ScenarioName[];
  for (const s of scenarios) {
    if (!SCENARIOS.includes(s)) throw usageError('simulate', `Unknown scenario "${s}"; the scenarios are ${SCENARIOS.join(', ')}.`);
  }
  const durationText = stringOption(values, 'duration');
  const durationMs = durationText === undefined ? undefined : unwrap('simulate', parseDuration(durationText), '--duration');
  const startText = stringOption(values, 'start');
  const backfill = startText !== undefined;
  const startMs = backfill ? unwrap('simulate', parseDateMath(startText, ctx.now()), '--start') : ctx.now();
  if (backfill && durationMs === undefined && count === undefined) {
    throw usageError('simulate', 'A backfill (--start) needs --duration or --count to know where to stop.');
  }

  const simulator = new FleetSimulator({ hosts, seed, ratePerSec, startMs, scenarios });
  const files = new HostFiles(out, simulator.hosts.map((h) => h.instanceId), format);
  const progress = new Progress(ctx, values['quiet'] === true, count);
  if (!values['quiet']) {
    const attackers = Object.entries(simulator.attackerIps).map(([s, ip]) => `${s} from ${ip}`);
    ctx.stderr.write(
      `hidsmon simulate: ${backfill ? 'backfilling' : 'writing live'} ~${ratePerSec}/s ${format} alerts for ${hosts} host(s) to ${out}` +
        `${attackers.length ? `; attack: ${attackers.join(', ')}` : ''}${backfill ? '' : ' (Ctrl-C to stop)'}\n`,
    );
  }
  const endMs = durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + durationMs;
  let written = 0;
  try {
    let pending = simulator.next();
    while (!ctx.signal.aborted && (count === undefined || written < count) && pending.timeMs < endMs) {
      if (!backfill) {
        const wait = pending.timeMs - ctx.now();
        if (wait > 0) {
          files.flush();
          await sleep(Math.min(wait, 250), undefined, { signal: ctx.signal }).catch(() => undefined);
          continue;
        }
      }
      files.append(pending.host.instanceId, renderAlertLine(pending, format));
      written++;
      progress.update(written, pending.timeMs, startMs, endMs);
      pending = simulator.next();
    }
  } finally {
    files.close();
  }
  progress.done();
  if (!values['quiet']) {
    ctx.stderr.write(`hidsmon simulate: wrote ${written} alerts: ${files.summary()}\n`);
  }
  return 0;
}

/** `10`, `10/s`, `600/m`, `36000/h`, also fractions such as `0.5/s`. */
function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?\s*$/.exec(text);
  const rate = m ? Number(m[1]) / { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's'] : Number.NaN;
  if (!(rate > 0)) throw usageError('simulate', `--rate must be a positive number of alerts per second (e.g. 5, 5/s, 300/m), not "${text}".`);
  return rate;
}

function unwrap<T>(command: string, result: { ok: true; value: T } | { ok: false; error: string }, option: string): T {
  if (!result.ok) throw usageError(command, `${option}: ${result.error}`);
  return result.value;
}

/** One append-only alerts file per host, buffered so that a backfill of millions stays fast. */
class HostFiles {
  private readonly fds = new Map<string, number>();
  private readonly buffers = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly paths = new Map<string, string>();
  private buffered = 0;

  constructor(out: string, instanceIds: string[], format: AlertFormat) {
    for (const id of instanceIds) {
      const dir = join(out, id);
      const path = join(dir, alertsFileName(format));
      try {
        mkdirSync(dir, { recursive: true });
        this.fds.set(id, openSync(path, 'a'));
      } catch (e) {
        throw new CliError(`Cannot write ${path}: ${(e as Error).message}`);
      }
      this.paths.set(id, path);
      this.buffers.set(id, '');
      this.counts.set(id, 0);
    }
  }

  append(instanceId: string, text: string): void {
    this.buffers.set(instanceId, (this.buffers.get(instanceId) as string) + text);
    this.counts.set(instanceId, (this.counts.get(instanceId) as number) + 1);
    this.buffered += text.length;
    if (this.buffered > 1 << 20) this.flush();
  }

  flush(): void {
    for (const [id, text] of this.buffers) {
      if (text !== '') writeSync(this.fds.get(id) as number, text);
      this.buffers.set(id, '');
    }
    this.buffered = 0;
  }

  close(): void {
    this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  summary(): string {
    return [...this.paths].map(([id, path]) => `${path} (${this.counts.get(id)})`).join(', ');
  }
}

/** A progress line on stderr about once a second, for long runs only. */
class Progress {
  private lastMs: number;
  private shown = false;
  constructor(
    private readonly ctx: CommandContext,
    private readonly quiet: boolean,
    private readonly count: number | undefined,
  ) {
    this.lastMs = ctx.now();
  }

  update(written: number, timeMs: number, startMs: number, endMs: number): void {
    if (this.quiet || (written & 1023) !== 0) return;
    const now = this.ctx.now();
    if (now - this.lastMs < 1000) return;
    this.lastMs = now;
    const share = this.count !== undefined ? written / this.count : Number.isFinite(endMs) ? (timeMs - startMs) / (endMs - startMs) : undefined;
    const percent = share === undefined ? '' : ` (${Math.min(100, Math.floor(share * 100))}%)`;
    this.ctx.stderr.write(`${this.ctx.stderrIsTTY ? '\r' : ''}hidsmon simulate: ${written.toLocaleString('en-US')} alerts${percent}${this.ctx.stderrIsTTY ? '' : '\n'}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown && this.ctx.stderrIsTTY) this.ctx.stderr.write('\n');
  }
}

/**
 * @module The blog's test environment as a library: a fleet of EC2-like hosts whose OSSEC fires the
 * seven alert types, plus attack scenarios in which one source IP stands out. Pure and seeded:
 * the same seed and start time give the same alerts.
 */
import { MONTHS } from '../core/time.js';
import {
  ADMIN_USERS,
  BACKGROUND_WEIGHTS,
  GUESSED_USERS,
  HTTP_CLIENT_ERRORS,
  HTTP_METHODS,
  PACKAGES,
  PROBE_PATHS,
  RULES,
  SESSION_TARGETS,
  SUDO_COMMANDS,
  USER_AGENTS,
  type RuleInfo,
  type RuleKey,
} from './catalog.js';
import { Random, zipfWeights } from './random.js';

export interface SimulatedHost {
  /** The log stream name, as the CloudWatch agent's `{instance_id}` gives it. */
  instanceId: string;
  /** EC2's default host name, `ip-10-0-1-23`. */
  hostname: string;
  privateIp: string;
}

/** One alert, independent of the output format. */
export interface SimulatedAlert {
  host: SimulatedHost;
  rule: RuleInfo;
  /** When OSSEC wrote it (epoch ms, whole seconds as OSSEC's TimeStamp is). */
  timeMs: number;
  /** `<epoch>.<offset>`, as OSSEC writes it. */
  alertId: string;
  firedtimes: number;
  location: string;
  programName?: string;
  decoder?: { name: string; parent?: string };
  fullLog: string;
  /** Earlier events of a correlation rule, oldest first. */
  previousOutput?: string[];
  /** Decoded fields under OSSEC 3.7's names (with its sudo decoder's swapped users). */
  ossecFields: Record<string, string>;
  /** Decoded fields under Wazuh 4.x's names (`data.*`). */
  wazuhData: Record<string, string>;
}

export const SCENARIOS = ['ssh-brute-force', 'port-scan'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface FleetOptions {
  /** Number of hosts, or the hosts themselves. */
  hosts: number | SimulatedHost[];
  seed: number;
  /** Alerts per second across the fleet (for `next()` without a time). */
  ratePerSec: number;
  /** Time of the first alert when `next()` picks the times. */
  startMs: number;
  scenarios?: readonly ScenarioName[];
  /** Share of alerts that come from the scenarios' attackers (default 0.3). */
  attackShare?: number;
}

/** The blog's example query names this instance; the first simulated host carries it. */
export const BLOG_INSTANCE_ID = 'i-0e427a8594852eca2';

interface Attacker {
  scenario: ScenarioName;
  ip: string;
  /** Full logs of the events since the last correlation alert. */
  recent: string[];
}

export class FleetSimulator {
  readonly hosts: readonly SimulatedHost[];
  readonly sourceIps: readonly string[];
  private readonly rng: Random;
  private readonly ipWeights: number[];
  private readonly attackers: Attacker[];
  private readonly attackShare: number;
  private readonly meanGapMs: number;
  private readonly offsets = new Map<string, number>();
  private readonly fired = new Map<string, number>();
  private clockMs: number;
  private attackTurn = 0;

  constructor(options: FleetOptions) {
    this.rng = new Random(options.seed);
    this.hosts = typeof options.hosts === 'number' ? makeHosts(options.hosts, this.rng) : options.hosts;
    if (this.hosts.length === 0) throw new RangeError('A fleet needs at least one host.');
    if (!(options.ratePerSec > 0)) throw new RangeError('The rate must be above 0 alerts per second.');
    this.sourceIps = makeSourceIps(this.rng);
    this.ipWeights = zipfWeights(this.sourceIps.length);
    const taken = new Set(this.sourceIps);
    this.attackers = (options.scenarios ?? []).map((scenario) => {
      const range = scenario === 'ssh-brute-force' ? '203.0.113' : '198.51.100';
      let ip: string;
      do ip = `${range}.${this.rng.int(1, 254)}`;
      while (taken.has(ip));
      taken.add(ip);
      return { scenario, ip, recent: [] };
    });
    this.attackShare = this.attackers.length > 0 ? (options.attackShare ?? 0.3) : 0;
    this.meanGapMs = 1000 / options.ratePerSec;
    this.clockMs = options.startMs;
  }

  /** The attackers' source IPs by scenario. */
  get attackerIps(): Record<string, string> {
    return Object.fromEntries(this.attackers.map((a) => [a.scenario, a.ip]));
  }

  /**
   * The next alert. Without `timeMs` the simulator's own clock advances by a Poisson gap at the
   * configured rate; a live writer passes the wall clock instead.
   */
  next(timeMs?: number): SimulatedAlert {
    if (timeMs === undefined) {
      this.clockMs += this.rng.exponential(this.meanGapMs);
      timeMs = this.clockMs;
    }
    const host = this.rng.pick(this.hosts);
    if (this.attackers.length > 0 && this.rng.float() < this.attackShare) {
      const attacker = this.attackers[this.attackTurn++ % this.attackers.length] as Attacker;
      return this.attack(attacker, host, timeMs);
    }
    const keys = Object.keys(BACKGROUND_WEIGHTS) as RuleKey[];
    const key = this.rng.weighted(keys, keys.map((k) => BACKGROUND_WEIGHTS[k] as number));
    return this.background(key, host, timeMs);
  }

  private background(key: RuleKey, host: SimulatedHost, timeMs: number): SimulatedAlert {
    const rng = this.rng;
    const ts = syslogTime(timeMs);
    switch (key) {
      case 'sudoToRoot': {
        const user = rng.pick(ADMIN_USERS);
        const command = rng.pick(SUDO_COMMANDS);
        const pwd = user === 'ec2-user' ? '/home/ec2-user' : rng.pick([`/home/${user}`, '/', '/var/log']);
        return this.alert(host, RULES.sudoToRoot, timeMs, {
          location: '/var/log/secure',
          programName: 'sudo',
          decoder: { name: 'sudo', parent: 'sudo' },
          fullLog: `${ts} ${host.hostname} sudo: ${user} : TTY=pts/0 ; PWD=${pwd} ; USER=root ; COMMAND=${command}`,
          ossecFields: { dstuser: user, url: pwd, srcuser: 'root', status: command },
          wazuhData: { srcuser: user, dstuser: 'root', tty: 'pts/0', pwd, command },
        });
      }
      case 'web400':
        return this.web400(host, timeMs, this.sourceIp(), rng.pick(PROBE_PATHS));
      case 'sshScan':
        return this.sshScan(host, timeMs, this.sourceIp());
      case 'sessionOpened': {
        const by = rng.pick(ADMIN_USERS);
        const target = rng.pick(SESSION_TARGETS);
        const via = rng.pick(['sudo', 'su', 'sshd'] as const);
        const pid = via === 'sudo' ? '' : `[${rng.int(1000, 32000)}]`;
        return this.alert(host, RULES.sessionOpened, timeMs, {
          location: '/var/log/secure',
          programName: via,
          decoder: { name: 'pam', parent: 'pam' },
          fullLog: `${ts} ${host.hostname} ${via}${pid}: pam_unix(${via}:session): session opened for user ${target} by ${by}(uid=0)`,
          ossecFields: {},
          wazuhData: { srcuser: by, dstuser: target, uid: '0' },
        });
      }
      case 'sessionClosed': {
        const target = rng.pick(SESSION_TARGETS);
        const via = rng.pick(['sudo', 'su', 'sshd'] as const);
        const pid = via === 'sudo' ? '' : `[${rng.int(1000, 32000)}]`;
        return this.alert(host, RULES.sessionClosed, timeMs, {
          location: '/var/log/secure',
          programName: via,
          decoder: { name: 'pam', parent: 'pam' },
          fullLog: `${ts} ${host.hostname} ${via}${pid}: pam_unix(${via}:session): session closed for user ${target}`,
          ossecFields: {},
          wazuhData: { dstuser: target },
        });
      }
      case 'yumInstalled':
      case 'yumDeleted': {
        const verb = key === 'yumInstalled' ? 'Installed' : 'Erased';
        return this.alert(host, RULES[key], timeMs, {
          location: '/var/log/messages',
          programName: 'yum',
          fullLog: `${ts} ${host.hostname} yum[${rng.int(1000, 32000)}]: ${verb}: ${rng.pick(PACKAGES)}`,
          ossecFields: {},
          wazuhData: {},
        });
      }
      default:
        throw new RangeError(`Not a background alert type: ${key}`);
    }
  }

  private web400(host: SimulatedHost, timeMs: number, ip: string, path: string, previousOutput?: string[]): SimulatedAlert {
    const method = this.rng.pick(HTTP_METHODS);
    const status = this.rng.pick(HTTP_CLIENT_ERRORS);
    const fullLog = `${ip} - - [${accessLogTime(timeMs)}] "${method} ${path} HTTP/1.1" ${status} ${this.rng.int(150, 400)} "-" "${this.rng.pick(USER_AGENTS)}"`;
    return this.alert(host, previousOutput ? RULES.multipleWeb400 : RULES.web400, timeMs, {
      location: '/var/log/httpd/access_log',
      decoder: { name: 'web-accesslog' },
      fullLog,
      ...(previousOutput ? { previousOutput } : {}),
      ossecFields: { srcip: ip, action: method, url: path },
      wazuhData: { srcip: ip, protocol: method, url: path, id: String(status) },
    });
  }

  private sshScan(host: SimulatedHost, timeMs: number, ip: string): SimulatedAlert {
    const port = String(this.rng.int(32768, 60999));
    return this.alert(host, RULES.sshScan, timeMs, {
      location: '/var/log/secure',
      programName: 'sshd',
      decoder: { name: 'sshd', parent: 'sshd' },
      fullLog: `${syslogTime(timeMs)} ${host.hostname} sshd[${this.rng.int(1000, 32000)}]: Did not receive identification string from ${ip} port ${port}`,
      ossecFields: { srcip: ip, srcport: port },
      wazuhData: { srcip: ip, srcport: port },
    });
  }

  private attack(attacker: Attacker, host: SimulatedHost, timeMs: number): SimulatedAlert {
    const rng = this.rng;
    if (attacker.scenario === 'port-scan') {
      if (rng.float() < 0.4) return this.sshScan(host, timeMs, attacker.ip);
      const correlated = attacker.recent.length + 1 >= (RULES.multipleWeb400.frequency as number);
      const alert = this.web400(host, timeMs, attacker.ip, rng.pick(PROBE_PATHS), correlated ? [...attacker.recent] : undefined);
      attacker.recent = correlated ? [] : [...attacker.recent, alert.fullLog];
      return alert;
    }
    const ts = syslogTime(timeMs);
    const port = String(rng.int(32768, 60999));
    const pid = rng.int(1000, 32000);
    if (rng.float() < 0.2) {
      return this.alert(host, RULES.sshdAuthFailed, timeMs, {
        location: '/var/log/secure',
        programName: 'sshd',
        decoder: { name: 'sshd', parent: 'sshd' },
        fullLog: `${ts} ${host.hostname} sshd[${pid}]: Failed password for root from ${attacker.ip} port ${port} ssh2`,
        ossecFields: { srcip: attacker.ip, srcport: port, dstuser: 'root' },
        wazuhData: { srcip: attacker.ip, srcport: port, dstuser: 'root' },
      });
    }
    const user = rng.pick(GUESSED_USERS);
    const fullLog = `${ts} ${host.hostname} sshd[${pid}]: Invalid user ${user} from ${attacker.ip} port ${port}`;
    const correlated = attacker.recent.length + 1 >= (RULES.sshBruteForce.frequency as number);
    const alert = this.alert(host, correlated ? RULES.sshBruteForce : RULES.invalidUser, timeMs, {
      location: '/var/log/secure',
      programName: 'sshd',
      decoder: { name: 'sshd', parent: 'sshd' },
      fullLog,
      ...(correlated ? { previousOutput: [...attacker.recent] } : {}),
      ossecFields: { srcip: attacker.ip, srcport: port, srcuser: user },
      wazuhData: { srcip: attacker.ip, srcport: port, srcuser: user },
    });
    attacker.recent = correlated ? [] : [...attacker.recent, fullLog];
    return alert;
  }

  private sourceIp(): string {
    return this.rng.weighted(this.sourceIps, this.ipWeights);
  }

  private alert(
    host: SimulatedHost,
    rule: RuleInfo,
    timeMs: number,
    details: Omit<SimulatedAlert, 'host' | 'rule' | 'timeMs' | 'alertId' | 'firedtimes'>,
  ): SimulatedAlert {
    const seconds = Math.floor(timeMs / 1000);
    const offset = this.offsets.get(host.instanceId) ?? 0;
    // OSSEC's id is `<epoch>.<byte offset in the day's alerts.log>`; an estimate of the block size keeps it plausible.
    this.offsets.set(host.instanceId, offset + 160 + details.fullLog.length + (details.previousOutput?.join('\n').length ?? 0));
    const firedKey = `${host.instanceId}/${rule.sidid}`;
    const firedtimes = (this.fired.get(firedKey) ?? 0) + 1;
    this.fired.set(firedKey, firedtimes);
    return { host, rule, timeMs: seconds * 1000, alertId: `${seconds}.${offset}`, firedtimes, ...details };
  }
}

function makeHosts(count: number, rng: Random): SimulatedHost[] {
  const hosts: SimulatedHost[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    let privateIp: string;
    do privateIp = `10.0.${rng.int(1, 3)}.${rng.int(10, 250)}`;
    while (used.has(privateIp));
    used.add(privateIp);
    hosts.push({
      instanceId: i === 0 ? BLOG_INSTANCE_ID : `i-0${rng.hex(16)}`,
      hostname: `ip-${privateIp.replaceAll('.', '-')}`,
      privateIp,
    });
  }
  return hosts;
}

/**
 * Source IPs of web errors and SSH scans, most frequent first: the blog's own test traffic
 * (localhost, 10.10.10.10), neighbours in the VPC, and outside addresses from the ranges reserved
 * for documentation (RFC 5737), so that no real address appears.
 */
function makeSourceIps(rng: Random): string[] {
  const ips = new Set<string>(['127.0.0.1', '10.10.10.10']);
  while (ips.size < 6) ips.add(`10.0.${rng.int(1, 3)}.${rng.int(10, 250)}`);
  while (ips.size < 9) ips.add(`172.31.${rng.int(0, 47)}.${rng.int(1, 254)}`);
  const publicRanges = ['192.0.2', '198.51.100', '203.0.113'];
  while (ips.size < 40) ips.add(`${rng.pick(publicRanges)}.${rng.int(1, 254)}`);
  return [...ips];
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Syslog's `Mar  2 14:33:47` (day padded with a space). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Apache's `02/Mar/2024:14:35:12 +0000`. */
function accessLogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

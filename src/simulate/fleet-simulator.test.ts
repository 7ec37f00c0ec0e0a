import { describe, expect, it } from 'vitest';
import { ALERT_FORMATS } from '../core/document.js';
import { getPath } from '../core/paths.js';
import { readMessage } from '../transforms/to-document.js';
import { BLOG_ALERT_TYPES, RULES } from './catalog.js';
import { BLOG_INSTANCE_ID, FleetSimulator } from './fleet-simulator.js';
import { renderAlert, renderAlertLine } from './render.js';

const START = Date.UTC(2024, 2, 2, 14);
const run = (n: number, options: Partial<ConstructorParameters<typeof FleetSimulator>[0]> = {}) => {
  const sim = new FleetSimulator({ hosts: 2, seed: 7, ratePerSec: 10, startMs: START, ...options });
  return { sim, alerts: Array.from({ length: n }, () => sim.next()) };
};

describe('FleetSimulator', () => {
  it('repeats exactly for a seed and differs for another', () => {
    const a = run(500).alerts.map((x) => renderAlert(x, 'ossec-json'));
    const b = run(500).alerts.map((x) => renderAlert(x, 'ossec-json'));
    const c = run(500, { seed: 8 }).alerts.map((x) => renderAlert(x, 'ossec-json'));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('names hosts like EC2 instances, the first after the blog\'s example', () => {
    const { sim } = run(0, { hosts: 5 });
    expect(sim.hosts[0]!.instanceId).toBe(BLOG_INSTANCE_ID);
    for (const host of sim.hosts) {
      expect(host.instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
      expect(host.hostname).toBe(`ip-${host.privateIp.replaceAll('.', '-')}`);
    }
    expect(new Set(sim.hosts.map((h) => h.instanceId)).size).toBe(5);
  });

  it('fires the blog\'s seven alert types with their real ids, levels and comments, on every host', () => {
    const { alerts } = run(3000);
    const seen = new Map(alerts.map((a) => [a.rule.sidid, a.rule]));
    for (const key of BLOG_ALERT_TYPES) expect(seen.get(RULES[key].sidid)).toEqual(RULES[key]);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual([2932, 2934, 5402, 5501, 5502, 5706, 31101]);
    expect(RULES.sshScan).toMatchObject({ sidid: 5706, level: 6, comment: 'SSH insecure connection attempt (scan).' });
    expect(RULES.sudoToRoot.comment).toBe('Successful sudo to ROOT executed');
    expect(new Set(alerts.map((a) => a.host.instanceId)).size).toBe(2);
  });

  it('advances its clock at about the rate and keeps time order', () => {
    const { alerts } = run(2000);
    for (let i = 1; i < alerts.length; i++) expect(alerts[i]!.timeMs).toBeGreaterThanOrEqual(alerts[i - 1]!.timeMs);
    const seconds = (alerts[alerts.length - 1]!.timeMs - START) / 1000;
    expect(seconds).toBeGreaterThan(170);
    expect(seconds).toBeLessThan(230);
  });

  it('includes the blog\'s query target: level 6 from 10.10.10.10 on the blog\'s instance', () => {
    const { alerts } = run(3000);
    expect(alerts.some((a) => a.rule.level === 6 && a.host.instanceId === BLOG_INSTANCE_ID && a.ossecFields['srcip'] === '10.10.10.10')).toBe(true);
  });

  it.each(['ssh-brute-force', 'port-scan'] as const)('makes the %s attacker the top source IP, with correlation alerts', (scenario) => {
    const { sim, alerts } = run(3000, { scenarios: [scenario] });
    const counts = new Map<string, number>();
    for (const a of alerts) {
      const ip = a.ossecFields['srcip'];
      if (ip) counts.set(ip, (counts.get(ip) ?? 0) + 1);
    }
    const [top, second] = [...counts.entries()].sort((x, y) => y[1] - x[1]);
    expect(top![0]).toBe(sim.attackerIps[scenario]);
    expect(top![1]).toBeGreaterThan(2 * second![1]);
    const correlation = scenario === 'ssh-brute-force' ? RULES.sshBruteForce : RULES.multipleWeb400;
    const fired = alerts.filter((a) => a.rule.sidid === correlation.sidid);
    expect(fired.length).toBeGreaterThan(5);
    expect(fired.every((a) => a.ossecFields['srcip'] === top![0] && a.previousOutput!.length === correlation.frequency! - 1)).toBe(true);
  });
});

describe('render', () => {
  const { alerts } = run(400, { scenarios: ['ssh-brute-force', 'port-scan'] });

  it.each(ALERT_FORMATS)('writes %s that hidsmon reads back to the same fields', (format) => {
    for (const alert of alerts) {
      const reading = readMessage(renderAlert(alert, format));
      if (!reading.ok) throw new Error(`${format}: ${reading.error.message}\n${renderAlert(alert, format)}`);
      const fields = reading.alert.fields;
      expect(reading.alert.format).toBe(format);
      expect(reading.alert.alertId).toBe(alert.alertId);
      expect(reading.alert.timeMs).toBe(alert.timeMs);
      expect(getPath(fields, 'rule.sidid')).toBe(alert.rule.sidid);
      expect(getPath(fields, 'rule.level')).toBe(alert.rule.level);
      expect(getPath(fields, 'rule.comment')).toBe(format === 'wazuh-json' ? alert.rule.wazuhDescription : alert.rule.comment);
      expect(fields['srcip']).toBe(alert.ossecFields['srcip']);
      expect(fields['full_log']).toBe(alert.fullLog);
      expect(fields['previous_output']).toBe(alert.previousOutput?.join('\n'));
      expect(fields['location']).toBe(alert.location);
      expect(fields.hidsmon.flags).toBeUndefined();
    }
  });

  it('writes one line per JSON alert and a blank-line-terminated block per alerts.log record', () => {
    const alert = alerts[0]!;
    expect(renderAlertLine(alert, 'ossec-json').split('\n')).toHaveLength(2);
    expect(renderAlertLine(alert, 'alerts-log')).toMatch(/^\*\* Alert \d+\.\d+:.*\n[\s\S]*\n\n$/);
  });
});

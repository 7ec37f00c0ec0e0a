/**
 * The rule engine with the built-in pack on the simulator's traffic (the forwarder's own transform):
 * each rule kind fires on the attack scenarios and not on background traffic; a restart from the
 * saved state in the middle of a window neither loses nor duplicates a detection; a rule that
 * throws is disabled and reported.
 */
import { describe, expect, it } from 'vitest';
import type { Detection } from '../core/detection.js';
import type { IndexedDocument } from '../core/document.js';
import { simulatedDocuments } from '../testing/simulated-traffic.js';
import { documentFromLogEvent } from '../transforms/to-document.js';
import { DetectionEngine } from './engine.js';
import { builtinRules } from './pack.js';
import type { CompiledRule } from './rules.js';
import { parseRulesYaml } from './rule-yaml.js';


function run(documents: readonly IndexedDocument[], options: { rules?: CompiledRule[]; now?: () => number } = {}): { engine: DetectionEngine; detections: Detection[] } {
  const detections: Detection[] = [];
  const engine = new DetectionEngine({ now: options.now ?? (() => Date.UTC(2026, 11, 1, 12)), emit: (d) => detections.push(d) });
  engine.setRules(options.rules ?? builtinRules());
  for (const d of documents) engine.evaluate(d);
  return { engine, detections };
}

const byRule = (detections: Detection[], id: string): Detection[] => detections.filter((d) => d.rule.id === id);

describe('DetectionEngine with the built-in pack', () => {
  it('finds nothing but package installs in three hours of background traffic from four hosts', () => {
    const traffic = simulatedDocuments({ count: 20_000, seed: 7, hosts: 4, ratePerSec: 2 });
    const { detections } = run(traffic.documents);
    const kinds = new Set(detections.map((d) => d.rule.id));
    expect([...kinds]).toEqual(['builtin.package-installed']);
    // At most one per host in 10 minutes.
    expect(byRule(detections, 'builtin.package-installed').length).toBeLessThanOrEqual(4 * 6 * 3 + 4);
  });

  it('fires the brute-force, spread, scan and 400-burst rules on the attack scenarios, for the attackers only', () => {
    const traffic = simulatedDocuments({ count: 6000, seed: 11, hosts: 4, ratePerSec: 2, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.2 });
    const { detections } = run(traffic.documents);
    const ssh = traffic.attackerIps['ssh-brute-force'] as string;
    const scan = traffic.attackerIps['port-scan'] as string;
    for (const [rule, ip] of [['builtin.ssh-brute-force', ssh], ['builtin.ssh-brute-force-spread', ssh], ['builtin.port-scan', scan], ['builtin.web-400-burst', scan]] as const) {
      const fired = byRule(detections, rule);
      expect(fired.length, rule).toBeGreaterThan(0);
      expect(new Set(fired.map((d) => d.group.map((g) => `${g.field}=${g.value}`).join())), rule).toEqual(new Set([`srcip=${ip}`]));
    }
    const brute = byRule(detections, 'builtin.ssh-brute-force')[0] as Detection;
    expect(brute.count).toBe(10);
    expect(brute.evidence.length).toBe(10);
    expect(brute.evidence.every((e) => e.text.includes(ssh))).toBe(true);
    expect(brute.query).toBe(`(rule.group:authentication_failed OR rule.group:authentication_failures) AND srcip:"${ssh}"`);
    expect(Date.parse(brute.window.end) - Date.parse(brute.window.start)).toBe(5 * 60_000);
    const spread = byRule(detections, 'builtin.ssh-brute-force-spread')[0] as Detection;
    expect(spread.hosts.length).toBe(spread.count);
    expect(spread.count).toBeGreaterThanOrEqual(2);
    // Windows do not overlap: each detection of a group starts after the previous one's window.
    const starts = byRule(detections, 'builtin.ssh-brute-force').map((d) => Date.parse(d.window.start));
    starts.slice(1).forEach((s, i) => expect(s).toBeGreaterThanOrEqual((starts[i] as number) + 5 * 60_000));
  });

  it('new term: sudo to ROOT by a user new to the host fires once, after the host has been learned; Wazuh alerts too', () => {
    for (const format of ['ossec-json', 'wazuh-json'] as const) {
      const traffic = simulatedDocuments({ count: 16_000, seed: 3, hosts: 2, ratePerSec: 2, format });
      const host = traffic.hosts[0] as string;
      const last = traffic.alerts[traffic.alerts.length - 1]?.timeMs as number;
      const sudo = (user: string, at: number): IndexedDocument => {
        const message =
          format === 'ossec-json'
            ? JSON.stringify({ rule: { level: 3, comment: 'Successful sudo to ROOT executed', sidid: 5402, group: 'syslog,sudo' }, id: `${at / 1000}.1`, TimeStamp: at, decoder: 'sudo', srcuser: 'root', dstuser: user, location: '/var/log/secure', full_log: `Dec  1 12:00:00 ip-10-0-1-1 sudo: ${user} : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash` })
            : JSON.stringify({ timestamp: new Date(at).toISOString().replace('Z', '+0000'), rule: { level: 3, description: 'Successful sudo to ROOT executed.', id: '5402', groups: ['syslog', 'sudo'] }, agent: { id: '001', name: 'ip-10-0-1-1' }, id: `${at / 1000}.1`, full_log: `sudo: ${user} : USER=root ; COMMAND=/bin/bash`, data: { srcuser: user, dstuser: 'root' }, location: '/var/log/secure' });
        return documentFromLogEvent({ eventId: `sudo-${at}`, timestampMs: at, message, owner: '1', logGroup: 'hids-alerts', logStream: host });
      };
      const { detections } = run([...traffic.documents, sudo('mallory', last + 1000), sudo('mallory', last + 2000)]);
      const fired = byRule(detections, 'builtin.sudo-new-user');
      expect(fired.map((d) => d.group), format).toEqual([[{ field: '@log_stream', value: host }, { field: 'srcuser', value: format === 'ossec-json' ? 'root' : 'mallory' }, { field: 'dstuser', value: format === 'ossec-json' ? 'mallory' : 'root' }]]);
      expect(fired[0]?.evidence[0]?.text).toContain('mallory');
    }
  });

  it('silent host: a host that stops sending is reported once, after `after` has passed, and not during the first `after` of a start', () => {
    const traffic = simulatedDocuments({ count: 2000, seed: 5, hosts: 3, ratePerSec: 2 });
    const quiet = traffic.hosts[2] as string;
    const docs = traffic.documents;
    const lastOfQuiet = Math.max(...docs.filter((d) => d.document['@log_stream'] === quiet).slice(0, 100).map((d) => Date.parse(d.document['@timestamp'])));
    const kept = docs.filter((d) => d.document['@log_stream'] !== quiet || Date.parse(d.document['@timestamp']) <= lastOfQuiet);
    const end = Date.parse(kept[kept.length - 1]?.document['@timestamp'] as string);
    let now = end - 60 * 60_000;
    const { engine, detections } = run(kept, { now: () => now });
    now = end; // 60 minutes after the engine started
    engine.tick();
    engine.tick();
    const silent = byRule(detections, 'builtin.silent-host');
    expect(silent.map((d) => d.group[0]?.value)).toEqual([quiet]);
    expect(silent[0]?.window.start).toBe(new Date(lastOfQuiet).toISOString());

    const fresh = run(kept, { now: () => end });
    fresh.engine.tick();
    expect(byRule(fresh.detections, 'builtin.silent-host')).toEqual([]);
  });

  it('a restart from the saved state in the middle of a window neither loses nor duplicates a detection', () => {
    const traffic = simulatedDocuments({ count: 6000, seed: 11, hosts: 4, ratePerSec: 2, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.2 });
    const once = run(traffic.documents).detections.filter((d) => d.rule.id !== 'builtin.package-installed');
    expect(once.length).toBeGreaterThan(5);
    // Cut in the middle of the first brute-force window: after its 5th alert.
    const ssh = traffic.attackerIps['ssh-brute-force'] as string;
    const failures = traffic.documents.map((d, i) => [d, i] as const).filter(([d]) => d.document['srcip'] === ssh);
    const cut = (failures[4] as readonly [IndexedDocument, number])[1] + 1;
    const first = run(traffic.documents.slice(0, cut));
    const saved = JSON.parse(JSON.stringify(first.engine.snapshot()));
    const second = run([], {});
    second.engine.restore(saved);
    // The forwarder redelivers the last documents after a crash: they come again.
    for (const d of traffic.documents.slice(cut - 3)) second.engine.evaluate(d);
    const both = [...first.detections, ...second.detections].filter((d) => d.rule.id !== 'builtin.package-installed');
    expect(both.map((d) => d.id).sort()).toEqual(once.map((d) => d.id).sort());
    expect(both.map((d) => d.count)).toEqual(once.map((d) => d.count));
    // Without the saved state the open window's first alerts are lost: the answer differs.
    const amnesiac = run(traffic.documents.slice(cut - 3)).detections.filter((d) => d.rule.id !== 'builtin.package-installed');
    expect([...first.detections.filter((d) => d.rule.id !== 'builtin.package-installed'), ...amnesiac].map((d) => d.id).sort()).not.toEqual(once.map((d) => d.id).sort());
  });

  it('takes prototype-named fields and values as data: a rule on toString grouped by constructor', () => {
    const parsed = parseRulesYaml(['id: proto', 'name: Prototype names', "query: 'toString:x'", 'condition:', '  kind: threshold', '  count: 2', '  window: 5m', '  group_by: [constructor]', ''].join('\n'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    const t0 = Date.UTC(2026, 11, 1, 10);
    const values = ['__proto__', 'hasOwnProperty', '__proto__', 'valueOf'];
    const documents = values.map((value, i) =>
      documentFromLogEvent({ eventId: `e${i}`, timestampMs: t0 + i * 1000, message: `{"id":"${(t0 + i * 1000) / 1000}.${i}","rule":{"level":5,"sidid":5716,"comment":"sshd failure"},"toString":"x","constructor":"${value}","__proto__":{"polluted":true}}`, owner: 'o', logGroup: 'g', logStream: 'i-0proto' }),
    );
    const { detections, engine } = run(documents, { rules: parsed.value });
    expect(detections.map((d) => [d.group, d.count])).toEqual([[[{ field: 'constructor', value: '__proto__' }], 2]]);
    expect(engine.status().find((s) => s.id === 'proto')).toMatchObject({ enabled: true });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('disables a rule that throws and reports it, and goes on with the others', () => {
    const errors: string[] = [];
    const detections: Detection[] = [];
    const engine = new DetectionEngine({ now: Date.now, emit: (d) => detections.push(d), onRuleError: (id, e) => errors.push(`${id}: ${e.message}`) });
    const [good] = builtinRules().filter((r) => r.rule.id === 'builtin.package-installed');
    const bad: CompiledRule = {
      ...(good as CompiledRule),
      rule: { ...(good as CompiledRule).rule, id: 'broken' },
      matches: () => {
        throw new Error('boom');
      },
    };
    engine.setRules([bad, good as CompiledRule]);
    for (const d of simulatedDocuments({ count: 500, seed: 1 }).documents) engine.evaluate(d);
    expect(errors).toEqual(['broken: boom']);
    expect(engine.status().find((s) => s.id === 'broken')).toMatchObject({ enabled: false, error: 'boom' });
    expect(detections.length).toBeGreaterThan(0);
  });
  it('the rule index never skips a document the matcher takes: each query matches as many alerts with it as without it', () => {
    const queries = ['rule.sidid:5402', 'rule.sidid:"5716" OR rule.group:authentication_failures', 'rule.group:syslog AND NOT rule.sidid:5402', 'rule.level:>=5 AND rule.group:sshd', 'srcuser:root AND rule.sidid:5402', '(rule.sidid:31101 OR rule.sidid:31151) AND srcip:"198.51.100.0/24"', 'rule.sidid:5402 OR full_log:yum', 'dstuser:root', 'NOT rule.sidid:5402'];
    const yaml = (q: string, i: number, suffix: string): string => `- id: q${i}${suffix}\n  name: q${i}\n  query: '${q.replace(/'/g, "''")}'\n  condition: {kind: threshold, count: 1, window: 1s, group_by: ['@id']}\n`;
    // OR'ed with a text clause that matches nothing, a query cannot be indexed: every document is asked.
    const text = queries.map((q, i) => yaml(q, i, '') + yaml(`(${q}) OR full_log:zzzznowherezzzz`, i, '-all')).join('');
    const parsed = parseRulesYaml(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    for (const format of ['ossec-json', 'wazuh-json'] as const) {
      const traffic = simulatedDocuments({ count: 3000, seed: 9, hosts: 3, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.3, format });
      const { detections } = run(traffic.documents, { rules: parsed.value });
      queries.forEach((q, i) => {
        const indexed = byRule(detections, `q${i}`).length;
        expect(indexed, `${format} ${q}`).toBe(byRule(detections, `q${i}-all`).length);
        if (!q.startsWith('NOT')) expect(indexed, q).toBeLessThan(3000);
      });
      expect(byRule(detections, 'q0').length).toBeGreaterThan(0);
    }
  });
});

/**
 * @module The built-in rule pack: the blog's scenarios as detections, on the real OSSEC 3.7 /
 * Wazuh 4.x rule ids and groups (/work/shared/reference alert formats; src/simulate/catalog.ts).
 * Written as the YAML a user would put under `<data>/rules/`, so that it doubles as the format's
 * example. A file there with the same id replaces the built-in rule.
 */
import type { CompiledRule } from './rules.js';
import { parseRulesYaml } from './rule-yaml.js';

export const BUILTIN_PACK_YAML = `# SSH brute force across the fleet: one source failing to log in again and again, on any host.
# sshd's 5710 (invalid user) and 5716 (authentication failed) are authentication_failed; OSSEC's own
# per-host correlation 5712 is authentication_failures.
- id: builtin.ssh-brute-force
  name: SSH brute force from one source
  severity: high
  query: 'rule.group:authentication_failed OR rule.group:authentication_failures'
  condition:
    kind: threshold
    count: 10
    window: 5m
    group_by: [srcip]

# The same source failing SSH logins on several hosts: a distributed brute force.
- id: builtin.ssh-brute-force-spread
  name: SSH brute force from one source on several hosts
  severity: critical
  query: 'rule.group:authentication_failed OR rule.group:authentication_failures'
  condition:
    kind: spread
    hosts: 2
    window: 15m
    group_by: [srcip]

# A port and web scan: OSSEC's 31151 (multiple web 400s from one source, group web_scan) from the
# same source on several hosts. Single 400s and sshd's 5706 probes are everyday internet noise.
- id: builtin.port-scan
  name: Scan from one source across hosts
  severity: high
  query: 'rule.group:web_scan'
  condition:
    kind: spread
    hosts: 2
    window: 30m
    group_by: [srcip]

# A burst of web 400s: two of OSSEC's 31151 correlations (12 errors each) from one source within
# 15 minutes, on any hosts.
- id: builtin.web-400-burst
  name: Burst of web 400 errors from one source
  severity: medium
  query: 'rule.sidid:31151'
  condition:
    kind: threshold
    count: 2
    window: 15m
    group_by: [srcip]

# sudo to ROOT (5402) by a user the host has not seen do it in 30 days. OSSEC's sudo decoder
# swaps the users (dstuser is the invoking user), Wazuh does not: the pair covers both.
- id: builtin.sudo-new-user
  name: Sudo to ROOT by a user new to the host
  severity: high
  query: 'rule.sidid:5402'
  condition:
    kind: new_term
    fields: [srcuser, dstuser]
    history: 30d
    learning: 1h

# A package installed on a host (yum's 2932, Wazuh's same id): at most one detection per host in 10 minutes.
- id: builtin.package-installed
  name: Package installed on a host
  severity: low
  query: 'rule.sidid:2932'
  condition:
    kind: threshold
    count: 1
    window: 10m
    group_by: ['@log_stream']

# A host that sent nothing, not even the agent's heartbeat, for 10 minutes.
- id: builtin.silent-host
  name: Host silent for 10 minutes
  severity: medium
  query: '*'
  condition:
    kind: silent_host
    after: 10m
`;

/** The pack, validated: a broken built-in pack is a bug, so it throws. */
export function builtinRules(): CompiledRule[] {
  const parsed = parseRulesYaml(BUILTIN_PACK_YAML);
  if (!parsed.ok) throw new Error(`The built-in rule pack is invalid: ${parsed.error.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
  return parsed.value;
}

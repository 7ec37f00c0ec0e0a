/**
 * @module Test helper: detections as the engine makes them, with alert text an attacker chose
 * (HTML, Slack mentions and links, mrkdwn, a newline) in the group, the hosts and the evidence.
 */
import type { Detection, DetectionEvidence } from '../core/detection.js';

/** Markup for every renderer to defuse: HTML tags and entities, Slack's <!channel> and <url|label>. */
export const HOSTILE_TEXT = `Failed password for <script>alert(1)</script> & <img src=x onerror=alert(2)> <!channel> <https://evil.example|click> *bold* \`code\` from 203.0.113.9`;

export function evidence(i: number, overrides: Partial<DetectionEvidence> = {}): DetectionEvidence {
  return {
    id: `doc-${i}`,
    index: 'cwl-2026.12.01',
    '@timestamp': new Date(Date.UTC(2026, 11, 1, 12, 0, i)).toISOString(),
    '@log_stream': `i-0host${i % 3}`,
    level: 10,
    ruleId: '5712',
    description: 'SSHD brute force trying to get access to the system.',
    text: i === 0 ? HOSTILE_TEXT : `Failed password for invalid user admin${i} from 203.0.113.9 port 22 ssh2`,
    ...overrides,
  };
}

export function sampleDetection(overrides: Partial<Detection> = {}): Detection {
  return {
    id: 'det-ssh-brute-force-203.0.113.9-1',
    rule: { id: 'ssh-brute-force', name: 'SSH brute force across the fleet', kind: 'threshold', severity: 'high' },
    group: [{ field: 'srcip', value: '203.0.113.9' }],
    count: 12,
    hosts: ['i-0host0', 'i-0host1', 'i-0host2'],
    window: { start: '2026-12-01T12:00:00.000Z', end: '2026-12-01T12:05:00.000Z' },
    createdAt: '2026-12-01T12:05:01.000Z',
    status: 'open',
    query: 'rule.sidid:5712 AND srcip:"203.0.113.9"',
    evidence: Array.from({ length: 6 }, (_, i) => evidence(i)),
    ...overrides,
  };
}

/**
 * @module A detection as JSON on the wire (the API, the webhook body): snake_case names, as every
 * /api answer has them (src/api/contract.ts `DetectionJson` is its type). Pure.
 */
import type { Detection } from './detection.js';

export function detectionJson(d: Detection) {
  return {
    id: d.id,
    rule: { id: d.rule.id, name: d.rule.name, kind: d.rule.kind, severity: d.rule.severity },
    group: d.group.map((g) => ({ field: g.field, value: g.value })),
    count: d.count,
    hosts: [...d.hosts],
    window: { start: d.window.start, end: d.window.end },
    created_at: d.createdAt,
    status: d.status,
    ...(d.statusBy !== undefined ? { status_by: d.statusBy } : {}),
    ...(d.statusAt !== undefined ? { status_at: d.statusAt } : {}),
    query: d.query,
    evidence: d.evidence.map((e) => ({
      id: e.id,
      index: e.index,
      '@timestamp': e['@timestamp'],
      '@log_stream': e['@log_stream'],
      ...(e.level !== undefined ? { level: e.level } : {}),
      ...(e.ruleId !== undefined ? { rule_id: e.ruleId } : {}),
      ...(e.description !== undefined ? { description: e.description } : {}),
      text: e.text,
    })),
  };
}

/**
 * @module A detection: a rule's condition met by a group of alerts within a window. The one shape
 * shared by the rule engine, the detection store, the API, the UI and the notification channels.
 * Field values in it are alert text, so attacker-controlled: render them as text, escape them in
 * HTML and chat markup.
 */

/** The conditions a rule can have (Elastic's threshold and new-terms rules, OSSEC's frequency). */
export type RuleKind = 'threshold' | 'spread' | 'new_term' | 'silent_host';

export type DetectionSeverity = 'low' | 'medium' | 'high' | 'critical';

export type DetectionStatus = 'open' | 'acknowledged' | 'closed';

/** One value of a `group_by` field. A list of pairs rather than an object: field names are any text. */
export interface GroupValue {
  field: string;
  value: string;
}

/** One matching alert, as carried in a detection and in its notifications. */
export interface DetectionEvidence {
  /** The document's id and daily index, for a permanent link. */
  id: string;
  index: string;
  '@timestamp': string;
  '@log_stream': string;
  /** rule.level, rule.id and rule.description of the alert, where it has them. */
  level?: number;
  ruleId?: string;
  description?: string;
  /** full_log, or else @message: at most 2,000 characters. */
  text: string;
}

export interface Detection {
  /**
   * Deterministic: derived from the rule id, the group and the window, so that a restart that sees
   * the same alerts again finds the same detection instead of making a second one.
   */
  id: string;
  rule: { id: string; name: string; kind: RuleKind; severity: DetectionSeverity };
  group: GroupValue[];
  /** How many matching alerts the condition counted (for spread: hosts; for silent_host: 0). */
  count: number;
  /** The distinct `@log_stream` values among the matching alerts. */
  hosts: string[];
  window: { start: string; end: string };
  /** When the engine made it (ISO 8601 UTC). */
  createdAt: string;
  status: DetectionStatus;
  /** Who set `status` last and when (ISO 8601 UTC); absent while no one has changed it. */
  statusBy?: string;
  statusAt?: string;
  /**
   * A Lucene query that shows exactly the matching alerts in Discover, together with `window`
   * as the time range: the rule's query AND the group's values.
   */
  query: string;
  /** The first matching alerts, oldest first (at most 10). */
  evidence: DetectionEvidence[];
}

/** What `DetectionStore.put` did: a detection id already stored is never stored twice. */
export type PutDetectionOutcome = 'created' | 'exists';

export interface DetectionQuery {
  status?: DetectionStatus[];
  ruleId?: string;
  /** Matches rule name, group values, hosts and evidence text (case-insensitive substring). */
  text?: string;
  /** ISO 8601 bounds on `createdAt`, inclusive. */
  from?: string;
  to?: string;
  /** At most this many, newest first (by createdAt, then id). */
  limit: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface DetectionPage {
  detections: Detection[];
  total: number;
  next?: string;
}

/**
 * Where detections are kept (durably, in the data directory). Implemented by src/detect/; used by
 * the engine (put), the API and the UI (list, get, setStatus).
 */
export interface DetectionStore {
  put(detection: Detection): Promise<PutDetectionOutcome>;
  get(id: string): Promise<Detection | undefined>;
  list(query: DetectionQuery): Promise<DetectionPage>;
  /** Acknowledge or close (admins only, checked by the caller); undefined when there is no such id. */
  setStatus(id: string, status: DetectionStatus, actor: string): Promise<Detection | undefined>;
  close(): Promise<void>;
}

/**
 * @module Normalization: a parsed alert of any format onto the document schema. The blog's field
 * names (OSSEC's) are the common language; Wazuh's fields are mapped onto them and kept as well.
 * Values of the wrong type are never dropped: the original moves to `hidsmon.invalid` and the
 * document is flagged.
 */
import type { AlertFormat, DocumentFlag, DocumentMeta } from '../core/document.js';
import { canonicalIp, splitIpAndPort } from '../core/ip.js';
import { isPlainObject, setPath, type JsonObject } from '../core/paths.js';
import { isValidTimeMs, parseCtime, parseIsoTime, parseOssecTime, timeOfAlertId } from '../core/time.js';
import type { ParsedAlert } from './parse-alert.js';
import { splitGroups } from './parse-alerts-log.js';

/** An alert in document form, before the envelope (`@` fields) is added. */
export interface NormalizedAlert {
  format: AlertFormat;
  /** The document's alert fields and its `hidsmon` metadata. */
  fields: JsonObject & { hidsmon: DocumentMeta };
  /** The alert's own id (`<epoch>.<n>`), when it has one. */
  alertId?: string;
  /** The alert's own time in epoch ms, when it has one. */
  timeMs?: number;
}

/** Fields whose values are single strings in the schema (keyword or text). */
const STRING_FIELDS = ['id', 'srcuser', 'dstuser', 'hostname', 'location', 'program_name', 'full_log', 'srcport', 'dstport', 'logfile', 'agent_name', 'decoder_parent', 'previous_output'];
const INTEGER_RULE_FIELDS = ['level', 'sidid', 'firedtimes', 'frequency'];
/** Wazuh `data.*` fields that OSSEC writes at the top level (alert-formats reference §3.1). */
const WAZUH_DATA_TO_TOP = ['srcip', 'srcport', 'srcuser', 'dstip', 'dstport', 'dstuser', 'protocol', 'action', 'url', 'status'];
const SYSCHECK_EVENT_OF_RULE: Record<number, string> = { 550: 'modified', 551: 'modified', 552: 'modified', 553: 'deleted', 554: 'added' };
const AGENT_LOCATION = /^\((.+?)\) (\S+)->(.*)$/s;

/**
 * Normalizes a parsed alert. Takes ownership of `parsed.alert` (it is changed in place, which
 * saves a copy per event on the forwarder's hot path).
 */
export function normalizeAlert(parsed: ParsedAlert): NormalizedAlert {
  const fields = parsed.alert as JsonObject;
  const meta = new MetaBuilder(parsed.format);
  if (parsed.prefix !== undefined && parsed.prefix.trim() !== '') {
    meta.flag('message_prefix');
    meta.meta.message_prefix = parsed.prefix;
  }
  moveReservedFields(fields, meta);
  if (parsed.format === 'wazuh-json') mapWazuhOntoOssecNames(fields, meta);
  else fixOssecShape(fields);
  fixTypes(fields, meta);

  const alertId = typeof fields['id'] === 'string' && fields['id'] !== '' ? fields['id'] : undefined;
  const timeMs = alertTime(parsed.format, fields, alertId, meta);
  const normalized: NormalizedAlert = { format: parsed.format, fields: Object.assign(fields, { hidsmon: meta.build() }) };
  if (alertId !== undefined) normalized.alertId = alertId;
  if (timeMs !== undefined) normalized.timeMs = timeMs;
  return normalized;
}

class MetaBuilder {
  readonly meta: DocumentMeta;
  // An array, not a Set: at most a few flags, and most alerts have none (this runs per event).
  private flags: DocumentFlag[] | undefined;
  constructor(format: AlertFormat) {
    this.meta = { format };
  }
  flag(flag: DocumentFlag): void {
    if (this.flags === undefined) this.flags = [flag];
    else if (!this.flags.includes(flag)) this.flags.push(flag);
  }
  /** Keeps a value that does not fit its field, as text so that it cannot clash with a mapping. */
  invalid(path: string, value: unknown): void {
    this.flag('invalid_value');
    this.meta.invalid ??= {};
    setPath(this.meta.invalid, path, typeof value === 'string' ? value : JSON.stringify(value));
  }
  build(): DocumentMeta {
    if (this.flags !== undefined) this.meta.flags = this.flags;
    return this.meta;
  }
}

/** An alert field named like an envelope field (`@timestamp`) or ours (`hidsmon`) must not replace it. */
function moveReservedFields(fields: JsonObject, meta: MetaBuilder): void {
  for (const key in fields) {
    if (key.charCodeAt(0) === 0x40 /* '@' */ || key === 'hidsmon') {
      meta.flag('reserved_field');
      meta.meta.invalid ??= {};
      meta.meta.invalid[key] = typeof fields[key] === 'string' ? fields[key] : JSON.stringify(fields[key]);
      delete fields[key];
    }
  }
}

function mapWazuhOntoOssecNames(fields: JsonObject, meta: MetaBuilder): void {
  const rule = fields['rule'] as JsonObject;
  if (rule['id'] !== undefined && rule['sidid'] === undefined) rule['sidid'] = rule['id'];
  if (rule['description'] !== undefined && rule['comment'] === undefined) rule['comment'] = rule['description'];
  const groups = groupList(undefined, rule['groups']);
  if (groups) rule['group'] = groups;

  const data = fields['data'];
  if (isPlainObject(data)) {
    for (const key of WAZUH_DATA_TO_TOP) {
      if (data[key] !== undefined && fields[key] === undefined) fields[key] = data[key];
    }
    if (data['system_name'] !== undefined && fields['systemname'] === undefined) fields['systemname'] = data['system_name'];
  }
  const agent = fields['agent'];
  if (isPlainObject(agent)) {
    if (agent['name'] !== undefined && fields['hostname'] === undefined) fields['hostname'] = agent['name'];
    if (agent['ip'] !== undefined && fields['agentip'] === undefined) fields['agentip'] = agent['ip'];
  }
  const predecoder = fields['predecoder'];
  if (isPlainObject(predecoder) && predecoder['program_name'] !== undefined && fields['program_name'] === undefined) {
    fields['program_name'] = predecoder['program_name'];
  }
  fixDecoder(fields);
  if (fields['data'] !== undefined && !isPlainObject(fields['data'])) {
    meta.invalid('data', fields['data']);
    delete fields['data'];
  }
}

/** OSSEC's shape varies by release (alert-formats reference §1.2); bring every release to one. */
function fixOssecShape(fields: JsonObject): void {
  const rule = fields['rule'] as JsonObject;
  const groups = groupList(rule['group'], rule['groups']);
  if (groups) rule['group'] = groups;

  // Agent events: hostname is the whole location `(name) ip->file`; 3.4+ adds agent_name/agentip/logfile.
  const location = fields['location'];
  if (typeof location === 'string') {
    const agent = AGENT_LOCATION.exec(location);
    if (agent) {
      fields['agent_name'] ??= agent[1];
      if (agent[2] !== 'any') fields['agentip'] ??= agent[2];
      fields['logfile'] ??= agent[3];
    } else {
      fields['logfile'] ??= location;
    }
  }
  const hostname = fields['hostname'];
  if (typeof hostname === 'string') {
    const agent = AGENT_LOCATION.exec(hostname);
    if (agent) fields['hostname'] = agent[1];
  }
  fixDecoder(fields);
  // OSSEC's `data` decoder field is a string; Wazuh's `data` is the object of all decoded fields.
  if (typeof fields['data'] === 'string') fields['data'] = { data: fields['data'] };

  // FIM: OSSEC 3.2+ `SyscheckFile`, 2.9–3.1 `file`; give every format the same `syscheck.path`/`event`.
  const file = isPlainObject(fields['SyscheckFile']) ? fields['SyscheckFile'] : isPlainObject(fields['file']) ? fields['file'] : undefined;
  if (file && typeof file['path'] === 'string' && !isPlainObject(fields['syscheck'])) {
    const syscheck: JsonObject = { path: file['path'] };
    const event = SYSCHECK_EVENT_OF_RULE[Number(rule['sidid'])];
    if (event) syscheck['event'] = event;
    fields['syscheck'] = syscheck;
  }
}

/** `decoder` is a keyword; Wazuh (and OSSEC 3.3's duplicate key) write an object there. */
function fixDecoder(fields: JsonObject): void {
  const decoder = fields['decoder'];
  if (!isPlainObject(decoder)) return;
  if (!isPlainObject(fields['decoder_desc'])) fields['decoder_desc'] = decoder;
  if (decoder['parent'] !== undefined) fields['decoder_parent'] ??= decoder['parent'];
  if (typeof decoder['name'] === 'string') fields['decoder'] = decoder['name'];
  else delete fields['decoder'];
}

function groupList(group: unknown, groups: unknown): string[] | undefined {
  const out: string[] = [];
  if (typeof group === 'string') out.push(...splitGroups(group));
  else if (Array.isArray(group)) for (const g of group) if (typeof g === 'string' && g !== '') out.push(g.trim());
  if (Array.isArray(groups)) for (const g of groups) if (typeof g === 'string' && g !== '' && !out.includes(g)) out.push(g);
  return out.length > 0 || group !== undefined || groups !== undefined ? out : undefined;
}

function fixTypes(fields: JsonObject, meta: MetaBuilder): void {
  const rule = fields['rule'] as JsonObject;
  for (const key of INTEGER_RULE_FIELDS) {
    const value = rule[key];
    if (value === undefined) continue;
    const n = toInteger(value);
    if (n === undefined) {
      meta.invalid(`rule.${key}`, value);
      delete rule[key];
    } else rule[key] = n;
  }
  if (rule['comment'] !== undefined && typeof rule['comment'] !== 'string') {
    meta.invalid('rule.comment', rule['comment']);
    delete rule['comment'];
  }
  for (const key of STRING_FIELDS) {
    const value = fields[key];
    if (value === undefined || typeof value === 'string') continue;
    if (typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
    else {
      meta.invalid(key, value);
      delete fields[key];
    }
  }
  fixIp(fields, 'srcip', 'srcport', meta);
  fixIp(fields, 'dstip', 'dstport', meta);
  fixIp(fields, 'agentip', undefined, meta);
  fixTimeStamp(fields, meta);
}

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

/** `(none)` is old OSSEC's "no value"; `ip:port` is split; anything else that is not an IP is kept aside. */
function fixIp(fields: JsonObject, key: string, portKey: string | undefined, meta: MetaBuilder): void {
  const value = fields[key];
  if (value === undefined) return;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '' || text === '(none)') {
      delete fields[key];
      return;
    }
    const ip = canonicalIp(text);
    if (ip !== undefined) {
      fields[key] = ip;
      return;
    }
    const pair = splitIpAndPort(text);
    if (pair) {
      fields[key] = pair.ip;
      if (portKey && fields[portKey] === undefined) fields[portKey] = pair.port;
      meta.flag('ip_port_split');
      return;
    }
  }
  meta.invalid(key, value);
  delete fields[key];
}

/** OSSEC's `TimeStamp` is epoch ms; one dev build wrote a ctime string. Always a number here. */
function fixTimeStamp(fields: JsonObject, meta: MetaBuilder): void {
  const value = fields['TimeStamp'];
  if (value === undefined) return;
  if (isValidTimeMs(value)) return;
  if (typeof value === 'string') {
    const n = toInteger(value);
    if (n !== undefined && isValidTimeMs(n)) {
      fields['TimeStamp'] = n;
      return;
    }
    const ctime = parseCtime(value);
    if (ctime !== undefined) {
      fields['TimeStamp'] = ctime;
      meta.flag('time_zone_unknown');
      return;
    }
  }
  meta.invalid('TimeStamp', value);
  delete fields['TimeStamp'];
}

/**
 * The alert's own time: exact sources first (Wazuh's ISO time with its zone, the epoch in the
 * alert id, OSSEC's epoch-ms TimeStamp), then local times without a zone, read as UTC.
 */
function alertTime(format: AlertFormat, fields: JsonObject, alertId: string | undefined, meta: MetaBuilder): number | undefined {
  const timestamp = fields['timestamp'];
  if (format === 'wazuh-json' && typeof timestamp === 'string') {
    const iso = parseIsoTime(timestamp);
    if (iso !== undefined) return iso;
  }
  const fromId = alertId === undefined ? undefined : timeOfAlertId(alertId);
  if (fromId !== undefined) return fromId;
  if (typeof fields['TimeStamp'] === 'number') return fields['TimeStamp'];
  if (typeof timestamp === 'string') {
    const iso = parseIsoTime(timestamp);
    if (iso !== undefined) return iso;
    const local = parseOssecTime(timestamp);
    if (local !== undefined) {
      meta.flag('time_zone_unknown');
      return local;
    }
  }
  return undefined;
}

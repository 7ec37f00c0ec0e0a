/**
 * @module Parser for one classic multi-line `alerts.log` record (`** Alert <epoch>.<n>: ...` block)
 * as OSSEC 2.x–4.x and Wazuh 3.x–4.x write it. The result uses the OSSEC alerts.json field names,
 * so that `normalize` treats both alike.
 */
import { setOwn } from '../core/own-keys.js';
import type { JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { parseError, type AlertParseError } from './parse-error.js';

/** An alerts.log record read into OSSEC alerts.json names. */
export interface AlertsLogAlert extends JsonObject {
  id: string;
  /** `group` is the header's raw group string, as OSSEC 3.0 alerts.json writes it. */
  rule: { level: number; sidid: number; comment: string; group?: string; mail: boolean };
  /** The date line as written (`YYYY Mon DD HH:MM:SS`, manager local time). */
  timestamp: string;
  location: string;
  full_log: string;
}

export const ALERTS_LOG_HEADER = /^\*\* Alert (\d+\.\d+):(.*)$/;
const DATE_LINE = /^(\d{4} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}) (.*)$/;
const RULE_LINE = /^Rule: (\d+) \(level (\d+)\) -> '(.*)'\s*$/;
const RULE_LINE_LOOSE = /^Rule: (\d+) \(level (\d+)\) -> ?(.*)$/;
const AGENT_ORIGIN = /^\((.+?)\) (\S+)->(.*)$/;
const HEADER_FIELDS: Record<string, string> = {
  'Src IP': 'srcip',
  'Src Location': 'srcgeoip',
  'Src Port': 'srcport',
  'Dst IP': 'dstip',
  'Dst Location': 'dstgeoip',
  'Dst Port': 'dstport',
  User: 'dstuser',
};
const HEADER_FIELD_LINE = /^(Src IP|Src Location|Src Port|Dst IP|Dst Location|Dst Port|User): (.*)$/;
/** Wazuh prints each dynamic decoder field as `name: value` after the log line. */
const DYNAMIC_FIELD_LINE = /^([a-z][a-z0-9_.]*): ?(.*)$/;

/** Parses one record (the header line through the lines before the next header). */
export function parseAlertsLogRecord(record: string): Result<AlertsLogAlert, AlertParseError> {
  const lines = record.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  if (lines.length === 0) return err(parseError('empty', 'The record is empty.'));

  const header = ALERTS_LOG_HEADER.exec(lines[0]!);
  if (!header) {
    return err(parseError('invalid_record', 'An alerts.log record starts with "** Alert <epoch>.<n>:".', 0));
  }
  const rest = header[2]!;
  const mail = /^\s*mail\b/.test(rest);
  const dash = rest.indexOf('- ');
  const rawGroups = dash >= 0 ? rest.slice(dash + 2).trim() : '';

  const dateLine = lines[1] === undefined ? undefined : DATE_LINE.exec(lines[1]);
  if (!dateLine) {
    return err(parseError('invalid_record', 'Line 2 of an alerts.log record is "YYYY Mon DD HH:MM:SS <origin>".', offsetOfLine(lines, 1)));
  }

  const alert: JsonObject = { id: header[1] };
  const origin = readOrigin(dateLine[2]!);

  let i = 2;
  const labels: JsonObject = {};
  let rule: RegExpExecArray | null = null;
  for (; i < lines.length; i++) {
    rule = RULE_LINE.exec(lines[i]!) ?? RULE_LINE_LOOSE.exec(lines[i]!);
    if (rule) break;
    const label = /^([^:]+): (.*)$/.exec(lines[i]!);
    if (!label) break;
    setOwn(labels, label[1]!, label[2]);
  }
  if (!rule) {
    return err(parseError('invalid_record', 'No "Rule: <id> (level <n>) -> \'<description>\'" line after the date line.', offsetOfLine(lines, Math.min(i, lines.length - 1))));
  }
  i++;

  alert['rule'] = {
    level: Number(rule[2]),
    sidid: Number(rule[1]),
    comment: rule[3],
    ...(rawGroups ? { group: rawGroups } : {}),
    // The header's `mail` flag (the rule asked for an e-mail); Wazuh's JSON has it as rule.mail.
    mail,
  };
  alert['timestamp'] = dateLine[1];
  Object.assign(alert, origin);
  if (Object.keys(labels).length > 0) alert['agent'] = { labels };

  for (; i < lines.length; i++) {
    const field = HEADER_FIELD_LINE.exec(lines[i]!);
    if (!field) break;
    const value = field[2]!.trim();
    if (value !== '' && value !== '(none)') alert[HEADER_FIELDS[field[1]!]!] = value;
  }

  const body = lines.slice(i);
  if (origin.logfile === 'syscheck') readSyscheckBody(body, alert);
  else readEventBody(body, alert);
  return ok(alert as AlertsLogAlert);
}

/** `host->location`, `(agent) ip->location`, or (old OSSEC, or host equal to location) `location`. */
function readOrigin(origin: string): { hostname?: string; agent_name?: string; agentip?: string; location: string; logfile: string } {
  const agent = AGENT_ORIGIN.exec(origin);
  if (agent) {
    const ip = agent[2]!;
    return {
      hostname: agent[1]!,
      agent_name: agent[1]!,
      ...(ip !== 'any' ? { agentip: ip } : {}),
      location: origin,
      logfile: agent[3]!,
    };
  }
  const arrow = origin.indexOf('->');
  if (arrow > 0) {
    const location = origin.slice(arrow + 2);
    return { hostname: origin.slice(0, arrow), location, logfile: location };
  }
  return { location: origin, logfile: origin };
}

function readEventBody(body: string[], alert: JsonObject): void {
  const fullLog = body.length > 0 ? [body[0]!] : [];
  const data: JsonObject = {};
  const previous: string[] = [];
  const firstShape = body.length > 0 ? lineShape(body[0]!) : 'other';
  for (const line of body.slice(1)) {
    if (previous.length > 0) {
      previous.push(line);
      continue;
    }
    const dynamic = DYNAMIC_FIELD_LINE.exec(line);
    if (dynamic && !Object.hasOwn(data, dynamic[1]!)) {
      setOwn(data, dynamic[1]!, dynamic[2]);
    } else if (firstShape !== 'other' && lineShape(line) === firstShape) {
      previous.push(line);
    } else if (Object.keys(data).length === 0) {
      fullLog.push(line);
    } else {
      previous.push(line);
    }
  }
  alert['full_log'] = fullLog.join('\n');
  if (Object.keys(data).length > 0) alert['data'] = data;
  if (previous.length > 0) alert['previous_output'] = previous.join('\n');
}

/** Correlation rules print earlier events after the alert's own, in the same log format. */
function lineShape(line: string): 'syslog' | 'iso' | 'access-log' | 'other' {
  if (/^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} /.test(line)) return 'syslog';
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(line)) return 'iso';
  if (/^\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] /.test(line)) return 'access-log';
  return 'other';
}

const FIM_FIRST_LINES: Array<[RegExp, string]> = [
  [/^File '(.+)' (added|modified|deleted)$/, ''], // Wazuh 4
  [/^File '(.+)' was (added|modified|deleted)\.?$/, ''], // Wazuh 3
  [/^Integrity checksum changed for: ?'(.+)'$/, 'modified'], // OSSEC
  [/^File '(.+)' was deleted\./, 'deleted'],
  [/^File '(.+)' was re-added\./, 'added'],
  [/^New file '(.+)' added/, 'added'],
];
const FIM_HASH_LINE = /^(Old|New) (md5|sha1|sha256)sum (?:was|is) ?: ?'(.*)'$/;

/** File-integrity (syscheck) alerts: the whole body is the log; the file path and change are read into `syscheck`. */
function readSyscheckBody(body: string[], alert: JsonObject): void {
  alert['full_log'] = body.join('\n').replace(/\n+$/, '');
  const syscheck: JsonObject = {};
  const first = body[0] ?? '';
  for (const [pattern, event] of FIM_FIRST_LINES) {
    const m = pattern.exec(first);
    if (m) {
      syscheck['path'] = m[1];
      syscheck['event'] = event || m[2];
      break;
    }
  }
  for (const line of body.slice(1)) {
    let m = FIM_HASH_LINE.exec(line);
    if (m) {
      if (m[3] !== '') syscheck[`${m[2]}_${m[1] === 'Old' ? 'before' : 'after'}`] = m[3];
      continue;
    }
    m = /^Mode: (\S+)$/.exec(line);
    if (m) {
      syscheck['mode'] = m[1];
      continue;
    }
    m = /^Changed attributes: (.+)$/.exec(line);
    if (m) {
      syscheck['changed_attributes'] = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
      continue;
    }
    m = /^Size changed from '(\d*)' to '(\d*)'$/.exec(line);
    if (m) {
      syscheck['size_before'] = m[1];
      syscheck['size_after'] = m[2];
    }
  }
  if (Object.keys(syscheck).length > 0) alert['syscheck'] = syscheck;
}

/** Splits a raw group string (`syslog, su,authentication_failed,`) on commas; trims; drops empties. */
export function splitGroups(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const group = part.trim();
    if (group !== '') out.push(group);
  }
  return out;
}

function offsetOfLine(lines: string[], index: number): number {
  let offset = 0;
  for (let i = 0; i < index && i < lines.length; i++) offset += lines[i]!.length + 1;
  return offset;
}

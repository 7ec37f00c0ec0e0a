/**
 * @module Writes a simulated alert as OSSEC 3.7.0 alerts.json, Wazuh 4.x alerts.json, or a classic
 * alerts.log record: the shapes the alert-formats reference documents for those writers.
 */
import type { AlertFormat } from '../core/document.js';
import { MONTHS } from '../core/time.js';
import { splitGroups } from '../transforms/parse-alerts-log.js';
import type { SimulatedAlert } from './fleet-simulator.js';

/** The alert as its format writes it; JSON formats without the trailing newline, alerts.log ending in a blank line. */
export function renderAlert(alert: SimulatedAlert, format: AlertFormat): string {
  switch (format) {
    case 'ossec-json':
      return renderOssecJson(alert);
    case 'wazuh-json':
      return renderWazuhJson(alert);
    case 'alerts-log':
      return renderAlertsLog(alert);
  }
}

/** The text to append to a host's alerts file for one alert. */
export function renderAlertLine(alert: SimulatedAlert, format: AlertFormat): string {
  return format === 'alerts-log' ? renderAlertsLog(alert) : `${renderAlert(alert, format)}\n`;
}

/** The file a host's OSSEC writes in this format. */
export function alertsFileName(format: AlertFormat): string {
  return format === 'alerts-log' ? 'alerts.log' : 'alerts.json';
}

export function renderOssecJson(alert: SimulatedAlert): string {
  const { rule, host } = alert;
  const out: Record<string, unknown> = {
    rule: {
      level: rule.level,
      comment: rule.comment,
      sidid: rule.sidid,
      ...(rule.frequency ? { frequency: rule.frequency } : {}),
      firedtimes: alert.firedtimes,
      groups: splitGroups(rule.groups),
    },
    id: alert.alertId,
    TimeStamp: alert.timeMs,
  };
  if (alert.decoder) out['decoder'] = alert.decoder.name;
  for (const key of ['srcip', 'srcport', 'srcuser', 'dstip', 'dstport', 'dstuser'] as const) {
    const value = alert.ossecFields[key];
    if (value !== undefined) out[key] = value;
  }
  out['location'] = alert.location;
  out['full_log'] = alert.fullLog;
  if (alert.previousOutput) out['previous_output'] = alert.previousOutput.join('\n');
  out['hostname'] = host.hostname;
  if (alert.programName) out['program_name'] = alert.programName;
  for (const key of ['action', 'status', 'url'] as const) {
    const value = alert.ossecFields[key];
    if (value !== undefined) out[key] = value;
  }
  out['decoder_desc'] = alert.decoder ? { name: alert.decoder.name, ...(alert.decoder.parent ? { parent: alert.decoder.parent } : {}) } : {};
  out['agent_name'] = host.hostname;
  out['timestamp'] = ossecTime(alert.timeMs);
  out['logfile'] = alert.location;
  return JSON.stringify(out);
}

export function renderWazuhJson(alert: SimulatedAlert): string {
  const { rule, host } = alert;
  const out: Record<string, unknown> = {
    timestamp: wazuhTime(alert.timeMs),
    rule: {
      level: rule.level,
      description: rule.wazuhDescription,
      id: String(rule.sidid),
      ...(rule.frequency ? { frequency: rule.frequency } : {}),
      firedtimes: alert.firedtimes,
      mail: rule.level >= 12,
      groups: splitGroups(rule.groups),
      ...(rule.wazuhExtra ?? {}),
    },
    agent: { id: '000', name: host.hostname },
    manager: { name: host.hostname },
    id: alert.alertId,
  };
  if (alert.previousOutput) out['previous_output'] = alert.previousOutput.join('\n');
  out['full_log'] = alert.fullLog;
  if (alert.programName) {
    out['predecoder'] = { program_name: alert.programName, timestamp: alert.fullLog.slice(0, 15), hostname: host.hostname };
  }
  out['decoder'] = alert.decoder ? { ...(alert.decoder.parent ? { parent: alert.decoder.parent } : {}), name: alert.decoder.name } : {};
  if (Object.keys(alert.wazuhData).length > 0) out['data'] = alert.wazuhData;
  out['location'] = alert.location;
  return JSON.stringify(out);
}

export function renderAlertsLog(alert: SimulatedAlert): string {
  const { rule, host } = alert;
  // OSSEC's default email_alert_level is 7.
  const mail = rule.level >= 7 ? ' mail ' : '';
  const lines = [
    `** Alert ${alert.alertId}:${mail} - ${rule.groups}`,
    `${ossecTime(alert.timeMs)} ${host.hostname}->${alert.location}`,
    `Rule: ${rule.sidid} (level ${rule.level}) -> '${rule.comment}'`,
  ];
  const f = alert.ossecFields;
  if (f['srcip'] !== undefined) lines.push(`Src IP: ${f['srcip']}`);
  if (f['srcport'] !== undefined) lines.push(`Src Port: ${f['srcport']}`);
  if (f['dstip'] !== undefined) lines.push(`Dst IP: ${f['dstip']}`);
  if (f['dstport'] !== undefined) lines.push(`Dst Port: ${f['dstport']}`);
  if (f['dstuser'] !== undefined) lines.push(`User: ${f['dstuser']}`);
  lines.push(alert.fullLog);
  if (alert.previousOutput) lines.push(...alert.previousOutput);
  return `${lines.join('\n')}\n\n`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `2024 Mar 02 14:33:47`: OSSEC's `timestamp` and the alerts.log date line (the hosts run in UTC). */
function ossecTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Wazuh's `2024-03-02T14:33:47.000+0000`. */
function wazuhTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

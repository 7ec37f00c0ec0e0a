/** @module Auto-detection: one message (a JSON line or an alerts.log record) to a typed alert of its format. */
import type { AlertFormat } from '../core/document.js';
import type { JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { parseAlertsLogRecord, type AlertsLogAlert } from './parse-alerts-log.js';
import { parseError, type AlertParseError } from './parse-error.js';
import { parseJsonAlert, type OssecJsonAlert, type WazuhJsonAlert } from './parse-json-alert.js';

export type ParsedAlert =
  | { format: 'ossec-json'; alert: OssecJsonAlert; prefix?: string }
  | { format: 'wazuh-json'; alert: WazuhJsonAlert; prefix?: string }
  | { format: 'alerts-log'; alert: AlertsLogAlert; prefix?: string };

/**
 * Reads a message in any supported format. JSON that follows a prefix (a syslog header, a shipper's
 * timestamp) is found from the first `{`, as the blog's Lambda does; the prefix is returned so
 * that nothing is lost.
 */
export function parseAlert(message: string, only?: AlertFormat): Result<ParsedAlert, AlertParseError> {
  const start = firstNonSpace(message);
  if (start < 0) return err(parseError('empty', 'The message is empty.'));
  const first = message.charCodeAt(start);
  if (first === 0x2a /* '*' */ && message.startsWith('** Alert ', start)) {
    if (only && only !== 'alerts-log') return err(parseError('wrong_format', `This is an alerts-log record, not ${only}.`));
    const parsed = parseAlertsLogRecord(message);
    return parsed.ok ? ok({ format: 'alerts-log', alert: parsed.value }) : parsed;
  }
  if (only === 'alerts-log') {
    return err(parseError('invalid_record', 'An alerts.log record starts with "** Alert <epoch>.<n>:".', start));
  }
  if (first === 0x7b /* '{' */) return jsonAlert(message, only, undefined);
  const brace = message.indexOf('{', start);
  if (brace < 0) {
    return err(parseError('not_an_alert', 'Neither JSON nor an alerts.log record: no "{" and no "** Alert" header.', start));
  }
  const result = jsonAlert(message.slice(brace), only, message.slice(0, brace));
  if (!result.ok && result.error.position !== undefined) {
    return err({ ...result.error, position: result.error.position + brace });
  }
  return result;
}

function jsonAlert(text: string, only: AlertFormat | undefined, prefix: string | undefined): Result<ParsedAlert, AlertParseError> {
  const parsed = parseJsonAlert(text);
  if (!parsed.ok) return parsed;
  if (only && parsed.value.format !== only) {
    return err(parseError('wrong_format', `This is a ${parsed.value.format} alert, not ${only}.`));
  }
  const alert = parsed.value.alert as JsonObject & { rule: JsonObject };
  const result = { format: parsed.value.format, alert } as ParsedAlert;
  if (prefix !== undefined) result.prefix = prefix;
  return ok(result);
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) return i;
  }
  return -1;
}

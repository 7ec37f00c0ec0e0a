/**
 * @module Parsers for one line of OSSEC `alerts.json` (jsonout_output) or Wazuh 4.x `alerts.json`.
 * They check only what tells an alert and its flavor apart; types are fixed up by `normalize`.
 */
import type { JsonObject } from '../core/paths.js';
import { ownValue } from '../core/own-keys.js';
import { isPlainObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { parseError, type AlertParseError } from './parse-error.js';

/** An OSSEC alerts.json object: `rule.sidid`/`rule.comment` flavor. Other fields as written. */
export interface OssecJsonAlert extends JsonObject {
  rule: JsonObject;
}

/** A Wazuh alerts.json object: `rule.id`/`rule.description` flavor. Other fields as written. */
export interface WazuhJsonAlert extends JsonObject {
  rule: JsonObject;
}

export type JsonAlertFlavor = 'ossec-json' | 'wazuh-json';

/** Parses a JSON alert line of either flavor and says which it is. */
export function parseJsonAlert(text: string): Result<{ format: JsonAlertFlavor; alert: JsonObject & { rule: JsonObject } }, AlertParseError> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const flavor = jsonAlertFlavor(parsed.value);
  if (!flavor.ok) return flavor;
  return ok({ format: flavor.value, alert: parsed.value as JsonObject & { rule: JsonObject } });
}

/** Parses one OSSEC alerts.json line. A Wazuh alert is a `wrong_format` error. */
export function parseOssecJson(text: string): Result<OssecJsonAlert, AlertParseError> {
  return parseFlavor(text, 'ossec-json');
}

/** Parses one Wazuh alerts.json line. An OSSEC alert is a `wrong_format` error. */
export function parseWazuhJson(text: string): Result<WazuhJsonAlert, AlertParseError> {
  return parseFlavor(text, 'wazuh-json');
}

function parseFlavor(text: string, want: JsonAlertFlavor): Result<JsonObject & { rule: JsonObject }, AlertParseError> {
  const parsed = parseJsonAlert(text);
  if (!parsed.ok) return parsed;
  if (parsed.value.format !== want) {
    return err(parseError('wrong_format', `This is a ${parsed.value.format} alert, not ${want}.`));
  }
  return ok(parsed.value.alert);
}

/** JSON.parse that reports failures as values, with the offset V8 names when it names one. */
export function parseJsonObject(text: string): Result<JsonObject, AlertParseError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (text.trim() === '') return err(parseError('empty', 'The line is empty.'));
    const detail = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(detail);
    return err(parseError('invalid_json', `Not valid JSON: ${detail}`, at ? Number(at[1]) : undefined));
  }
  if (!isPlainObject(value)) {
    return err(parseError('not_an_object', `Expected a JSON object, found ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : `a ${typeof value}`}.`));
  }
  return ok(value);
}

/** OSSEC writes `rule.sidid` and `rule.comment`; Wazuh writes `rule.id` and `rule.description`. */
export function jsonAlertFlavor(value: JsonObject): Result<JsonAlertFlavor, AlertParseError> {
  const rule = ownValue(value, 'rule');
  if (!isPlainObject(rule)) {
    return err(parseError('not_an_alert', 'A JSON object without a "rule" object is not an OSSEC or Wazuh alert.'));
  }
  const has = (key: string): boolean => Object.hasOwn(rule, key);
  if (!has('level')) return err(parseError('not_an_alert', 'The "rule" object has no "level".'));
  if (has('sidid') || has('comment')) return ok('ossec-json');
  if (has('id') || has('description')) return ok('wazuh-json');
  return err(parseError('not_an_alert', 'The "rule" object has neither "sidid"/"comment" (OSSEC) nor "id"/"description" (Wazuh).'));
}

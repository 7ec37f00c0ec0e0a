import { describe, expect, it } from 'vitest';
import { parseAlert } from './parse-alert.js';
import { parseOssecJson, parseWazuhJson } from './parse-json-alert.js';

const OSSEC = '{"rule":{"level":3,"comment":"Login session closed.","sidid":5502},"id":"1.2","location":"/var/log/secure"}';
const WAZUH = '{"timestamp":"2023-10-18T12:30:15.338+0000","rule":{"level":3,"description":"PAM: Login session opened.","id":"5501"},"id":"1.2"}';

describe('parseAlert', () => {
  it('tells the three formats apart', () => {
    expect(parseAlert(OSSEC)).toMatchObject({ ok: true, value: { format: 'ossec-json' } });
    expect(parseAlert(WAZUH)).toMatchObject({ ok: true, value: { format: 'wazuh-json' } });
    expect(parseAlert("** Alert 1.2: - a,\n2024 Mar 02 14:36:40 h->/x\nRule: 1 (level 2) -> 'c'\nlog")).toMatchObject({ ok: true, value: { format: 'alerts-log' } });
  });

  it('finds JSON after a prefix and returns the prefix', () => {
    const result = parseAlert(`Mar  2 14:33:47 host ossec: ${OSSEC}`);
    expect(result).toMatchObject({ ok: true, value: { format: 'ossec-json', prefix: 'Mar  2 14:33:47 host ossec: ' } });
  });

  it('says why JSON after a prefix is broken', () => {
    const result = parseAlert('prefix {"rule":x}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_json');
      expect(result.error.message).toMatch(/^Not valid JSON: .*x/);
    }
  });

  it.each([
    ['', 'empty'],
    ['   \n', 'empty'],
    ['just a log line', 'not_an_alert'],
    ['{"rule":', 'invalid_json'],
    ['{"level":3}', 'not_an_alert'],
    ['{"rule":{"comment":"x"}}', 'not_an_alert'],
    ['{"rule":{"level":1}}', 'not_an_alert'],
    ['{"rule":"x"}', 'not_an_alert'],
    ['[1,2]', 'not_an_alert'],
  ])('%j is not an alert: %s', (text, code) => {
    const result = parseAlert(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('reads arrays and scalars that are not objects as not_an_object', () => {
    expect(parseWazuhJson('[1,2]')).toMatchObject({ ok: false, error: { code: 'not_an_object' } });
    expect(parseWazuhJson('null')).toMatchObject({ ok: false, error: { code: 'not_an_object', message: 'Expected a JSON object, found null.' } });
  });

  it('lets a caller insist on one format', () => {
    expect(parseOssecJson(OSSEC).ok).toBe(true);
    expect(parseOssecJson(WAZUH)).toMatchObject({ ok: false, error: { code: 'wrong_format' } });
    expect(parseWazuhJson(OSSEC)).toMatchObject({ ok: false, error: { code: 'wrong_format' } });
    expect(parseAlert(OSSEC, 'alerts-log')).toMatchObject({ ok: false, error: { code: 'invalid_record' } });
    expect(parseAlert(OSSEC, 'wazuh-json')).toMatchObject({ ok: false, error: { code: 'wrong_format' } });
  });
});

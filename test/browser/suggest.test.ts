/** The query bar's suggestions (web/src/suggest.ts): the word under the caret, what is suggested for it, and the text after taking one. */
import { describe, expect, it } from 'vitest';
import { applySuggestion, fieldSuggestions, parseRecent, quoteValue, recentSuggestions, rememberQuery, tokenAt, valueSuggestions } from '../../web/src/suggest.js';

const FIELDS = [
  { name: 'rule.level', type: 'integer' },
  { name: 'rule.comment', type: 'text' },
  { name: 'srcip', type: 'ip' },
  { name: 'data.srcip', type: 'ip' },
];

describe('query suggestions', () => {
  it('finds the word at the caret, and the field of a value being typed', () => {
    expect(tokenAt('rule.level:>=5 AND src', 22)).toMatchObject({ start: 19, text: 'src' });
    expect(tokenAt('rule.level:>=5', 14).field).toBeUndefined();
    expect(tokenAt('(srcip:10.', 10)).toMatchObject({ start: 1, field: 'srcip', valuePrefix: '10.' });
    expect(tokenAt('rule.comment:"sshd auth', 23)).toMatchObject({ start: 0, field: 'rule.comment', valuePrefix: 'sshd auth' });
    expect(tokenAt('-srcip:1', 8)).toMatchObject({ field: 'srcip', valuePrefix: '1' });
    expect(tokenAt('_exists_:src', 12).field).toBeUndefined();
  });

  it('suggests field names by beginning first, then by what they hold', () => {
    expect(fieldSuggestions('srci', FIELDS).map((s) => s.label)).toEqual(['srcip', 'data.srcip']);
    expect(fieldSuggestions('', FIELDS)).toEqual([]);
    expect(fieldSuggestions('srcip', FIELDS).map((s) => s.label)).toEqual(['data.srcip']);
  });

  it('takes a field, a value (quoted and escaped unless numeric) and a recent query', () => {
    const text = 'rule.level:>=5 AND sr';
    const token = tokenAt(text, text.length);
    expect(applySuggestion(text, token, { kind: 'field', label: 'srcip', detail: 'ip' }, false)).toEqual({ text: 'rule.level:>=5 AND srcip:', caret: 25 });
    const v = 'srcip:10';
    expect(applySuggestion(v, tokenAt(v, 8), { kind: 'value', label: '10.0.0.5', detail: '3' }, false).text).toBe('srcip:"10.0.0.5" ');
    expect(applySuggestion('rule.level:', tokenAt('rule.level:', 11), { kind: 'value', label: '7', detail: '1' }, true).text).toBe('rule.level:7 ');
    expect(quoteValue('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
    expect(applySuggestion('x', tokenAt('x', 1), { kind: 'recent', label: 'srcip:1.2.3.4', detail: '' }, false)).toEqual({ text: 'srcip:1.2.3.4', caret: 13 });
  });

  it('filters values and recent queries by what is typed', () => {
    expect(valueSuggestions('10.', [{ value: '10.0.0.1', count: 5 }, { value: '192.168.0.1', count: 9 }]).map((s) => s.label)).toEqual(['10.0.0.1']);
    expect(recentSuggestions('rule', ['rule.level:7', 'srcip:1', 'Rule.level:9']).map((s) => s.label)).toEqual(['rule.level:7', 'Rule.level:9']);
  });

  it('keeps recent queries bounded, newest first, without repeats; ignores a damaged store', () => {
    let recent: string[] = [];
    for (let i = 0; i < 15; i++) recent = rememberQuery(recent, `q${i}`);
    recent = rememberQuery(recent, 'q10');
    expect(recent).toHaveLength(10);
    expect(recent.slice(0, 3)).toEqual(['q10', 'q14', 'q13']);
    expect(rememberQuery(recent, '   ')).toEqual(recent);
    expect(parseRecent('{"__proto__": 1}')).toEqual([]);
    expect(parseRecent('not json')).toEqual([]);
    expect(parseRecent(JSON.stringify(['a', 1, 'b']))).toEqual(['a', 'b']);
  });
});

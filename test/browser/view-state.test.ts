/**
 * The UI's pure parts (web/src): the view state to and from the URL, filter pills to query DSL,
 * time input and labels. The browser tests drive them end to end; these pin the edge cases.
 */
import { describe, expect, it } from 'vitest';
import { activeFiltersDsl, addFilter, decodeFilter, encodeFilter, filterToDsl, type Filter } from '../../web/src/filters.js';
import { defaultState, stateFromUrl, urlFromState, type ViewState } from '../../web/src/state.js';
import { parseTimeInput, timeLabel, timeTicks } from '../../web/src/time.js';
import { flattenDocument, valueAt, valueText } from '../../web/src/document-fields.js';
import { levelBand, levelColor } from '../../web/src/levels.js';

describe('view state in the URL', () => {
  it('round-trips every part of the view', () => {
    const state: ViewState = {
      page: 'dashboard',
      query: 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10',
      filters: [
        { field: 'srcip', value: '10.10.10.10', negate: false, disabled: false },
        { field: 'rule.level', value: 7, negate: true, disabled: true },
        { field: 'srcuser', value: '<img src=x onerror=alert(1)>&"\'', negate: false, disabled: false },
      ],
      time: { from: '2024-03-02T14:00:00.000Z', to: 'now' },
      refreshMs: 5000,
      columns: ['rule.comment', '@log_stream'],
      interval: 'h',
    };
    const url = urlFromState(state);
    expect(url.startsWith('/dashboard?')).toBe(true);
    const [path, search] = url.split('?') as [string, string];
    expect(stateFromUrl(path, `?${search}`)).toEqual(state);
  });

  it('takes defaults for anything missing or malformed', () => {
    expect(stateFromUrl('/', '')).toEqual(defaultState('discover'));
    const s = stateFromUrl('/discover', '?f=not-json&f={"field":"x"}&refresh=7s&from=%20&cols=');
    expect(s.filters).toEqual([]);
    expect(s.refreshMs).toBe(0);
    expect(s.time.from).toBe('now-24h');
    expect(s.columns).toEqual([]);
  });
});

describe('filter pills', () => {
  const pill = (over: Partial<Filter>): Filter => ({ field: 'srcip', value: '10.10.10.10', negate: false, disabled: false, ...over });

  it('become phrase filters, negated with must_not; text fields use their exact keyword', () => {
    expect(filterToDsl(pill({}))).toEqual({ match_phrase: { srcip: '10.10.10.10' } });
    expect(filterToDsl(pill({ negate: true }))).toEqual({ bool: { must_not: [{ match_phrase: { srcip: '10.10.10.10' } }] } });
    expect(filterToDsl(pill({ field: 'rule.comment', value: 'Login session opened.' }))).toEqual({ match_phrase: { 'rule.comment.keyword': 'Login session opened.' } });
    // Beyond the keyword's ignore_above the value is not in the keyword: the phrase on the text it is.
    expect(filterToDsl(pill({ field: 'full_log', value: 'x'.repeat(3000) }))).toEqual({ match_phrase: { full_log: 'x'.repeat(3000) } });
    expect(activeFiltersDsl([pill({}), pill({ field: 'rule.level', value: 6, disabled: true })])).toEqual([{ match_phrase: { srcip: '10.10.10.10' } }]);
  });

  it('replace a pill on the same field and value, as Kibana does', () => {
    const one = addFilter([], 'srcip', '1.2.3.4', false);
    const flipped = addFilter(one, 'srcip', '1.2.3.4', true);
    expect(flipped).toEqual([pill({ value: '1.2.3.4', negate: true })]);
    expect(addFilter(flipped, 'srcip', '5.6.7.8', false)).toHaveLength(2);
  });

  it('encode compactly and decode strictly', () => {
    expect(encodeFilter(pill({}))).toBe('{"field":"srcip","value":"10.10.10.10"}');
    expect(decodeFilter(encodeFilter(pill({ negate: true, disabled: true })))).toEqual(pill({ negate: true, disabled: true }));
    expect(decodeFilter('{"field":"a","value":{"x":1}}')).toBeUndefined();
    expect(decodeFilter('[1]')).toBeUndefined();
  });
});

describe('time', () => {
  it('reads date math, local times and ISO times', () => {
    expect(parseTimeInput('now-7d')).toBe('now-7d');
    expect(parseTimeInput('now/d')).toBe('now/d');
    expect(parseTimeInput('2024-03-02T14:00:00Z')).toBe('2024-03-02T14:00:00.000Z');
    expect(parseTimeInput('2024-03-02 14:05')).toBe(new Date(2024, 2, 2, 14, 5).toISOString());
    expect(parseTimeInput('yesterday')).toBeUndefined();
    expect(parseTimeInput('')).toBeUndefined();
  });

  it('names quick ranges and axis ticks', () => {
    expect(timeLabel({ from: 'now-15m', to: 'now' })).toBe('Last 15 minutes');
    expect(timeLabel({ from: 'now-30d', to: 'now' })).toBe('Last 30 days');
    const ticks = timeTicks(Date.UTC(2024, 2, 2, 10), Date.UTC(2024, 2, 2, 16), 8);
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((t, i) => i === 0 || t.ms > (ticks[i - 1] as { ms: number }).ms)).toBe(true);
  });
});

describe('documents and levels', () => {
  const doc = { rule: { level: 6, group: ['a', 'b'] }, '@log_stream': 'i-1', data: { 'dotted.key': 'v' }, list: [{ x: 1 }, { x: 2 }] };

  it('reads dotted paths, flattens and renders values as text', () => {
    expect(valueAt(doc, 'rule.level')).toBe(6);
    expect(valueAt(doc, 'data.dotted.key')).toBe('v');
    expect(valueAt(doc, 'list.x')).toEqual([1, 2]);
    expect(flattenDocument(doc).map(([k]) => k)).toEqual(['@log_stream', 'data.dotted.key', 'list', 'rule.group', 'rule.level']);
    expect(valueText(['a', 'b'])).toBe('a, b');
    expect(valueText({ a: 1 })).toBe('{"a":1}');
    expect(valueText(null)).toBe('');
  });

  it('treats prototype member names as field names: own values only, always text', () => {
    const names = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
    const hostile = JSON.parse('{"__proto__": {"polluted": "yes"}, "toString": {"a": 1}, "rule": {"constructor": "c"}}') as Record<string, unknown>;
    for (const name of names) {
      expect(valueAt(doc, name), name).toBeUndefined();
      expect(valueAt(doc, `rule.${name}`), name).toBeUndefined();
      expect(valueText(valueAt(doc, name)), name).toBe('');
      expect(filterToDsl({ field: name, value: 'v', negate: false, disabled: false }), name).toEqual({ match_phrase: Object.fromEntries([[name, 'v']]) });
      expect(Object.keys((filterToDsl({ field: name, value: 'v', negate: false, disabled: false }) as { match_phrase: object }).match_phrase), name).toEqual([name]);
    }
    expect(valueAt(hostile, '__proto__.polluted')).toBe('yes');
    expect(valueAt(hostile, 'toString.a')).toBe(1);
    expect(valueAt(hostile, 'rule.constructor')).toBe('c');
    expect(flattenDocument(hostile).map(([k]) => k)).toEqual(['__proto__.polluted', 'rule.constructor', 'toString.a']);
    expect(valueText(() => 1)).toBe('');
    expect(stateFromUrl('/discover', '?cols=toString,constructor,__proto__').columns).toEqual(['toString', 'constructor', '__proto__']);
  });

  it('colours levels by band', () => {
    expect(levelBand(2)?.name).toBe('low');
    expect(levelBand(5)?.name).toBe('medium');
    expect(levelBand(8)?.name).toBe('high');
    expect(levelBand(11)?.name).toBe('severe');
    expect(levelBand(15)?.name).toBe('critical');
    expect(levelColor(10)).not.toBe(levelColor(11));
    expect(levelColor('x')).toBe(levelColor(undefined));
  });
});

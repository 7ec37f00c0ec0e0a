/** @module Tests for the Lucene query parser: exact ASTs, Lucene's boolean quirks, escapes and errors. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeQuery, type QueryNode, type QuerySyntaxError } from '../ast.js';
import { parseLucene, parseQueryString, type LuceneOptions } from './index.js';

function parsed(text: string, options?: LuceneOptions): QueryNode {
  const r = parseLucene(text, options);
  if (!r.ok) throw new Error(`${JSON.stringify(text)} failed: ${r.error.message} at ${r.error.position}`);
  return r.value;
}

/** The canonical description of a query that must parse. */
function d(text: string, options?: LuceneOptions): string {
  return describeQuery(parsed(text, options));
}

function error(text: string, options?: LuceneOptions): QuerySyntaxError {
  const r = parseLucene(text, options);
  if (r.ok) throw new Error(`${JSON.stringify(text)} parsed as ${describeQuery(r.value)}`);
  return r.error;
}

describe('parseLucene: the blog example', () => {
  it('parses field clauses joined by AND, with spaces after the colons', () => {
    expect(parsed('rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10')).toEqual({
      kind: 'bool',
      must: [
        { kind: 'term', field: 'rule.level', value: '6' },
        { kind: 'phrase', field: '@log_stream', value: 'i-0e427a8594852eca2' },
        { kind: 'term', field: 'srcip', value: '10.10.10.10' },
      ],
      should: [],
      mustNot: [],
      filter: [],
    });
  });
});

describe('parseLucene: empty input', () => {
  it.each(['', ' ', '\t\n ', '\u3000'])('%j matches everything', (text) => {
    expect(parsed(text)).toEqual({ kind: 'match_all' });
  });

  it('is an error for the raw query_string parser', () => {
    expect(parseQueryString('').ok).toBe(false);
  });
});

describe('parseLucene: boolean semantics (QueryParserBase.addClause), default OR', () => {
  it.each([
    ['a', 'a'],
    ['a b', 'a\\ b'], // bare terms in a row are one text (Lucene's MultiTerm)
    ['a b c', 'a\\ b\\ c'],
    ['a b AND c', '(+b +c a)'], // a term before AND or OR stays a clause of its own
    ['a b c OR d', '(a\\ b c d)'],
    ['a b -c', '(a\\ b -c)'],
    ['a f:b c', '(a f:b c)'],
    ['a b~ c', '(a b~0 c)'],
    ['a b^2 c', '(a b c)'],
    ['a "b" c d', '(a "b" c\\ d)'],
    ['a AND b', '(+a +b)'],
    ['a OR b', '(a b)'],
    ['a AND b OR c', '(+a +b c)'],
    ['a OR b AND c', '(+b +c a)'],
    ['a AND b AND c', '(+a +b +c)'],
    ['a OR b OR c AND d', '(+c +d a b)'],
    ['a -b', '(a -b)'],
    ['a +b', '(+b a)'],
    ['+a -b c', '(+a c -b)'],
    ['a AND -b', '(+a -b)'],
    ['a AND NOT b', '(+a -b)'],
    ['a OR NOT b', '(a -b)'],
    ['a NOT b', '(a -b)'],
    ['NOT a AND b', '(+b -a)'], // AND does not make a prohibited clause required
    ['-a AND b', '(+b -a)'],
    ['a OR b AND NOT c', '(+b a -c)'],
    ['a && b || c', '(+a +b c)'],
    ['a && !b', '(+a -b)'],
    ['a !b', '(a -b)'],
    ['a!b', '(a -b)'], // ! is not a term character, so it splits the word
    ['a AND(b)', '(+a +b)'],
    ['+a', 'a'],
    ['+a +b', '(+a +b)'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it.each([
    ['a and b', 'a\\ and\\ b'],
    ['a or b', 'a\\ or\\ b'],
    ['not a', 'not\\ a'],
    ['ANDROID ORACLE NOTE', 'ANDROID\\ ORACLE\\ NOTE'],
    ['And Or Not', 'And\\ Or\\ Not'],
    ['a&&b', 'a&&b'],
    ['a||b', 'a||b'],
  ])('only uppercase AND/OR/NOT, && and || alone, are operators: %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });
});

describe('parseLucene: boolean semantics, default AND', () => {
  const and = { defaultOperator: 'AND' } as const;
  it.each([
    ['a b', 'a\\ b'], // one text, its tokens all required (see the operator test)
    ['a OR b', '(a b)'],
    ['a AND b OR c', '(+a b c)'], // OR turns the preceding required clause optional
    ['a OR b c', '(+c a b)'],
    ['a -b', '(+a -b)'],
    ['+a OR b', '(a b)'],
    ['a OR -b', '(a -b)'],
    ['-a OR b', '(b -a)'], // a prohibited clause stays prohibited
    ['a OR +b', '(a b)'], // Lucene: with default AND, OR beats + on the same clause
    ['a', 'a'],
  ])('%s → %s', (text, expected) => {
    expect(d(text, and)).toBe(expected);
  });
});

describe('parseLucene: purely negative queries and groups', () => {
  it.each([
    ['NOT a', '(+*:* -a)'],
    ['-a', '(+*:* -a)'],
    ['!a', '(+*:* -a)'],
    ['-a -b', '(+*:* -a -b)'],
    ['NOT a NOT b', '(+*:* -a -b)'],
    ['-field:value', '(+*:* -field:value)'],
    ['a AND (NOT b)', '(+a +(+*:* -b))'],
    ['(-a) OR b', '((+*:* -a) b)'],
    ['NOT (a OR b)', '(+*:* -(a b))'],
    ['x:(-a -b)', '(+*:* -x:a -x:b)'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it('writes match_all into must', () => {
    expect(parsed('NOT a')).toEqual({
      kind: 'bool',
      must: [{ kind: 'match_all' }],
      should: [],
      mustNot: [{ kind: 'term', field: null, value: 'a' }],
      filter: [],
    });
  });

  it.each([
    ['(a OR b) AND c', '(+(a b) +c)'],
    ['a AND (b OR c)', '(+a +(b c))'],
    ['((a))', 'a'],
    ['(+a)', 'a'],
    ['(a)^2', 'a'],
    ['(a b) (c d)', '(a\\ b c\\ d)'],
    ['(a AND b) OR (c AND -d)', '((+a +b) (+c -d))'],
  ])('groups: %s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });
});

describe('parseLucene: fields', () => {
  it.each([
    ['field:value', 'field:value'],
    ['rule.level: 6', 'rule.level:6'],
    ['rule.level :6', 'rule.level:6'],
    ['rule.level : 6', 'rule.level:6'],
    ['@log_stream:x', '@log_stream:x'],
    ['data.win.system.eventID:4625', 'data.win.system.eventID:4625'],
    ['agent-name_1.x:y', 'agent-name_1.x:y'],
    ['field:"a phrase"', 'field:"a phrase"'],
    ['field:"phrase"~2', 'field:"phrase"~2'],
    ['field:(a OR b)', '(field:a field:b)'],
    ['field:(a b)', 'field:a\\ b'],
    ['field:(a AND -b)', '(+field:a -field:b)'],
    ['f:(a OR g:b)', '(f:a g:b)'],
    ['f:(a (b "c d"))', '(f:a (f:b f:"c d"))'],
    ['f:(a) AND b', '(+f:a +b)'],
    ['my\\ field:x', 'my\\ field:x'],
    ['srcip:10.10.10.10', 'srcip:10.10.10.10'],
    ['id:i-0e427a8594852eca2', 'id:i-0e427a8594852eca2'],
    ['*:foo', '\\*:foo'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it('resolves escapes in field names, so a field pattern can be written', () => {
    expect(parsed('data.\\*:x')).toEqual({ kind: 'term', field: 'data.*', value: 'x' });
    expect(parsed('my\\ field:x')).toEqual({ kind: 'term', field: 'my field', value: 'x' });
  });

  it('applies the default field option to unfielded clauses only', () => {
    const options = { defaultField: 'full_log' };
    expect(d('a f:b', options)).toBe('(full_log:a f:b)');
    expect(d('*', options)).toBe('_exists_:full_log');
    expect(d('>5', options)).toBe('full_log:{5 TO *]');
    expect(d('[1 TO 2]', options)).toBe('full_log:[1 TO 2]');
    expect(d('*:x', options)).toBe('\\*:x');
    expect(d('a', { defaultField: '*' })).toBe('a');
  });
});

describe('parseLucene: match_all and exists', () => {
  it.each([
    ['*', '*:*'],
    ['*:*', '*:*'],
    ['field:*', '_exists_:field'],
    ['_exists_:field', '_exists_:field'],
    ['_exists_:"field"', '_exists_:field'],
    ['_exists_:(a b)', '_exists_:a\\ b'],
    ['NOT _exists_:field', '(+*:* -_exists_:field)'],
    ['f:[* TO *]', '_exists_:f'],
    ['f:{* TO *}', '_exists_:f'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it('builds the nodes', () => {
    expect(parsed('*')).toEqual({ kind: 'match_all' });
    expect(parsed('rule.groups:*')).toEqual({ kind: 'exists', field: 'rule.groups' });
    expect(parsed('_exists_:data.srcip')).toEqual({ kind: 'exists', field: 'data.srcip' });
  });
});

describe('parseLucene: wildcards', () => {
  it.each([
    ['foo*', { kind: 'wildcard', field: null, pattern: 'foo*', analyze: { operator: 'or' } }],
    ['f:foo*', { kind: 'wildcard', field: 'f', pattern: 'foo*', analyze: { operator: 'or' } }],
    ['f?o', { kind: 'wildcard', field: null, pattern: 'f?o', analyze: { operator: 'or' } }],
    ['*foo', { kind: 'wildcard', field: null, pattern: '*foo', analyze: { operator: 'or' } }],
    ['fo*o?', { kind: 'wildcard', field: null, pattern: 'fo*o?', analyze: { operator: 'or' } }],
    ['**', { kind: 'wildcard', field: null, pattern: '**', analyze: { operator: 'or' } }],
    ['?', { kind: 'wildcard', field: null, pattern: '?', analyze: { operator: 'or' } }],
    ['f:foo\\*', { kind: 'term', field: 'f', value: 'foo*' }],
    ['f:foo\\?', { kind: 'term', field: 'f', value: 'foo?' }],
    ['foo\\*bar*', { kind: 'wildcard', field: null, pattern: 'foo\\*bar*', analyze: { operator: 'or' } }],
    ['f\\?o*x?', { kind: 'wildcard', field: null, pattern: 'f\\?o*x?', analyze: { operator: 'or' } }],
    ['a\\:b*', { kind: 'wildcard', field: null, pattern: 'a:b*', analyze: { operator: 'or' } }],
    ['a\\\\*', { kind: 'wildcard', field: null, pattern: 'a\\\\*', analyze: { operator: 'or' } }],
    ['C\\:\\\\Windows\\\\*.exe', { kind: 'wildcard', field: null, pattern: 'C:\\\\Windows\\\\*.exe', analyze: { operator: 'or' } }],
    // A prefix term's body is unescaped (\u included); other wildcards keep Lucene's raw reading.
    ['\\u0041*', { kind: 'wildcard', field: null, pattern: 'A*', analyze: { operator: 'or' } }],
    ['\\u0041*b?', { kind: 'wildcard', field: null, pattern: 'u0041*b?', analyze: { operator: 'or' } }],
  ])('%s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });
});

describe('parseLucene: regular expressions', () => {
  it.each([
    ['/ab+c/', { kind: 'regexp', field: null, pattern: 'ab+c' }],
    ['f:/a.*b/', { kind: 'regexp', field: 'f', pattern: 'a.*b' }],
    ['/a\\/b/', { kind: 'regexp', field: null, pattern: 'a\\/b' }],
    ['/a b/', { kind: 'regexp', field: null, pattern: 'a b' }],
    ['//', { kind: 'regexp', field: null, pattern: '' }],
    ['/[0-9]{1,3}/', { kind: 'regexp', field: null, pattern: '[0-9]{1,3}' }],
  ])('%s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('combines with other clauses', () => {
    expect(d('f:/x/ AND y')).toBe('(+f:/x/ +y)');
  });
});

describe('parseLucene: fuzzy and proximity', () => {
  it.each([
    ['ab~', 0], // OpenSearch AUTO: 0 edits under 3 characters
    ['abc~', 1],
    ['abcde~', 1],
    ['abcdef~', 2],
    ['term~AUTO', 1],
    ['term~0', 0],
    ['term~1', 1],
    ['term~2', 2],
    ['term~5', 2],
    ['term~1.5', 1],
    ['term~0.8', 0],
  ])('%s has distance %i', (text, distance) => {
    expect(parsed(text)).toEqual({ kind: 'fuzzy', field: null, value: text.slice(0, text.indexOf('~')), distance });
  });

  it.each([
    ['f:term~1', 'f:term~1'],
    ['term~1^2', 'term~1'],
    ['term^2~1', 'term~1'],
    ['te*~1', 'te*'], // wildcard wins over fuzzy, as in Lucene
    ['/ab/~1', '/ab/'],
    ['"a b"~3', '"a b"~3'],
    ['"a b"~', '"a b"'],
    ['"a b"~0', '"a b"'],
    ['"a b"~3.7', '"a b"~3'],
    ['"a b"~x', '"a b"'], // Lucene ignores an unparsable phrase slop
    ['"a b"~2^3', '"a b"~2'],
    ['"a b"~1e400', '"a b"~2147483647'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it('ignores whitespace between a term and its ~, like Lucene', () => {
    expect(d('abc ~1')).toBe('abc~1');
  });

  it('rejects fuzziness OpenSearch rejects', () => {
    expect(error('term~x')).toMatchObject({ message: 'Invalid fuzziness ~x', position: 4 });
    expect(error('term~-1').position).toBe(4);
    expect(error('"a b"~-1').message).toMatch(/negative/);
  });
});

describe('parseLucene: boosts are parsed and dropped', () => {
  it.each([
    ['a^2', 'a'],
    ['a^0.5', 'a'],
    ['f:"p q"^3', 'f:"p q"'],
    ['(a b)^2', 'a\\ b'],
    ['f:[1 TO 2]^2', 'f:[1 TO 2]'],
    ['a^2 b', '(a b)'],
  ])('%s → %s', (text, expected) => {
    expect(d(text)).toBe(expected);
  });

  it.each([
    ['a^', 2],
    ['a^x', 2],
    ['a^ 2', 2],
    ['^2', 0],
  ])('rejects a malformed boost in %s at %i', (text, position) => {
    expect(error(text).position).toBe(position);
  });
});

describe('parseLucene: ranges', () => {
  it.each([
    ['f:[1 TO 5]', { kind: 'range', field: 'f', gte: '1', lte: '5' }],
    ['f:{1 TO 5}', { kind: 'range', field: 'f', gt: '1', lt: '5' }],
    ['f:[1 TO 5}', { kind: 'range', field: 'f', gte: '1', lt: '5' }],
    ['f:{1 TO 5]', { kind: 'range', field: 'f', gt: '1', lte: '5' }],
    ['f:[* TO 5]', { kind: 'range', field: 'f', lte: '5' }],
    ['f:{5 TO *]', { kind: 'range', field: 'f', gt: '5' }],
    ['f:["2024-01-01" TO now]', { kind: 'range', field: 'f', gte: '2024-01-01', lte: 'now' }],
    ['f:["a b" TO "c\\"d"]', { kind: 'range', field: 'f', gte: 'a b', lte: 'c"d' }],
    ['f:["*" TO 5]', { kind: 'range', field: 'f', lte: '5' }], // OpenSearch opens a "*" bound too
    ['f:[\\* TO 5]', { kind: 'range', field: 'f', lte: '5' }],
    ['ip:[2001:db8::1 TO 2001:db8::ff]', { kind: 'range', field: 'ip', gte: '2001:db8::1', lte: '2001:db8::ff' }],
    ['@timestamp:[now-1d/d TO now]', { kind: 'range', field: '@timestamp', gte: 'now-1d/d', lte: 'now' }],
    ['t:[2024-01-01T00:00:00 TO *]', { kind: 'range', field: 't', gte: '2024-01-01T00:00:00' }],
    ['f:[TO TO TO]', { kind: 'range', field: 'f', gte: 'TO', lte: 'TO' }],
    ['f:[1     TO     5]', { kind: 'range', field: 'f', gte: '1', lte: '5' }],
  ])('%s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('ends an unquoted bound at ], even after a backslash, as Lucene does', () => {
    expect(error('f:[a\\]b TO c]')).toMatchObject({ message: 'Missing TO in range', position: 5 });
  });

  it('combines with boolean operators', () => {
    expect(d('rule.level:[10 TO *] AND NOT agent.name:web01')).toBe('(+rule.level:[10 TO *] -agent.name:web01)');
  });

  it.each([
    ['f:>=6', { kind: 'range', field: 'f', gte: '6' }],
    ['f:>6', { kind: 'range', field: 'f', gt: '6' }],
    ['f:<6', { kind: 'range', field: 'f', lt: '6' }],
    ['f:<=6', { kind: 'range', field: 'f', lte: '6' }],
    ['f: >=6', { kind: 'range', field: 'f', gte: '6' }],
    ['t:>=2024-01-01', { kind: 'range', field: 't', gte: '2024-01-01' }],
    ['f:>', { kind: 'term', field: 'f', value: '>' }],
    ['f:">5"', { kind: 'phrase', field: 'f', value: '>5' }],
    ['f:\\>5', { kind: 'range', field: 'f', gt: '5' }], // OpenSearch checks after unescaping
  ])('comparison shorthand %s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('applies the field to comparisons in a group', () => {
    expect(d('rule.level:(>=5 AND <10)')).toBe('(+rule.level:[5 TO *] +rule.level:[* TO 10})');
  });
});

describe('parseLucene: escapes', () => {
  it.each([
    ['srcuser:foo\\:bar', { kind: 'term', field: 'srcuser', value: 'foo:bar' }],
    ['a\\ b', { kind: 'term', field: null, value: 'a b' }],
    ['\\(x\\)', { kind: 'term', field: null, value: '(x)' }],
    ['\\u0041b', { kind: 'term', field: null, value: 'Ab' }],
    ['\\\\', { kind: 'term', field: null, value: '\\' }],
    ['\\-1', { kind: 'term', field: null, value: '-1' }],
    ['f:\\-1', { kind: 'term', field: 'f', value: '-1' }],
    ['"a \\"quoted\\" word"', { kind: 'phrase', field: null, value: 'a "quoted" word' }],
    ['"C:\\\\Windows"', { kind: 'phrase', field: null, value: 'C:\\Windows' }],
    ['"\\u00e9t\\u00e9"', { kind: 'phrase', field: null, value: 'été' }],
    ['srcip:"2001:db8::1"', { kind: 'phrase', field: 'srcip', value: '2001:db8::1' }],
    ['srcip:2001\\:db8\\:\\:1', { kind: 'term', field: 'srcip', value: '2001:db8::1' }],
    ['srcip:"10.0.0.0/8"', { kind: 'phrase', field: 'srcip', value: '10.0.0.0/8' }],
    ['path:\\/var\\/log', { kind: 'term', field: 'path', value: '/var/log' }],
  ])('%s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('escapes every special character', () => {
    const specials = '+-=&&||><!(){}[]^"~*?:\\/';
    const escaped = [...specials].map((c) => `\\${c}`).join('');
    expect(parsed(escaped)).toEqual({ kind: 'term', field: null, value: specials });
  });

  it.each(['10.10.10.10', 'i-0e427a8594852eca2', 'a+b', 'a-b-', 'x=1=2'.slice(2), 'über', 'a\u00a0b'])(
    '%s is one term',
    (text) => {
      expect(parsed(text)).toEqual({ kind: 'term', field: null, value: text });
    },
  );

  it('treats a leading - as NOT, so negative numbers need escaping', () => {
    expect(d('-1')).toBe('(+*:* -1)');
  });
});

describe('parseLucene: syntax errors', () => {
  it.each([
    // [query, position, message pattern, hint pattern]
    ['"abc', 0, /Unterminated quoted phrase/, /"/],
    ['a "abc', 2, /Unterminated quoted phrase/, /"/],
    ['(a', 0, /Missing closing parenthesis/, /\)/],
    ['a (b (c)', 2, /Missing closing parenthesis/, /\)/],
    ['a)', 1, /Unexpected \)/, /matching \(/],
    ['(a))', 3, /Unexpected \)/, /matching \(/],
    ['()', 1, /Empty parentheses/, /\(\)/],
    ['field:', 6, /Missing value after "field:"/, /field:value/],
    ['field: ', 7, /Missing value after "field:"/, /field:\*/],
    ['field: AND b', 7, /Missing value after "field:"/, /field:value/],
    ['f:)', 2, /Missing value/, /f:value/],
    ['*:', 2, /Missing value/, /value/],
    ['a AND', 2, /AND needs a clause after it/, /after AND/],
    ['a OR', 2, /OR needs a clause after it/, /after OR/],
    ['a NOT', 2, /NOT needs a clause after it/, /after NOT/],
    ['(a AND)', 3, /AND needs a clause after it/, /after AND/],
    ['a AND OR b', 6, /OR cannot follow AND/, /between/],
    ['NOT NOT a', 4, /NOT cannot follow NOT/, /between/],
    ['--a', 1, /- cannot follow -/, /between/],
    ['AND a', 0, /AND has nothing before it/, /leading AND/],
    ['OR a', 0, /OR has nothing before it/, /leading OR/],
    ['&& a', 0, /&& has nothing before it/, /leading &&/],
    ['(OR a)', 1, /OR has nothing before it/, /leading OR/],
    ['f:[1 5]', 5, /Missing TO/, /\[low TO high\]/],
    ['f:[1 TO 5', 2, /Unterminated range/, /\]/],
    ['f:{1 TO', 2, /Unterminated range/, /\}/],
    ['f:[1', 2, /Unterminated range/, /\]/],
    ['f:[1 TO 5 6]', 10, /Expected \] or \}/, /TO/],
    ['f:[1 TO]', 7, /Missing upper bound/, /open end/],
    ['f:[]', 3, /Empty range/, /TO/],
    ['[1 TO 5]', 0, /A range needs a field/, /field:\[low TO high\]/],
    ['>5', 0, /A comparison needs a field/, /rule.level:>=10/],
    ['f:>=', 4, /Missing value after >=/, /f:>=value|field:>=value/],
    ['/abc', 0, /Unterminated regular expression/, /quote/],
    ['a /b', 2, /Unterminated regular expression/, /quote/],
    ['field=value', 5, /"=" is not a field operator/, /field:value/],
    ['rule.level==6', 10, /"==" is not a field operator/, /rule.level:6/],
    ['rule.level>=6', 10, /">=" is not a field operator/, /rule.level:>=6/],
    ['agent.name=web*', 10, /"=" is not a field operator/, /agent.name:web\*/],
    ['srcip:2001:db8::1', 10, /Unexpected : in a value/, /srcip:"2001:db8::1"/],
    ['fe80::1', 5, /Unexpected : in a value/, /"fe80::1"/],
    ['2001:db8::1', 8, /Unexpected : in a value/, /"2001:db8::1"/],
    ['t:2024-01-01T10:00:00', 15, /Unexpected : in a value/, /t:"2024-01-01T10:00:00"/],
    ['srcip:10.0.0.0/8', 14, /starts a regular expression/, /srcip:"10.0.0.0\/8"/],
    ['location:/var/log/secure', 14, /directly after a regular expression/, /location:"\/var\/log\/secure"/],
    ['-', 0, /A lone -/, /-term/],
    ['+', 0, /A lone \+/, /\+term/],
    ['a -', 2, /A lone -/, /\\-/],
    ['a - b', 2, /A lone -/, /-term/],
    ['a + b', 2, /A lone \+/, /\+term/],
    ['! a', 0, /A lone !/, /!term/],
    ['!', 0, /A lone !/, /!term/],
    ['NOT', 0, /NOT needs a clause after it/, /after NOT/],
    ['f:-a', 2, /- cannot follow "f:"/, /-f:value/],
    ['a\\', 1, /lone backslash/, /\\\\/],
    ['C:\\users', 2, /Invalid \\u escape/, /four hex digits/],
    ['a]', 1, /Unexpected \]/, /\\\]/],
    ['}', 0, /Unexpected \}/, /\\\}/],
    ['~a', 0, /~ must follow a term/, /\\~/],
    ['data.*:x', 6, /cannot contain an unescaped \*/, /data.win.\\\*:value/],
    ['"f":x', 3, /cannot be quoted/, /field/],
    ['_exists_:f*', 9, /_exists_ takes a plain field name/, /_exists_:field.name/],
    ['_exists_:f~1', 9, /_exists_ takes a plain field name/, /~/],
    ['a:b:c', 3, /Unexpected : in a value/, /a:"b:c"/],
  ])('%j fails at %i', (text, position, message, hint) => {
    const e = error(text);
    expect(e.position).toBe(position);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });

  it('reports the first problem, whether lexical or syntactic', () => {
    expect(error('a AND) "x')).toMatchObject({ message: 'AND needs a clause after it', position: 2 });
    expect(error('(a "abc')).toMatchObject({ message: 'Unterminated quoted phrase', position: 3 });
    expect(error('a "abc) b)')).toMatchObject({ message: 'Unterminated quoted phrase', position: 2 });
    expect(error('a b "x')).toMatchObject({ position: 4 });
  });

  it('accepts the quoted or escaped forms the hints suggest', () => {
    for (const text of ['srcip:"2001:db8::1"', 'srcip:"10.0.0.0/8"', 'location:"/var/log/secure"', '"field=value"', 'a \\- b']) {
      expect(parseLucene(text).ok).toBe(true);
    }
    expect(d('f:a=b')).toBe('f:a=b'); // = inside a value is fine once the field is explicit
  });

  it('limits nesting instead of overflowing the stack', () => {
    const deep = `${'('.repeat(5000)}a${')'.repeat(5000)}`;
    expect(error(deep).message).toMatch(/nested too deeply/);
    expect(d(`${'('.repeat(50)}a${')'.repeat(50)}`)).toBe('a');
  });

  it('rejects non-string input without throwing', () => {
    expect(parseLucene(42 as unknown as string).ok).toBe(false);
  });
});

describe('describeQuery output', () => {
  it.each([
    'rule.level:[10 TO *]',
    '(+a +b c -d)',
    '(+*:* -_exists_:f)',
    'f:"a \\"b\\""~2',
    'f:foo\\*bar*',
    'f:a\\:b',
    'x~1',
    'f:/a.b/',
    'f:{1 TO 5]',
  ])('%s parses back to the same query', (text) => {
    expect(d(d(text))).toBe(d(text));
    expect(parsed(d(text))).toEqual(parsed(text));
  });
});

describe('parseLucene: robustness', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => checkTotal(text)),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary full-Unicode strings', () => {
    // fast-check 4 spells fullUnicodeString as string({ unit: 'binary' }).
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => checkTotal(text)),
      { numRuns: 3000 },
    );
  });

  it('never throws on strings made of query syntax', () => {
    const pieces = fc.constantFrom(
      'a', 'b1', 'f:', 'x.y:', ' ', ' ', 'AND', 'OR', 'NOT', '&&', '||', '!', '-', '+', '(', ')', '"', '"q r"',
      '*', '?', '\\', '\\u', ':', '[', ']', '{', '}', 'TO', '~', '~1', '^', '^2', '/', '/re/', '>=', '<', '=', '_exists_:',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 25 }), fc.constantFrom<'OR' | 'AND'>('OR', 'AND'), (parts, op) =>
        checkTotal(parts.join(''), { defaultOperator: op }),
      ),
      { numRuns: 5000 },
    );
  });

  it('stays linear on long pathological input', () => {
    for (const unit of ['\\', '"', '/', '(', 'a:', '\\/', '[', 'a*?', '\\u00']) {
      const start = performance.now();
      parseLucene(unit.repeat(20000));
      expect(performance.now() - start).toBeLessThan(500);
    }
  });
});

function checkTotal(text: string, options?: LuceneOptions): boolean {
  const r = parseLucene(text, options);
  if (r.ok) {
    expect(typeof describeQuery(r.value)).toBe('string');
  } else {
    expect(r.error.position).toBeGreaterThanOrEqual(0);
    expect(r.error.position).toBeLessThanOrEqual(text.length);
    expect(r.error.message.length).toBeGreaterThan(0);
    expect(r.error.hint.length).toBeGreaterThan(0);
  }
  return true;
}

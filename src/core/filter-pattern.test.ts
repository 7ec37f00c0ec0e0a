import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilterPattern, requiredTerms } from './filter-pattern.js';

function matcher(pattern: string): (message: string) => boolean {
  const compiled = compileFilterPattern(pattern);
  if (!compiled.ok) throw new Error(compiled.error.message);
  return compiled.value;
}

function failure(pattern: string): string {
  const compiled = compileFilterPattern(pattern);
  if (compiled.ok) throw new Error(`expected ${pattern} to be refused`);
  return compiled.error.message;
}

const alert = JSON.stringify({
  rule: { level: 10, sidid: 5712, comment: 'SSHD brute force trying to get access to the system.', group: 'syslog,sshd,' },
  srcip: '10.10.10.10',
  user: null,
  active: true,
  disabled: false,
  tags: ['a', 'b'],
  items: [{ id: 2 }, { id: 3 }],
  location: '/var/log/secure',
});

describe('compileFilterPattern: terms', () => {
  it('matches everything when empty', () => {
    expect(matcher('')('anything')).toBe(true);
    expect(matcher('   ')('')).toBe(true);
  });

  it('requires every plain term, case-sensitively, as substrings', () => {
    const m = matcher('ERROR Exception');
    expect(m('[ERROR] NullPointerException thrown')).toBe(true);
    expect(m('[ERROR] only')).toBe(false);
    expect(m('error exception')).toBe(false);
  });

  it('needs one of the ? terms', () => {
    const m = matcher('?ERROR ?WARN');
    expect(m('WARN: disk')).toBe(true);
    expect(m('ERROR: disk')).toBe(true);
    expect(m('INFO: disk')).toBe(false);
  });

  it('excludes - terms', () => {
    const m = matcher('ERROR -ARGUMENTS');
    expect(m('ERROR bad')).toBe(true);
    expect(m('ERROR ARGUMENTS bad')).toBe(false);
  });

  it('combines plain, ? and - terms', () => {
    const m = matcher('sshd ?Failed ?Invalid -root');
    expect(m('sshd: Failed password for admin')).toBe(true);
    expect(m('sshd: Failed password for root')).toBe(false);
    expect(m('sshd: Accepted password for admin')).toBe(false);
  });

  it('takes quoted terms with spaces and escapes', () => {
    expect(matcher('"Failed to process"')('x Failed to process y')).toBe(true);
    expect(matcher('"Failed to process"')('Failed  to process')).toBe(false);
    expect(matcher('"say \\"hi\\""')('they say "hi"')).toBe(true);
    expect(matcher('-"debug line"')('a debug line')).toBe(false);
    expect(matcher('"10.10.10.10"')(alert)).toBe(true);
  });

  it('refuses malformed term patterns', () => {
    expect(failure('"unterminated')).toMatch(/Unterminated quoted string/);
    expect(failure('a ? b')).toMatch(/must be followed by a term/);
    expect(failure('ab"c"')).toMatch(/quote the whole term/);
    expect(failure('""')).toMatch(/Empty quoted term/);
    expect(failure('x'.repeat(1025))).toMatch(/longer than 1024/);
  });

  it('refuses a %regex% among terms instead of matching it as text', () => {
    expect(failure('sshd %Fail.*%')).toMatch(/must be the whole filter pattern/);
    expect(matcher('sshd "%Fail.*%"')('sshd %Fail.*%')).toBe(true);
  });

  it('gives the required AND terms for pre-filtering', () => {
    expect(requiredTerms('ERROR "a b" ?x -y')).toEqual(['ERROR', 'a b']);
    expect(requiredTerms('{ $.a = 1 }')).toEqual([]);
    expect(requiredTerms('"bad')).toEqual([]);
  });
});

describe('compileFilterPattern: JSON', () => {
  it('compares numbers', () => {
    expect(matcher('{ $.rule.level >= 6 }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level > 10 }')(alert)).toBe(false);
    expect(matcher('{ $.rule.level <= 10 }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level < 10 }')(alert)).toBe(false);
    expect(matcher('{ $.rule.level = 10 }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level != 10 }')(alert)).toBe(false);
    expect(matcher('{ $.rule.level = 1.0e1 }')(alert)).toBe(true);
    expect(matcher('{$.rule.sidid=5712}')(alert)).toBe(true);
    expect(matcher('{ $.rule.level = +10 }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level < 10e3 }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level > 10e-3 }')(alert)).toBe(true);
  });

  it('compares strings, with * wildcards, quoted or not', () => {
    expect(matcher('{ $.srcip = "10.*" }')(alert)).toBe(true);
    expect(matcher('{ $.srcip = 10.10.* }')(alert)).toBe(true);
    expect(matcher('{ $.srcip != 123.123.* }')(alert)).toBe(true);
    expect(matcher('{ $.srcip = "10.10.10.10" }')(alert)).toBe(true);
    expect(matcher('{ $.srcip = "10.10.10.1" }')(alert)).toBe(false);
    expect(matcher('{ $.location = "*secure" }')(alert)).toBe(true);
    expect(matcher('{ $.rule.comment = "SSHD*" }')(alert)).toBe(true);
    // Regex characters in the value are literal.
    expect(matcher('{ $.srcip = "10.10.10.1." }')(alert)).toBe(false);
    // As AWS documents: "*" is a wildcard only at either end; "Ev*ent" matches only "Ev*ent".
    expect(matcher('{ $.srcip = "10*10" }')(alert)).toBe(false);
    expect(matcher('{ $.odd = "Ev*ent" }')('{"odd":"Ev*ent"}')).toBe(true);
    expect(matcher('{ $.odd = "Ev*ent" }')('{"odd":"Event"}')).toBe(false);
    expect(matcher('{ $.odd = *v*ent* }')('{"odd":"xEv*entx"}')).toBe(true);
  });

  it('"= *" matches any value but null; "!= *" nothing', () => {
    expect(matcher('{ $.rule.level = * }')(alert)).toBe(true);
    expect(matcher('{ $.srcip = * }')(alert)).toBe(true);
    expect(matcher('{ $.active = * }')(alert)).toBe(true);
    expect(matcher('{ $.user = * }')(alert)).toBe(false);
    expect(matcher('{ $.nothing = * }')(alert)).toBe(false);
    expect(matcher('{ $.srcip != * }')(alert)).toBe(false);
  });

  it('takes %regex% values with = and !=, on strings only', () => {
    expect(matcher('{ $.srcip = %^10\\.10\\.[0-9]+\\.10$% }')(alert)).toBe(true);
    expect(matcher('{ $.srcip = %^11% }')(alert)).toBe(false);
    expect(matcher('{ $.srcip != %^11% }')(alert)).toBe(true);
    expect(matcher('{ $.rule.comment = %brute|flood% && $.location = %secure$% }')(alert)).toBe(true);
    expect(matcher('{ $.rule.level = %10% }')(alert)).toBe(false);
    expect(failure('{ $.a = %x% || $.b = %y% || $.c = %z% }')).toMatch(/at most 2 regexes, this one has 3; the first one too many is at position 35/);
    expect(failure('{ $.a > %1% }')).toMatch(/needs a number, not a regex/);
    expect(failure('{ $.a = %x }')).toMatch(/Unterminated regex/);
  });

  it('does not coerce between numbers and strings', () => {
    expect(matcher('{ $.rule.level = "10" }')(alert)).toBe(false);
    expect(matcher('{ $.srcip > 5 }')(alert)).toBe(false);
  });

  it('indexes arrays and never matches objects or arrays', () => {
    expect(matcher('{ $.items[1].id = 3 }')(alert)).toBe(true);
    expect(matcher('{ $.tags[0] = "a" }')(alert)).toBe(true);
    expect(matcher('{ $.tags[5] = "a" }')(alert)).toBe(false);
    expect(matcher('{ $.rule = "x" }')(alert)).toBe(false);
    expect(matcher('{ $.rule != "x" }')(alert)).toBe(false);
    expect(matcher('{ $.tags != 1 }')(alert)).toBe(false);
  });

  it('tests null, existence and booleans', () => {
    expect(matcher('{ $.user IS NULL }')(alert)).toBe(true);
    expect(matcher('{ $.srcip IS NULL }')(alert)).toBe(false);
    expect(matcher('{ $.nothing NOT EXISTS }')(alert)).toBe(true);
    expect(matcher('{ $.user NOT EXISTS }')(alert)).toBe(false);
    expect(matcher('{ $.active IS TRUE }')(alert)).toBe(true);
    expect(matcher('{ $.disabled IS FALSE }')(alert)).toBe(true);
    expect(matcher('{ $.disabled is true }')(alert)).toBe(false);
    expect(matcher('{ $.nothing = 1 }')(alert)).toBe(false);
    expect(matcher('{ $.nothing != 1 }')(alert)).toBe(false);
  });

  it('combines with && (binding tighter) and ||, and parentheses', () => {
    expect(matcher('{ $.rule.level > 20 || $.srcip = "10.*" && $.active IS TRUE }')(alert)).toBe(true);
    expect(matcher('{ ($.rule.level > 20 || $.srcip = "10.*") && $.disabled IS TRUE }')(alert)).toBe(false);
    expect(matcher('{ $.rule.level > 20 || ($.srcip = "10.*" && $.disabled IS TRUE) }')(alert)).toBe(false);
    expect(matcher('{(($.rule.level=10))}')(alert)).toBe(true);
  });

  it('never matches messages that are not JSON objects', () => {
    const m = matcher('{ $.a NOT EXISTS }');
    expect(m('plain text')).toBe(false);
    expect(m('[1,2]')).toBe(false);
    expect(m('{not json')).toBe(false);
    expect(m('  {"b":1}')).toBe(true);
  });

  it('refuses malformed JSON patterns with a position', () => {
    expect(failure('{ $.a = }')).toMatch(/Expected a value after "=" at position 9/);
    expect(failure('{ $.a = 1')).toMatch(/Expected "}"/);
    expect(failure('{ a = 1 }')).toMatch(/Expected a selector/);
    expect(failure('{ $.a < "x" }')).toMatch(/needs a number/);
    expect(failure('{ $.a >= abc }')).toMatch(/needs a number/);
    expect(failure('{ ($.a = 1 }')).toMatch(/Expected "\)"/);
    expect(failure('{ $.a IS MAYBE }')).toMatch(/Expected a comparison/);
    expect(failure('{ $.a = 1 } extra')).toMatch(/after "}"/);
    expect(failure('{ $.a[x] = 1 }')).toMatch(/array index/);
    expect(failure('{ $. = 1 }')).toMatch(/property name/);
    expect(failure('{ $.a = 1 && }')).toMatch(/Expected a selector/);
  });

  it('never throws, whatever the pattern or message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), (pattern, message) => {
        const compiled = compileFilterPattern(pattern);
        if (compiled.ok) expect(typeof compiled.value(message)).toBe('boolean');
        else expect(compiled.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
    const pieces = fc.constantFrom('{', '}', '(', ')', '$.a', '$.b[0]', '=', '!=', '>=', '&&', '||', '1', '"x*"', 'IS', 'NULL', 'NOT', 'EXISTS', 'TRUE', ' ');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const compiled = compileFilterPattern(parts.join(' '));
        if (compiled.ok) expect(typeof compiled.value('{"a":1,"b":["x"]}')).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('compileFilterPattern: %regex%', () => {
  it('matches anywhere, with ^ and $ anchoring at the message ends', () => {
    expect(matcher('%ERROR%')('an ERROR here')).toBe(true);
    expect(matcher('%^ERROR%')('an ERROR here')).toBe(false);
    expect(matcher('%here$%')('an ERROR here')).toBe(true);
    expect(matcher('%colou?r%')('the color')).toBe(true);
    expect(matcher('%gray|grey%')('greyhound')).toBe(true);
    expect(matcher('%10\\.10\\.0\\.1%')('from 10.10.0.1')).toBe(true);
    expect(matcher('%10\\.10\\.0\\.1%')('from 10a10b0c1')).toBe(false);
    expect(matcher('%[0-9]{3}-[0-9]{4}%')('call 555-1234')).toBe(true);
    expect(matcher('%Failed\\spassword%')('sshd: Failed password for root')).toBe(true);
    expect(matcher('  %error%  ')('ERROR')).toBe(false);
    // One event is one text: "." spans the lines of a multi-line alerts.log record.
    expect(matcher('%^\\*\\*\\sAlert.*Rule:\\s5712%')('** Alert 1.1: - syslog\nRule: 5712 (level 10)')).toBe(true);
  });

  it('refuses what AWS does not support, with the position', () => {
    expect(failure('%(a|b)c%')).toMatch(/'\(' at position 2: .*parentheses/);
    expect(failure('%a b%')).toMatch(/A space at position 3: .*\\s/);
    expect(failure('%something!%')).toMatch(/'!' at position 11 is not allowed/);
    expect(failure('%café%')).toMatch(/U\+00E9 at position 5/);
    expect(failure('%a{1001}%')).toMatch(/Invalid regex %a\{1001\}% at position 1: .*repeat/);
    expect(failure('%[a-%')).toMatch(/Invalid regex/);
    expect(failure('%%')).toMatch(/Empty regex/);
    expect(failure('%abc')).toMatch(/Unterminated regex/);
    expect(failure('%a% %b%')).toMatch(/Unexpected text after the regex/);
  });

  it('runs in linear time: a pattern that backtracks exponentially in JS RegExp is instant', () => {
    const m = matcher('%a*a*a*a*a*a*a*a*a*a*a*a*[0-9]%');
    const message = 'a'.repeat(200_000);
    const started = performance.now();
    expect(m(message)).toBe(false);
    // Generous on a shared 2-core machine; a backtracking engine would take longer than the universe.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('compileFilterPattern: space-delimited', () => {
  const apache = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 404 5324',
    '10.1.2.3 - bob [10/Oct/2000:13:50:35 -0700] "POST /login.html HTTP/1.0" 403 312',
  ];
  const hits = (pattern: string): number[] => apache.flatMap((line, i) => (matcher(pattern)(line) ? [i] : []));

  it('lays named fields over the message, quoted and bracketed runs as one field, exact count without ...', () => {
    expect(hits('[ip, user, username, timestamp, request, status_code, bytes]')).toEqual([0, 1, 2]);
    expect(hits('[ip, user, username, timestamp, request, status_code]')).toEqual([]);
    expect(hits('[ip, user, username, timestamp, request, status_code, bytes, more]')).toEqual([]);
    expect(hits('[ip, user, username, timestamp = 10/Oct/2000:13:25:15*, request, status_code, bytes]')).toEqual([0]);
    expect(hits('[ip, user, username, timestamp, request = "GET /index.html HTTP/1.0", status_code, bytes]')).toEqual([1]);
  });

  it('skips any number of fields with ...', () => {
    expect(hits('[..., status_code, bytes]')).toEqual([0, 1, 2]);
    expect(hits('[..., status_code = 404, bytes]')).toEqual([1]);
    expect(hits('[ip, user, ...]')).toEqual([0, 1, 2]);
    expect(hits('[ip = 10.*, ...]')).toEqual([2]);
    expect(hits('[ip, user, ..., status_code = 4*, bytes]')).toEqual([1, 2]);
    expect(hits('[ip, ..., a, b, c, d, e, f, g]')).toEqual([]);
    expect(hits('[..., a, b, c, d, e, f, g]')).toEqual([0, 1, 2]);
    expect(matcher('[a, ..., b]')('one')).toBe(false);
    expect(matcher('[a, ..., b]')('one two')).toBe(true);
    expect(matcher('[...]')('')).toBe(true);
  });

  it('takes numeric and string conditions, wildcards, && and ||, as AWS shows them', () => {
    expect(hits('[ip, user, username, timestamp, request, status_code, bytes > 1000]')).toEqual([0, 1]);
    expect(hits('[ip, user, username, timestamp, request, status_code = 200, bytes]')).toEqual([0]);
    expect(hits('[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]')).toEqual([1, 2]);
    expect(hits('[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]')).toEqual([1]);
    expect(hits('[ip=10.*, user, username, timestamp, request, status_code!=200, bytes>300]')).toEqual([2]);
    expect(hits('[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000, bytes]')).toEqual([1]);
    expect(hits('[ip, user, username = frank || username = bob, ...]')).toEqual([0, 1, 2]);
    expect(hits('[ip, user, username, timestamp, request, status_code <= 403, bytes >= 1534]')).toEqual([0]);
    expect(hits('[ip, user, username, timestamp, request, status_code, bytes < 1534]')).toEqual([2]);
    expect(hits('[..., status_code = 404 || (status_code = 403 && bytes < 1000), bytes]')).toEqual([1, 2]);
  });

  it('follows AWS\'s OR examples over words', () => {
    const lines = ['ERROR WARN message', 'ERROR message', 'WARN message'];
    const which = (pattern: string): number[] => lines.flatMap((line, i) => (matcher(pattern)(line) ? [i + 1] : []));
    expect(which('[w1=ERROR, w2]')).toEqual([2]);
    expect(which('[w1=ERROR || w1=WARN, w2]')).toEqual([2, 3]);
    // AWS writes "=!" for "not equal" in this example.
    expect(which('[w1=!ERROR&&w1=!WARN, w2]')).toEqual([]);
    expect(which('[w1=!ERROR, ...]')).toEqual([3]);
  });

  it('takes %regex% values, at most two', () => {
    expect(hits('[ip = %^10\\.%, ...]')).toEqual([2]);
    expect(hits('[..., status_code = %^4[0-9]{2}$%, bytes != %^3%]')).toEqual([1]);
    expect(failure('[a = %x%, b = %y%, c = %z%]')).toMatch(/at most 2 regexes/);
  });

  it('compares numbers as numbers, never a word as a number', () => {
    expect(matcher('[a, b > 5]')('x 10')).toBe(true);
    expect(matcher('[a, b > 5]')('x 1e1')).toBe(true);
    expect(matcher('[a, b > 5]')('x ten')).toBe(false);
    expect(matcher('[a, b = 5]')('x 5.0')).toBe(true);
    expect(matcher('[a, b != 5]')('x -')).toBe(true);
    expect(matcher('[a, b = *]')('x -')).toBe(true);
  });

  it('reads fields: runs of spaces, an unclosed quote as text, escaped quotes, a trailing comma as one more field', () => {
    expect(matcher('[a, b, c]')('  one   two\tthree  ')).toBe(true);
    expect(matcher('[a, b = "x y"]')('one "x y"')).toBe(true);
    expect(matcher('[a, b]')('one "x y')).toBe(false);
    expect(matcher('[a, b, c]')('one "x y')).toBe(true);
    expect(matcher('[a, b = *say*]')('one "they say \\"hi\\""')).toBe(true);
    expect(matcher('[a, b = x,]')('one x two')).toBe(true);
    expect(matcher('[a, b = x,]')('one x')).toBe(false);
  });

  it('refuses malformed space-delimited patterns with a position', () => {
    expect(failure('[]')).toMatch(/at least one field/);
    expect(failure('[a, b')).toMatch(/Expected "," or "]" at position 6/);
    expect(failure('[a, ..., b, ...]')).toMatch(/Only one "\.\.\." is supported per pattern \(the first is at position 5\); this one is at position 13/);
    expect(failure('[a, a]')).toMatch(/named twice/);
    expect(failure('[a = 1 && b = 2, c]')).toMatch(/names "b", which is not one of the pattern's fields at position 11/);
    expect(failure('[a > x]')).toMatch(/needs a number, not "x"/);
    expect(failure('[a && b]')).toMatch(/needs a comparison/);
    expect(failure('[a =]')).toMatch(/Expected a value after "="/);
    expect(failure('[a] tail')).toMatch(/after "]"/);
    expect(failure('[1a]')).toMatch(/Expected a field name/);
    expect(failure('[a = "x]')).toMatch(/Unterminated quoted string/);
    expect(failure('[(a = 1]')).toMatch(/Expected "\)"/);
  });

  it('costs one pass over a huge message, whatever the pattern', () => {
    const m = matcher('[first, ..., last = %9$%]');
    const message = 'w '.repeat(400_000) + '9';
    const started = performance.now();
    expect(m(message)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('never throws, whatever the pattern or message', () => {
    const pieces = fc.constantFrom('[', ']', ',', '...', 'a', 'b', '=', '!=', '>', '&&', '||', '(', ')', '1', '"x y"', '%x%', '*', '4*', ' ');
    const words = fc.array(fc.constantFrom('a', '1', '"q r"', '[b c]', '-', '"', '[', ' '), { maxLength: 8 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 14 }), words, (parts, message) => {
        const compiled = compileFilterPattern(`[${parts.join(' ')}`);
        if (compiled.ok) expect(typeof compiled.value(message)).toBe('boolean');
        else expect(compiled.error.message).toMatch(/position \d+|longer than/);
      }),
      { numRuns: 3000 },
    );
  });
});

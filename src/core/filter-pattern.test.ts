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

  it('refuses space-delimited patterns as not supported', () => {
    expect(failure('[ip, user, ..., status_code = 4*]')).toMatch(/not supported/);
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

/**
 * The scan of a JSON alert line must give what JSON.parse + jsonAlertFlavor give whenever it
 * answers: generated alert-like documents written with random whitespace, escapes (in values and
 * keys), duplicate keys, nested objects holding keys named `rule`, `id` and `timestamp`, and
 * `__proto__`; and the same texts damaged (cut, a character dropped, replaced or inserted), which
 * the scan must never take for valid JSON. eventTimeOf with the scan equals the full mechanism.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidTimeMs } from '../../core/time.js';
import { parseAlert } from '../../transforms/parse-alert.js';
import { normalizeAlert } from '../../transforms/normalize.js';
import { eventTimeOf, parsedAlertTimeFields } from './event-time.js';
import { scanAlertTimeFields } from './json-alert-scan.js';
import { INPUT_FORMATS, type InputFormat } from './record-reader.js';

/** A JSON document as written: an object's entries in order, duplicates allowed (JSON.stringify cannot write those). */
type Node = { obj: [string, Node][] } | { arr: Node[] } | { str: string } | { num: string } | { lit: 'true' | 'false' | 'null' };

const READ_TIME = 1_234_567_890_123;
function reference(text: string, format: InputFormat): number {
  if (format === 'raw') return READ_TIME;
  const parsed = parseAlert(text, format === 'auto' ? undefined : format);
  if (!parsed.ok) return READ_TIME;
  const timeMs = normalizeAlert(parsed.value).timeMs;
  return timeMs !== undefined && isValidTimeMs(timeMs) ? Math.trunc(timeMs) : READ_TIME;
}

const text = fc.oneof(
  fc.constantFrom('', 'a', 'sshd: authentication failed.', 'é ü 日本 \u{1F600}', 'quote " back \\ slash / tab \t nl \n', '\u2028\u2029', '\ud800 lone', '__proto__', 'rule', 'id', 'timestamp'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const number = fc.oneof(
  fc.constantFrom('0', '-0', '5', '1700000000.5', '1e3', '1E+3', '-2.5e-3', '1600000000000'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
const alertId = fc.oneof(
  fc.constantFrom('1700000000.1', '1700000000.12345', '', 'not-a-time', '99999999999999.1', '1700000000.', '.5', '1.1', '0.0', '1700000000.1 '),
  fc.tuple(fc.integer({ min: 0, max: 2_000_000_000 }), fc.nat()).map(([s, n]) => `${s}.${n}`),
);
const timestamp = fc.oneof(
  fc.constantFrom('2024-01-02T03:04:05.000+0000', '2024-01-02T03:04:05Z', '2024 Jan 02 03:04:05', 'yesterday', '2024-02-30T00:00:00Z', '2024-01-02 03:04:05', ' 2024-01-02T03:04:05Z', ''),
  fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '+0000')),
);

const leaf: fc.Arbitrary<Node> = fc.oneof(
  text.map((s) => ({ str: s })),
  number.map((n) => ({ num: n })),
  fc.constantFrom<Node>({ lit: 'true' }, { lit: 'false' }, { lit: 'null' }),
);
const { tree } = fc.letrec<{ tree: Node }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }).map((arr) => ({ arr })),
    fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('rule', 'id', 'timestamp', 'level', '__proto__')), tie('tree')), { maxLength: 4 }).map((obj) => ({ obj })),
  ),
}));

const ruleKey = fc.constantFrom('level', 'sidid', 'comment', 'id', 'description', 'groups', '__proto__', 'Level');
const rule: fc.Arbitrary<Node> = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(ruleKey, fc.oneof(leaf, tree)), { maxLength: 6 }).map((obj) => ({ obj })) },
  { weight: 1, arbitrary: tree },
);
/** A top-level entry: mostly the fields that matter, with values of the usual and unusual types. */
const topEntry: fc.Arbitrary<[string, Node]> = fc.oneof(
  { weight: 3, arbitrary: rule.map((r): [string, Node] => ['rule', r]) },
  { weight: 3, arbitrary: fc.oneof(alertId.map((s): Node => ({ str: s })), leaf).map((v): [string, Node] => ['id', v]) },
  { weight: 3, arbitrary: fc.oneof(timestamp.map((s): Node => ({ str: s })), leaf).map((v): [string, Node] => ['timestamp', v]) },
  { weight: 1, arbitrary: fc.constantFrom('TimeStamp', 'location', 'full_log', '__proto__', 'data', '@timestamp', 'hidsmon').chain((k) => tree.map((v): [string, Node] => [k, v])) },
  { weight: 1, arbitrary: fc.tuple(text, tree) },
);
const alertDoc: fc.Arbitrary<Node> = fc.array(topEntry, { minLength: 1, maxLength: 7 }).map((obj) => ({ obj }));

/** Writes `node` as JSON with choices from `style`: whitespace between tokens, characters escaped as \uXXXX or \/. */
function write(node: Node, style: number[]): string {
  let k = 0;
  const pick = (): number => style[k++ % style.length]!;
  const ws = (): string => ['', '', '', ' ', '\t', '\n', '\r\n', '  '][pick() % 8]!;
  const str = (s: string): string => {
    const plain = JSON.stringify(s);
    if (pick() % 3 !== 0) return plain;
    // Escape some characters that need none: the same string, other text.
    let out = '"';
    for (const ch of plain.slice(1, -1).match(/\\u[0-9a-fA-F]{4}|\\.|[\s\S]/g) ?? []) {
      const r = pick() % 5;
      if (ch.length === 1 && r === 0) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (ch === '/' && r === 1) out += '\\/';
      else if (ch.length === 1 && r === 2) out += `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      else out += ch;
    }
    return `${out}"`;
  };
  const go = (n: Node): string => {
    if ('obj' in n) return `{${ws()}${n.obj.map(([key, v]) => `${str(key)}${ws()}:${ws()}${go(v)}`).join(`${ws()},${ws()}`)}${ws()}}`;
    if ('arr' in n) return `[${ws()}${n.arr.map(go).join(`${ws()},${ws()}`)}${ws()}]`;
    if ('str' in n) return str(n.str);
    if ('num' in n) return n.num;
    return n.lit;
  };
  return `${go(node)}${pick() % 4 === 0 ? ws() : ''}`;
}

const style = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 16 });
const written = fc.tuple(alertDoc, style).map(([doc, s]) => write(doc, s));
/** The same text damaged, mostly into invalid JSON: cut, a character dropped, replaced or inserted. */
const damaged = fc.tuple(written, fc.nat(), fc.constantFrom('cut', 'drop', 'replace', 'insert'), fc.constantFrom('"', '\\', ',', '}', ']', '{', ':', ' ', '\u0001', 'x', '0', '-', 'e', '.', 'u')).map(([t, at, how, ch]) => {
  const i = at % t.length;
  if (how === 'cut') return t.slice(0, i);
  if (how === 'drop') return t.slice(0, i) + t.slice(i + 1);
  if (how === 'replace') return t.slice(0, i) + ch + t.slice(i + 1);
  return t.slice(0, i) + ch + t.slice(i);
});

describe('scanAlertTimeFields', () => {
  it('gives what JSON.parse and jsonAlertFlavor give whenever it answers, and answers for most plain lines', () => {
    let answered = 0;
    let plain = 0;
    fc.assert(
      fc.property(written, (t) => {
        const scanned = scanAlertTimeFields(t);
        if (scanned !== undefined) expect(scanned).toEqual(parsedAlertTimeFields(t));
        // A key written with escapes (top level or in the rule) is left to JSON.parse; every other valid line is answered.
        if (!/\\/.test(t)) {
          plain++;
          if (scanned !== undefined) answered++;
        }
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBe(plain);
    expect(plain).toBeGreaterThan(300);
  });

  it('never takes a damaged line for valid JSON: whatever it answers, JSON.parse agrees', () => {
    let invalid = 0;
    fc.assert(
      fc.property(damaged, (t) => {
        const scanned = scanAlertTimeFields(t);
        const parsed = parsedAlertTimeFields(t);
        if (scanned !== undefined) expect(scanned).toEqual(parsed);
        if (parsed === undefined) invalid++;
      }),
      { numRuns: 3000 },
    );
    expect(invalid).toBeGreaterThan(1000);
  });

  it('eventTimeOf with the scan equals the full parse-and-normalize in every format', () => {
    fc.assert(
      fc.property(fc.oneof(written, damaged), (t) => {
        for (const format of INPUT_FORMATS) expect(eventTimeOf(t, format, READ_TIME)).toBe(reference(t, format));
      }),
      { numRuns: 1500 },
    );
  });

  it('reads the shapes that matter: duplicates (the last wins), same-named keys deeper down, escapes, whitespace', () => {
    const cases: [string, ReturnType<typeof scanAlertTimeFields>][] = [
      ['{"rule":{"level":5,"sidid":1},"id":"1700000000.1"}', { flavor: 'ossec-json', id: '1700000000.1', timestamp: undefined }],
      ['{"rule":{"level":5,"sidid":1},"id":"1700000000.1","id":"1600000000.2"}', { flavor: 'ossec-json', id: '1600000000.2', timestamp: undefined }],
      ['{"rule":{"level":5,"sidid":1},"id":"1700000000.1","id":7}', { flavor: 'ossec-json', id: undefined, timestamp: undefined }],
      ['{"rule":{"level":5,"sidid":1},"rule":{"level":3,"description":"d"}}', { flavor: 'wazuh-json', id: undefined, timestamp: undefined }],
      ['{"rule":{"level":5,"sidid":1},"rule":[]}', { flavor: undefined, id: undefined, timestamp: undefined }],
      ['{"rule":{"x":{"level":5,"sidid":1}},"data":{"id":"1700000000.1","timestamp":"2024-01-02T03:04:05Z"}}', { flavor: undefined, id: undefined, timestamp: undefined }],
      ['{"data":{"rule":{"level":5,"sidid":1}},"rule":{"level":1,"id":"9"},"__proto__":{"id":"1.1"}}', { flavor: 'wazuh-json', id: undefined, timestamp: undefined }],
      ['{ "rule" :\t{ "level" : 1 , "comment" : "c" } ,\r\n "timestamp" : "2024\\u002d01-02T03:04:05Z" , "id" : "17\\/" }  ', { flavor: 'ossec-json', id: '17/', timestamp: '2024-01-02T03:04:05Z' }],
      ['{}', { flavor: undefined, id: undefined, timestamp: undefined }],
    ];
    for (const [t, want] of cases) {
      expect(scanAlertTimeFields(t)).toEqual(want);
      expect(parsedAlertTimeFields(t)).toEqual(want);
    }
    // Not sure: an escaped key that matters, nesting past 64, invalid JSON.
    expect(scanAlertTimeFields('{"r\\u0075le":{"level":5,"sidid":1}}')).toBeUndefined();
    expect(scanAlertTimeFields(`{"a":${'['.repeat(70)}${']'.repeat(70)}}`)).toBeUndefined();
    for (const bad of ['{"rule":{"level":5,}}', '{"id":"1.1"', '{"id":"a\u0001"}', '{"id":01}', '{"id":"\\x"}', '{"id":1.}', '{"id":tru}', '{"a":1}x', '{"a" 1}', '{,}'])
      expect(scanAlertTimeFields(bad)).toBeUndefined();
  });
});

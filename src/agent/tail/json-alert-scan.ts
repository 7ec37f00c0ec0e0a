/**
 * @module The fields a JSON alert line's time depends on (its flavor, top-level `id` and
 * `timestamp`), read by one pass over the text that checks the JSON syntax, without building the
 * object: JSON.parse of every line only to find its time was the agent's largest source of garbage
 * per alert. Undefined when the scan is not sure (invalid or unusual text): JSON.parse decides then.
 */
import type { JsonAlertFlavor } from '../../transforms/parse-json-alert.js';

/** What jsonAlertFlavor and the time sources need of a parsed alert line, as JSON.parse would give it. */
export interface AlertTimeFields {
  /** Undefined when the object is no OSSEC or Wazuh alert (jsonAlertFlavor's error cases). */
  flavor: JsonAlertFlavor | undefined;
  /** The top-level `id` when it is a string (the last one: JSON.parse keeps the last of duplicate keys). */
  id: string | undefined;
  /** The top-level `timestamp` when it is a string. */
  timestamp: string | undefined;
}

// Character codes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Nesting deeper than this is left to JSON.parse: the scan keeps its container stack in a fixed array. */
const MAX_DEPTH = 64;

// The top-level keys that matter, and the rule's keys jsonAlertFlavor looks at (bits).
const FIELD_NONE = 0;
const FIELD_RULE = 1;
const FIELD_ID = 2;
const FIELD_TIMESTAMP = 3;
const RULE_LEVEL = 1;
const RULE_OSSEC = 2; // sidid or comment
const RULE_WAZUH = 4; // id or description

/** Container kinds on the stack: an object (keys) or an array. */
const OBJECT = 0;
const ARRAY = 1;

/** Reused between calls (the scan is synchronous and never re-entered). */
const stack = new Uint8Array(MAX_DEPTH + 1);

/** Where the string starting at `at` (its opening quote) ends, just after its closing quote; -1 when it is not valid JSON. */
let stringEscaped = false;
function scanString(text: string, at: number): number {
  stringEscaped = false;
  const n = text.length;
  for (let j = at + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1; // a raw control character is invalid JSON
    if (c === BACKSLASH) {
      stringEscaped = true;
      const e = text.charCodeAt(++j);
      if (e === 0x75 /* u */) {
        for (let k = 1; k <= 4; k++) if (!isHex(text.charCodeAt(j + k))) return -1;
        j += 4;
      } else if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f /* / */ && e !== 0x62 /* b */ && e !== 0x66 /* f */ && e !== 0x6e /* n */ && e !== 0x72 /* r */ && e !== 0x74 /* t */) {
        return -1;
      }
    }
  }
  return -1;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Where the number starting at `at` ends (RFC 8259's grammar); -1 when it is not one. */
function scanNumber(text: string, at: number): number {
  let j = at;
  if (text.charCodeAt(j) === MINUS) j++;
  const first = text.charCodeAt(j);
  if (first === ZERO) j++;
  else if (first > ZERO && first <= NINE) while (isDigit(text.charCodeAt(j))) j++;
  else return -1;
  if (text.charCodeAt(j) === DOT) {
    j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 /* e */ || e === 0x45 /* E */) {
    j++;
    const sign = text.charCodeAt(j);
    if (sign === PLUS || sign === MINUS) j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  return j;
}

function skipSpace(text: string, at: number): number {
  let j = at;
  for (;;) {
    const c = text.charCodeAt(j);
    // JSON's whitespace: space, tab, line feed, carriage return; nothing else.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) j++;
    else return j;
  }
}

/** The key's field when it is one of those that matter; its text is compared in place (no copy). */
function topLevelField(text: string, start: number, length: number): number {
  if (length === 4 && text.startsWith('rule', start)) return FIELD_RULE;
  if (length === 2 && text.startsWith('id', start)) return FIELD_ID;
  if (length === 9 && text.startsWith('timestamp', start)) return FIELD_TIMESTAMP;
  return FIELD_NONE;
}

function ruleKeyBit(text: string, start: number, length: number): number {
  switch (length) {
    case 5:
      return text.startsWith('level', start) ? RULE_LEVEL : text.startsWith('sidid', start) ? RULE_OSSEC : 0;
    case 7:
      return text.startsWith('comment', start) ? RULE_OSSEC : 0;
    case 2:
      return text.startsWith('id', start) ? RULE_WAZUH : 0;
    case 11:
      return text.startsWith('description', start) ? RULE_WAZUH : 0;
    default:
      return 0;
  }
}

/** A string value's text: cut out when it has no escapes, else decoded by JSON.parse of the literal alone. */
function stringValue(text: string, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(text.slice(start, end)) as string) : text.slice(start + 1, end - 1);
}

/**
 * Scans a line that starts with `{`. Exact where it answers: the same flavor, `id` and `timestamp`
 * as JSON.parse + jsonAlertFlavor + ownValue, duplicate keys included (the last wins, as in
 * JSON.parse). Undefined (not sure) for invalid JSON, nesting deeper than 64, and a top-level or
 * rule key written with escapes (`"r\u0075le"`), which the scan does not decode.
 */
export function scanAlertTimeFields(text: string): AlertTimeFields | undefined {
  const n = text.length;
  if (text.charCodeAt(0) !== LBRACE) return undefined;
  let depth = 1;
  stack[1] = OBJECT;
  let i = 1;
  /** The top-level key whose value comes next. */
  let field = FIELD_NONE;
  /** Depth of the `rule` object being read (the last top-level `rule`), 0 when outside it. */
  let inRuleDepth = 0;
  let ruleIsObject = false;
  let ruleBits = 0;
  let idStart = -1;
  let idEnd = -1;
  let idEscaped = false;
  let tsStart = -1;
  let tsEnd = -1;
  let tsEscaped = false;

  // After `{`: a key or `}`.
  i = skipSpace(text, i);
  if (text.charCodeAt(i) === RBRACE) {
    depth = 0;
    i++;
  }
  let expectKey = depth === 1;
  // Bounded: every turn moves i forward or returns.
  while (depth > 0) {
    if (expectKey) {
      i = skipSpace(text, i);
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const keyStart = i + 1;
      const end = scanString(text, i);
      if (end < 0) return undefined;
      const keyLength = end - 1 - keyStart;
      if (depth === 1) {
        if (stringEscaped) return undefined;
        field = topLevelField(text, keyStart, keyLength);
      } else if (depth === inRuleDepth) {
        if (stringEscaped) return undefined;
        ruleBits |= ruleKeyBit(text, keyStart, keyLength);
      }
      i = skipSpace(text, end);
      if (text.charCodeAt(i) !== COLON) return undefined;
      i++;
      expectKey = false;
    }
    // A value.
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    const valueOfField = depth === 1 ? field : FIELD_NONE;
    if (depth === 1) field = FIELD_NONE;
    if (valueOfField === FIELD_RULE) {
      ruleIsObject = c === LBRACE;
      ruleBits = 0;
    } else if (valueOfField === FIELD_ID) {
      idStart = -1;
    } else if (valueOfField === FIELD_TIMESTAMP) {
      tsStart = -1;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (depth === MAX_DEPTH) return undefined;
      stack[++depth] = c === LBRACE ? OBJECT : ARRAY;
      if (valueOfField === FIELD_RULE) inRuleDepth = depth;
      i = skipSpace(text, i + 1);
      const close = text.charCodeAt(i);
      if (c === LBRACE && close !== RBRACE) {
        expectKey = true;
        continue;
      }
      if (c === LBRACKET && close !== RBRACKET) continue;
      // An empty container: closed at once, below.
    } else if (c === QUOTE) {
      const end = scanString(text, i);
      if (end < 0) return undefined;
      if (valueOfField === FIELD_ID) {
        idStart = i;
        idEnd = end;
        idEscaped = stringEscaped;
      } else if (valueOfField === FIELD_TIMESTAMP) {
        tsStart = i;
        tsEnd = end;
        tsEscaped = stringEscaped;
      }
      i = end;
    } else if (c === MINUS || isDigit(c)) {
      i = scanNumber(text, i);
      if (i < 0) return undefined;
    } else if (c === 0x74 /* t */ && text.startsWith('true', i)) {
      i += 4;
    } else if (c === 0x66 /* f */ && text.startsWith('false', i)) {
      i += 5;
    } else if (c === 0x6e /* n */ && text.startsWith('null', i)) {
      i += 4;
    } else {
      return undefined;
    }
    // After a value (or at an empty container's closing bracket): commas and closings.
    for (;;) {
      i = skipSpace(text, i);
      const d = text.charCodeAt(i);
      const kind = stack[depth];
      if (d === COMMA) {
        i++;
        expectKey = kind === OBJECT;
        break;
      }
      if ((d === RBRACE && kind === OBJECT) || (d === RBRACKET && kind === ARRAY)) {
        i++;
        if (depth === inRuleDepth) inRuleDepth = 0;
        depth--;
        if (depth === 0) break;
        continue;
      }
      return undefined;
    }
  }
  // Only whitespace may follow the object.
  if (skipSpace(text, i) !== n) return undefined;

  let flavor: JsonAlertFlavor | undefined;
  if (ruleIsObject && (ruleBits & RULE_LEVEL) !== 0) {
    if ((ruleBits & RULE_OSSEC) !== 0) flavor = 'ossec-json';
    else if ((ruleBits & RULE_WAZUH) !== 0) flavor = 'wazuh-json';
  }
  return {
    flavor,
    id: idStart >= 0 ? stringValue(text, idStart, idEnd, idEscaped) : undefined,
    timestamp: tsStart >= 0 ? stringValue(text, tsStart, tsEnd, tsEscaped) : undefined,
  };
}

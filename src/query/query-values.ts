/**
 * @module A query's literal values read as their field's type wants them: numbers within the
 * type's range, booleans, date math in a zone, prefix patterns; refused with OpenSearch's messages.
 * One reading for the SQL compiler and the rules' in-memory matcher, so that a value the index
 * refuses or reads one way is refused or read the same way by a rule.
 */
import { parseDateMath } from '../core/date-math.js';
import { canonicalTimeZone } from '../core/time-zone.js';
import type { FieldType } from './fields.js';

/** What a value is read for: a field's name (in messages) and type. */
export interface ValueField {
  name: string;
  type: FieldType;
}

/** A value the field cannot take: the query's error, with the field it is about. */
export class QueryValueError extends Error {
  constructor(readonly error: { message: string; field?: string }) {
    super(error.message);
  }
}

const INTEGER_BOUNDS: Partial<Record<FieldType, { name: string; min: number; max: number }>> = {
  integer: { name: 'the integer', min: -(2 ** 31), max: 2 ** 31 - 1 },
  long: { name: 'the long', min: -(2 ** 63), max: 2 ** 63 - 1 },
};

export function numberValue(field: ValueField, value: string): number {
  const text = value.trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) {
    throw new QueryValueError({ field: field.name, message: `'${value}' is not a number, and ${field.name} is a numeric (${field.type}) field.` });
  }
  // As OpenSearch's number fields: a value the type cannot hold is the query's error, not a miss.
  const bound = INTEGER_BOUNDS[field.type];
  if (bound && (n < bound.min || n > bound.max)) {
    throw new QueryValueError({ field: field.name, message: `Value [${value}] is out of range for ${bound.name} field ${field.name} (${bound.min} to ${bound.max}).` });
  }
  return n;
}

export function booleanValue(field: ValueField, value: string): string {
  if (value === 'true' || value === 'false') return value;
  throw new QueryValueError({ field: field.name, message: `'${value}' is not true or false, and ${field.name} is a boolean field.` });
}

/** A date bound; a DSL range's time_zone rounds its date math and reads its local times there, as OpenSearch does. */
export function dateValue(field: ValueField, value: string, nowMs: number, roundUp: boolean, timeZone?: string): number {
  const zone = timeZone === undefined ? undefined : canonicalTimeZone(timeZone);
  if (timeZone !== undefined && zone === undefined) throw new QueryValueError({ field: field.name, message: `time_zone "${timeZone}" is not a time zone: use an IANA name such as Europe/Berlin, UTC, or an offset such as +01:00.` });
  const parsed = parseDateMath(value, nowMs, { roundUp, ...(zone !== undefined ? { timeZone: zone } : {}) });
  if (!parsed.ok) throw new QueryValueError({ field: field.name, message: `${field.name} is a date field: ${parsed.error}` });
  return parsed.value;
}

/** The literal text of a prefix pattern (`abc*`, escapes resolved), or undefined for any other pattern. */
export function prefixBody(pattern: string): string | undefined {
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) body += pattern[++i];
    else if (c === '*' && i === pattern.length - 1) return body;
    else if (c === '*' || c === '?') return undefined;
    else body += c;
  }
  return undefined;
}

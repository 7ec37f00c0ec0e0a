/**
 * @module Reading an operation's JSON input: wrong JSON types are SerializationExceptions, broken
 * model constraints are gathered into one InvalidParameterException worded as AWS words them
 * ("2 validation errors detected: Value '' at 'logStreamName' failed to satisfy constraint: ...").
 */
import { invalidParameter, serialization } from './errors.js';

export const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
export const LOG_GROUP_NAME_TEXT = '[\\.\\-_/#A-Za-z0-9]+';
export const LOG_GROUP_PATTERN = /^[.\-_/#A-Za-z0-9]*$/;
export const LOG_GROUP_PATTERN_TEXT = '[\\.\\-_/#A-Za-z0-9]*';
export const LOG_STREAM_NAME = /^[^:*]*$/;
export const LOG_STREAM_NAME_TEXT = '[^:*]*';
export const LOG_GROUP_IDENTIFIER = /^[\w#+=/:,.@-]*$/;
export const LOG_GROUP_IDENTIFIER_TEXT = '[\\w#+=/:,.@-]*';
const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$/u;
const TAG_KEY_TEXT = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$';
const TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const TAG_VALUE_TEXT = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';

/** AWS echoes the offending value; a very long one is cut so that an error stays small. */
const MAX_ECHO = 1024;

function jsonKind(value: unknown): string {
  if (typeof value === 'string') return 'STRING_VALUE';
  if (typeof value === 'number') return 'NUMBER_VALUE';
  if (typeof value === 'boolean') return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (Array.isArray(value)) return 'START_ARRAY';
  return 'START_OBJECT';
}

function wrongType(value: unknown, expected: string, path: string): Error {
  if (Array.isArray(value)) return serialization(`Start of list found where not expected (at '${path}').`);
  if (typeof value === 'object' && value !== null) return serialization(`Start of structure or map found where not expected (at '${path}').`);
  return serialization(`${jsonKind(value)} can not be converted to ${expected} (at '${path}').`);
}

/** An operation's input object; `null` members count as absent, unknown members are ignored (as Coral does). */
export class ActionInput {
  /**
   * `prefix` names the member this input is, with `item` its index when it is a list's item: the
   * item's prefix `<list>.<item + 1>.member.` is made only for a message (a batch has 10,000 items).
   */
  private constructor(
    private readonly fields: Record<string, unknown>,
    private readonly prefix: string,
    private readonly item = -1,
  ) {}

  static parse(body: string): ActionInput {
    if (body.trim() === '') return new ActionInput({}, '');
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw serialization('The request body is not valid JSON.');
    }
    if (value === null) return new ActionInput({}, '');
    if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(value, 'a structure', '');
    return new ActionInput(value as Record<string, unknown>, '');
  }

  private path(name: string): string {
    return this.item < 0 ? `${this.prefix}${name}` : `${this.prefix}.${this.item + 1}.member.${name}`;
  }

  private raw(name: string): unknown {
    return Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw wrongType(value, 'String', this.path(name));
    return value;
  }

  /** JSON numbers that are whole and within JavaScript's exact range (Integer and Long members). */
  integer(name: string, type: 'Integer' | 'Long' = 'Long'): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw wrongType(value, type, this.path(name));
    if (!Number.isSafeInteger(value) || (type === 'Integer' && Math.abs(value) > 2_147_483_647)) {
      throw serialization(`NUMBER_VALUE ${value} can not be converted to ${type} (at '${this.path(name)}').`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw wrongType(value, 'Boolean', this.path(name));
    return value;
  }

  stringList(name: string): string[] | undefined {
    const list = this.list(name);
    if (list === undefined) return undefined;
    return list.map((item, i) => {
      if (typeof item !== 'string') throw wrongType(item, 'String', `${this.path(name)}.${i + 1}.member`);
      return item;
    });
  }

  /** A list of structures, each read with its own ActionInput (paths `logEvents.1.member.x`). */
  structureList(name: string): ActionInput[] | undefined {
    const list = this.list(name);
    if (list === undefined) return undefined;
    const listPath = this.path(name);
    return list.map((item, i) => {
      if (item === null) return new ActionInput({}, listPath, i);
      if (typeof item !== 'object' || Array.isArray(item)) throw wrongType(item, 'a structure', `${listPath}.${i + 1}.member`);
      return new ActionInput(item as Record<string, unknown>, listPath, i);
    });
  }

  stringMap(name: string): Record<string, string> | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(value, 'a map', this.path(name));
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'string') throw wrongType(item, 'String', `${this.path(name)}.${key}`);
      out[key] = item;
    }
    return out;
  }

  /** A member whose content hidsmon ignores but whose JSON shape must still be a structure. */
  structure(name: string): void {
    const value = this.raw(name);
    if (value === undefined || value === null) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(value, 'a structure', this.path(name));
  }

  private list(name: string): unknown[] | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      if (typeof value === 'object') throw serialization(`Start of structure or map found where not expected (at '${this.path(name)}').`);
      throw serialization(`${jsonKind(value)} can not be converted to a list (at '${this.path(name)}').`);
    }
    return value;
  }

  /** The member path for constraint messages. */
  at(name: string): string {
    return this.path(name);
  }
}

/** Gathers model constraint violations and throws them as one InvalidParameterException. */
export class Constraints {
  private readonly violations: string[] = [];
  private count = 0;

  private add(value: string | null, path: string, constraint: string): void {
    this.count++;
    // Thousands of bad events in one batch would make a huge message: the first ten are listed.
    if (this.violations.length >= 10) return;
    this.violations.push(`Value ${value === null ? 'null' : `'${value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  required(path: string, value: unknown): boolean {
    if (value !== undefined) return true;
    this.add(null, path, 'Member must not be null');
    return false;
  }

  /** Length in characters (UTF-16 code units, as Java counts them), and an optional pattern. */
  text(path: string, value: string | undefined, options: { min?: number; max?: number; pattern?: RegExp; patternText?: string; required?: boolean }): void {
    if (value === undefined) {
      if (options.required) this.required(path, value);
      return;
    }
    if (options.min !== undefined && value.length < options.min) this.add(value, path, `Member must have length greater than or equal to ${options.min}`);
    if (options.max !== undefined && value.length > options.max) this.add(value, path, `Member must have length less than or equal to ${options.max}`);
    if (options.pattern && !options.pattern.test(value)) this.add(value, path, `Member must satisfy regular expression pattern: ${options.patternText ?? options.pattern.source}`);
  }

  number(path: string, value: number | undefined, options: { min?: number; max?: number; required?: boolean }): void {
    if (value === undefined) {
      if (options.required) this.required(path, value);
      return;
    }
    if (options.min !== undefined && value < options.min) this.add(String(value), path, `Member must have value greater than or equal to ${options.min}`);
    if (options.max !== undefined && value > options.max) this.add(String(value), path, `Member must have value less than or equal to ${options.max}`);
  }

  items(path: string, value: readonly unknown[] | undefined, options: { min?: number; max?: number; required?: boolean }): void {
    if (value === undefined) {
      if (options.required) this.required(path, value);
      return;
    }
    // Lists are echoed by their size only: AWS prints the whole list.
    const shown = `[${value.length} items]`;
    if (options.min !== undefined && value.length < options.min) this.add(shown, path, `Member must have length greater than or equal to ${options.min}`);
    if (options.max !== undefined && value.length > options.max) this.add(shown, path, `Member must have length less than or equal to ${options.max}`);
  }

  oneOf(path: string, value: string | number | undefined, allowed: readonly (string | number)[]): void {
    if (value === undefined || allowed.includes(value)) return;
    this.add(String(value), path, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }

  tags(path: string, tags: Record<string, string> | undefined): void {
    if (tags === undefined) return;
    const entries = Object.entries(tags);
    if (entries.length < 1 || entries.length > 50) this.add(`{${entries.length} entries}`, path, `Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 50'}`);
    for (const [key, value] of entries) {
      this.text(`${path}.key`, key, { min: 1, max: 128, pattern: TAG_KEY, patternText: TAG_KEY_TEXT });
      this.text(`${path}.value`, value, { max: 256, pattern: TAG_VALUE, patternText: TAG_VALUE_TEXT });
    }
  }

  logGroupName(path: string, value: string | undefined, required = true): void {
    this.text(path, value, { min: 1, max: 512, pattern: LOG_GROUP_NAME, patternText: LOG_GROUP_NAME_TEXT, required });
  }

  logStreamName(path: string, value: string | undefined, required = true): void {
    this.text(path, value, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT, required });
  }

  nextToken(path: string, value: string | undefined): void {
    this.text(path, value, { min: 1 });
  }

  check(): void {
    if (this.count === 0) return;
    const more = this.count > this.violations.length ? `; (${this.count - this.violations.length} more)` : '';
    throw invalidParameter(`${this.count} validation error${this.count === 1 ? '' : 's'} detected: ${this.violations.join('; ')}${more}`);
  }
}

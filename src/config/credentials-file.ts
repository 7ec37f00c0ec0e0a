/**
 * @module `<data>/credentials.json`: the access keys (SigV4, with their permissions) and API tokens
 * (query API, with their roles) that `hidsmon keys` manages and the server checks. Versioned; the
 * first format (one key and one token, before permissions) is read and migrated. Pure: parse and
 * render text; the store reads, writes and watches the file.
 */
import type { PolicyStatement } from '../core/iam-policy.js';
import { statementProblems } from '../core/iam-policy.js';
import type { QueryRole } from '../core/principal.js';
import { isPlainObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { ACCESS_PROFILES, LOG_GROUP_GLOB, type AccessProfile } from '../core/access-profiles.js';

export const CREDENTIALS_FILE_VERSION = 1;
export const QUERY_ROLES: readonly QueryRole[] = ['viewer', 'admin'];

export interface StoredAccessKey {
  id: string;
  secret: string;
  /** A built-in profile; absent when `statements` are the key's own. */
  profile?: AccessProfile;
  statements?: PolicyStatement[];
  /** Log group names or globs the profile is limited to. */
  logGroups?: string[];
  description?: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601; a revoked key is kept (the audit log names it) and refused. */
  revoked?: string;
}

export interface StoredApiToken {
  /** The token's public name (audit entries, `hidsmon keys list`); the secret is what clients send. */
  id: string;
  secret: string;
  role: QueryRole;
  description?: string;
  created: string;
  revoked?: string;
}

export interface CredentialsDocument {
  version: typeof CREDENTIALS_FILE_VERSION;
  accessKeys: StoredAccessKey[];
  apiTokens: StoredApiToken[];
}

export type ParsedCredentials = { document: CredentialsDocument; migrated: boolean };

export function emptyCredentials(): CredentialsDocument {
  return { version: CREDENTIALS_FILE_VERSION, accessKeys: [], apiTokens: [] };
}

/**
 * Reads the file's text. The first format (`{access_key_id, secret_access_key, api_token}`) held the
 * one key every host had, with every right: it becomes an `agent` key, so hosts keep shipping and
 * can no longer change or read what is indexed; its token (held by operators) becomes `admin`.
 * `migratedAt` dates what the old file did not.
 */
export function parseCredentials(text: string, migratedAt: string): Result<ParsedCredentials, string[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err([`not valid JSON (${(e as Error).message}).`]);
  }
  if (!isPlainObject(value)) return err(['the file must hold a JSON object.']);
  if (value['version'] === undefined && typeof value['access_key_id'] === 'string') {
    const document = emptyCredentials();
    if (typeof value['secret_access_key'] === 'string') {
      document.accessKeys.push({ id: value['access_key_id'], secret: value['secret_access_key'], profile: 'agent', description: 'generated on first start (before key profiles)', created: migratedAt });
    }
    if (typeof value['api_token'] === 'string') {
      document.apiTokens.push({ id: tokenIdFor(value['api_token']), secret: value['api_token'], role: 'admin', description: 'generated on first start (before roles)', created: migratedAt });
    }
    return ok({ document, migrated: true });
  }
  if (value['version'] !== CREDENTIALS_FILE_VERSION) return err([`version ${JSON.stringify(value['version'])} is not one this hidsmon reads (it reads ${CREDENTIALS_FILE_VERSION}); a newer hidsmon wrote it?`]);
  const problems: string[] = [];
  const accessKeys: StoredAccessKey[] = [];
  const apiTokens: StoredApiToken[] = [];
  const keys = value['access_keys'] ?? [];
  const tokens = value['api_tokens'] ?? [];
  if (!Array.isArray(keys)) problems.push('access_keys must be a list.');
  else keys.forEach((k: unknown, i) => {
    const key = parseAccessKey(k, `access_keys[${i}]`, problems);
    if (key) accessKeys.push(key);
  });
  if (!Array.isArray(tokens)) problems.push('api_tokens must be a list.');
  else tokens.forEach((t: unknown, i) => {
    const token = parseApiToken(t, `api_tokens[${i}]`, problems);
    if (token) apiTokens.push(token);
  });
  const ids = new Set<string>();
  for (const { id } of [...accessKeys, ...apiTokens]) {
    if (ids.has(id)) problems.push(`the id ${id} is used twice.`);
    ids.add(id);
  }
  if (problems.length > 0) return err(problems);
  return ok({ document: { version: CREDENTIALS_FILE_VERSION, accessKeys, apiTokens }, migrated: false });
}

/** The text written to the file (snake_case keys, as the first format and hidsmon.yaml have them). */
export function renderCredentials(document: CredentialsDocument): string {
  const out = {
    version: document.version,
    access_keys: document.accessKeys.map((k) => ({
      id: k.id,
      secret: k.secret,
      ...(k.profile ? { profile: k.profile } : {}),
      ...(k.statements ? { statements: k.statements.map((s) => ({ actions: [...s.actions], resources: [...s.resources] })) } : {}),
      ...(k.logGroups && k.logGroups.length > 0 ? { log_groups: k.logGroups } : {}),
      ...(k.description ? { description: k.description } : {}),
      created: k.created,
      ...(k.revoked ? { revoked: k.revoked } : {}),
    })),
    api_tokens: document.apiTokens.map((t) => ({ id: t.id, secret: t.secret, role: t.role, ...(t.description ? { description: t.description } : {}), created: t.created, ...(t.revoked ? { revoked: t.revoked } : {}) })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** A stable id for a token that had none (the first format): a digest would do, but a short prefix of the secret must never be shown. */
function tokenIdFor(secret: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) h = Math.imul(h ^ secret.charCodeAt(i), 0x01000193) >>> 0;
  return `tok-${h.toString(16).padStart(8, '0')}`;
}

function optionalText(value: Record<string, unknown>, name: string, where: string, problems: string[]): string | undefined {
  const v = value[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    problems.push(`${where}.${name} must be a string.`);
    return undefined;
  }
  return v;
}

function parseAccessKey(value: unknown, where: string, problems: string[]): StoredAccessKey | undefined {
  if (!isPlainObject(value)) {
    problems.push(`${where} must be an object {id, secret, profile, ...}.`);
    return undefined;
  }
  const before = problems.length;
  const id = value['id'];
  const secret = value['secret'];
  if (typeof id !== 'string' || !/^[A-Z0-9]{16,128}$/.test(id)) problems.push(`${where}.id must be 16-128 upper-case letters and digits.`);
  if (typeof secret !== 'string' || secret.length < 16) problems.push(`${where}.secret must be a string of at least 16 characters.`);
  const profile = value['profile'];
  if (profile !== undefined && !ACCESS_PROFILES.includes(profile as AccessProfile)) problems.push(`${where}.profile must be one of ${ACCESS_PROFILES.join(', ')}.`);
  let statements: PolicyStatement[] | undefined;
  if (value['statements'] !== undefined) {
    if (!Array.isArray(value['statements']) || value['statements'].length === 0) problems.push(`${where}.statements must be a non-empty list.`);
    else {
      statements = [];
      for (const [i, s] of value['statements'].entries()) {
        const found = isPlainObject(s) ? statementProblems(s) : ['a statement is an object {actions, resources}.'];
        for (const p of found) problems.push(`${where}.statements[${i}]: ${p}`);
        if (found.length === 0 && isPlainObject(s)) statements.push({ actions: [...(s['actions'] as string[])], resources: [...(s['resources'] as string[])] });
      }
    }
  }
  if (profile === undefined && statements === undefined) problems.push(`${where} needs a profile (${ACCESS_PROFILES.join(' or ')}) or statements.`);
  if (profile !== undefined && statements !== undefined) problems.push(`${where} has both a profile and statements; keep one.`);
  const logGroups = value['log_groups'];
  if (logGroups !== undefined && (!Array.isArray(logGroups) || !logGroups.every((g) => typeof g === 'string' && LOG_GROUP_GLOB.test(g)))) problems.push(`${where}.log_groups must be a list of log group names or globs.`);
  const created = value['created'];
  if (typeof created !== 'string') problems.push(`${where}.created must be an ISO 8601 time.`);
  const description = optionalText(value, 'description', where, problems);
  const revoked = optionalText(value, 'revoked', where, problems);
  if (problems.length > before) return undefined;
  return {
    id: id as string,
    secret: secret as string,
    ...(profile !== undefined ? { profile: profile as AccessProfile } : {}),
    ...(statements ? { statements } : {}),
    ...(Array.isArray(logGroups) && logGroups.length > 0 ? { logGroups: logGroups as string[] } : {}),
    ...(description !== undefined ? { description } : {}),
    created: created as string,
    ...(revoked !== undefined ? { revoked } : {}),
  };
}

function parseApiToken(value: unknown, where: string, problems: string[]): StoredApiToken | undefined {
  if (!isPlainObject(value)) {
    problems.push(`${where} must be an object {id, secret, role, ...}.`);
    return undefined;
  }
  const before = problems.length;
  const id = value['id'];
  const secret = value['secret'];
  const role = value['role'];
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(id)) problems.push(`${where}.id must be 1-128 letters, digits, dots, dashes or underscores.`);
  if (typeof secret !== 'string' || secret.length < 16) problems.push(`${where}.secret must be a string of at least 16 characters.`);
  if (!QUERY_ROLES.includes(role as QueryRole)) problems.push(`${where}.role must be one of ${QUERY_ROLES.join(', ')}.`);
  const created = value['created'];
  if (typeof created !== 'string') problems.push(`${where}.created must be an ISO 8601 time.`);
  const description = optionalText(value, 'description', where, problems);
  const revoked = optionalText(value, 'revoked', where, problems);
  if (problems.length > before) return undefined;
  return { id: id as string, secret: secret as string, role: role as QueryRole, ...(description !== undefined ? { description } : {}), created: created as string, ...(revoked !== undefined ? { revoked } : {}) };
}

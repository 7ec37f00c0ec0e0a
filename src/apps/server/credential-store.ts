/**
 * @module The credential store: `<data>/credentials.json` (written atomically, 0600) plus the keys
 * and tokens of hidsmon.yaml, looked up by the CloudWatch Logs API (access keys) and the query API
 * (tokens). Changes made by `hidsmon keys` reach a running server without a restart: the file is
 * looked at again (one stat) at most once a second, and on every unknown id or secret.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Principal, QueryRole } from '../../core/principal.js';
import { keyPrincipalArn, policyOf, type AccessKeyGrant, type AccessProfile, type Account } from '../../api/cloudwatch-logs/permissions.js';
import type { PolicyStatement } from '../../core/iam-policy.js';
import { emptyCredentials, parseCredentials, renderCredentials, type CredentialsDocument, type StoredAccessKey, type StoredApiToken } from '../../config/credentials-file.js';

export const CREDENTIALS_FILE = 'credentials.json';

/** A key or token from hidsmon.yaml or the environment: not in the file, not revocable with `hidsmon keys`. */
export interface ConfiguredAccessKey {
  id: string;
  secret: string;
  profile?: AccessProfile;
  logGroups?: string[];
}

export interface CredentialStoreOptions {
  dataDir: string;
  account: Account;
  configuredKeys?: readonly ConfiguredAccessKey[];
  /** Configured API tokens: operators' own, so `admin` (viewer tokens are made with `hidsmon keys create --token --role viewer`). */
  configuredTokens?: readonly string[];
  now?: () => number;
  /** Make a first start's keys and tokens when there is no file (the server: yes; `hidsmon keys`: no). Default true. */
  generate?: boolean;
}

/** What a first start made: printed once, saying which goes where. */
export interface GeneratedCredentials {
  agentKey?: StoredAccessKey;
  adminKey?: StoredAccessKey;
  viewerToken?: StoredApiToken;
  adminToken?: StoredApiToken;
}

/** A key or token made or revoked: what the audit log records of it (never its secret). */
export type CredentialChange =
  | { kind: 'access-key'; id: string; change: 'created' | 'revoked'; profile: AccessProfile | 'custom'; logGroups?: string[] }
  | { kind: 'api-token'; id: string; change: 'created' | 'revoked'; role: QueryRole };

export class CredentialsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join(' ')}`);
    this.name = 'CredentialsFileError';
  }
}

/** `HIDS` and 16 upper-case hex digits: the shape of an AWS key id (SDKs and agents expect it). */
export function newAccessKeyId(): string {
  return `HIDS${randomBytes(8).toString('hex').toUpperCase()}`;
}

export function newSecret(bytes = 30): string {
  return randomBytes(bytes).toString('base64url');
}

export function newTokenId(): string {
  return `tok-${randomBytes(4).toString('hex')}`;
}

interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

export class CredentialStore {
  readonly file: string;
  private readonly account: Account;
  private readonly now: () => number;
  private readonly configuredKeys: ReadonlyMap<string, AccessKeyGrant>;
  private readonly configuredTokens: readonly { secret: Buffer; principal: Principal & { kind: 'api-token' } }[];
  private document: CredentialsDocument = emptyCredentials();
  private keys = new Map<string, AccessKeyGrant>();
  private tokens: { digest: Buffer; principal: Principal & { kind: 'api-token' } }[] = [];
  private stamp: FileStamp | undefined;
  private loaded = false;
  private listener: ((change: CredentialChange) => void) | undefined;
  private checkedAtMs = -Infinity;

  private constructor(options: CredentialStoreOptions) {
    this.file = join(options.dataDir, CREDENTIALS_FILE);
    this.account = options.account;
    this.now = options.now ?? Date.now;
    this.configuredKeys = new Map((options.configuredKeys ?? []).map((k) => [k.id, this.grantOf(k)]));
    this.configuredTokens = (options.configuredTokens ?? []).map((secret, i) => ({ secret: digest(secret), principal: { kind: 'api-token', id: `config-token-${i + 1}`, role: 'admin' } }));
  }

  /**
   * Opens the store; on a first start (no file) makes what the configuration does not give: an
   * agent and an admin key when no key is configured, a viewer and an admin token when no token is.
   * An old-format file is migrated in place.
   */
  static open(options: CredentialStoreOptions): { store: CredentialStore; generated: GeneratedCredentials | undefined; migrated: boolean } {
    const store = new CredentialStore(options);
    const existing = store.readFile();
    if (existing) {
      if (existing.migrated) store.write(existing.document);
      store.load(existing.document);
      return { store, generated: undefined, migrated: existing.migrated };
    }
    if (options.generate === false) return { store, generated: undefined, migrated: false };
    const document = emptyCredentials();
    const generated: GeneratedCredentials = {};
    const created = new Date(store.now()).toISOString();
    if ((options.configuredKeys ?? []).length === 0) {
      generated.agentKey = { id: newAccessKeyId(), secret: newSecret(), profile: 'agent', description: 'for the hosts (generated on first start)', created };
      generated.adminKey = { id: newAccessKeyId(), secret: newSecret(), profile: 'admin', description: "for operators' aws CLI (generated on first start)", created };
      document.accessKeys.push(generated.agentKey, generated.adminKey);
    }
    if ((options.configuredTokens ?? []).length === 0) {
      generated.viewerToken = { id: newTokenId(), secret: newSecret(24), role: 'viewer', description: 'for people who watch alerts (generated on first start)', created };
      generated.adminToken = { id: newTokenId(), secret: newSecret(24), role: 'admin', description: 'for operators (generated on first start)', created };
      document.apiTokens.push(generated.viewerToken, generated.adminToken);
    }
    store.write(document);
    store.load(document);
    return { store, generated: Object.keys(generated).length > 0 ? generated : undefined, migrated: false };
  }

  /** An access key's secret, principal and policy; undefined for unknown and revoked keys. */
  lookupAccessKey(id: string): AccessKeyGrant | undefined {
    const configured = this.configuredKeys.get(id);
    if (configured) return configured;
    this.refresh(false);
    let found = this.keys.get(id);
    if (!found && this.refresh(true)) found = this.keys.get(id);
    return found;
  }

  /** The principal of an API token by its secret (compared in constant time with every token); undefined for unknown and revoked ones. */
  lookupApiToken(secret: string): (Principal & { kind: 'api-token'; role: QueryRole }) | undefined {
    const given = digest(secret);
    this.refresh(false);
    let found = this.matchToken(given);
    if (!found && this.refresh(true)) found = this.matchToken(given);
    return found;
  }

  /**
   * Told of each key or token made or revoked after now, by this store or by another process
   * (`hidsmon keys`), once the store has seen the file change (on a lookup, or on `poll`).
   */
  onChange(listener: (change: CredentialChange) => void): void {
    this.listener = listener;
  }

  /** Looks at the file now (if a second has passed since the last look): a server calls it on a timer, so that changes are reported without waiting for a lookup. */
  poll(): void {
    this.refresh(false);
  }

  private report(before: CredentialsDocument, after: CredentialsDocument): void {
    const was = new Map<string, StoredAccessKey | StoredApiToken>([...before.accessKeys, ...before.apiTokens].map((e) => [e.id, e]));
    const emit = (change: CredentialChange): void => {
      try {
        this.listener?.(change);
      } catch {
        // A listener's fault (the audit log's) must not stop keys from working.
      }
    };
    for (const k of after.accessKeys) {
      const old = was.get(k.id);
      const facts = { kind: 'access-key' as const, id: k.id, ...(k.profile ? { profile: k.profile } : { profile: 'custom' as const }), ...(k.logGroups ? { logGroups: k.logGroups } : {}) };
      if (!old) emit({ ...facts, change: 'created' });
      if (k.revoked && !old?.revoked) emit({ ...facts, change: 'revoked' });
    }
    for (const t of after.apiTokens) {
      const old = was.get(t.id);
      if (!old) emit({ kind: 'api-token', id: t.id, role: t.role, change: 'created' });
      if (t.revoked && !old?.revoked) emit({ kind: 'api-token', id: t.id, role: t.role, change: 'revoked' });
    }
  }

  /** True when the file exists (a server started here, or a key was made). */
  exists(): boolean {
    return stampOf(this.file) !== undefined;
  }

  /** The file's keys and tokens, revoked ones included (for `hidsmon keys list`). */
  entries(): CredentialsDocument {
    const read = this.readFile();
    if (read) this.load(read.document);
    return structuredClone(this.document);
  }

  /** The active file keys of a profile, unscoped first (the demo ships with one). */
  activeKeys(profile: AccessProfile): StoredAccessKey[] {
    return this.entries()
      .accessKeys.filter((k) => !k.revoked && k.profile === profile)
      .sort((a, b) => (a.logGroups?.length ?? 0) - (b.logGroups?.length ?? 0));
  }

  createAccessKey(options: { profile?: AccessProfile; statements?: PolicyStatement[]; logGroups?: string[]; description?: string }): StoredAccessKey {
    const key: StoredAccessKey = {
      id: newAccessKeyId(),
      secret: newSecret(),
      ...(options.statements ? { statements: options.statements } : { profile: options.profile ?? 'agent' }),
      ...(options.logGroups && options.logGroups.length > 0 ? { logGroups: options.logGroups } : {}),
      ...(options.description ? { description: options.description } : {}),
      created: new Date(this.now()).toISOString(),
    };
    this.update((document) => {
      document.accessKeys.push(key);
      return true;
    });
    return key;
  }

  createApiToken(options: { role: QueryRole; description?: string }): StoredApiToken {
    const token: StoredApiToken = { id: newTokenId(), secret: newSecret(24), role: options.role, ...(options.description ? { description: options.description } : {}), created: new Date(this.now()).toISOString() };
    this.update((document) => {
      document.apiTokens.push(token);
      return true;
    });
    return token;
  }

  /** Revokes a key or token by id: `revoked` (now), `already` (it was), `unknown` (no such id in the file), `configured` (in hidsmon.yaml: remove it there). */
  revoke(id: string): 'revoked' | 'already' | 'unknown' | 'configured' {
    if (this.configuredKeys.has(id) || this.configuredTokens.some((t) => t.principal.id === id)) return 'configured';
    let outcome: 'revoked' | 'already' | 'unknown' = 'unknown';
    this.update((document) => {
      const entry = document.accessKeys.find((k) => k.id === id) ?? document.apiTokens.find((t) => t.id === id);
      outcome = !entry ? 'unknown' : entry.revoked ? 'already' : 'revoked';
      if (entry && outcome === 'revoked') entry.revoked = new Date(this.now()).toISOString();
      return outcome === 'revoked';
    });
    return outcome;
  }

  /**
   * Read, change, write under a lock file, so that two `hidsmon keys` at once cannot lose each
   * other's change (each reads what the other wrote). The lock is waited for up to 2 s; one older
   * than 10 s was left by a process that died and is taken over.
   */
  private update(edit: (document: CredentialsDocument) => boolean): void {
    const lock = `${this.file}.lock`;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(lock, 'wx', 0o600));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 10_000) rmSync(lock, { force: true });
        else if (attempt >= 100) throw new Error(`${lock} is held by another process (a hidsmon keys still running?); try again, or remove the file if none runs.`);
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
    try {
      const document = this.readFile()?.document ?? emptyCredentials();
      if (edit(document)) this.write(document);
      this.load(document);
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private grantOf(key: { id: string; secret: string; profile?: AccessProfile; statements?: readonly PolicyStatement[]; logGroups?: readonly string[] }): AccessKeyGrant {
    return {
      secret: key.secret,
      principal: { kind: 'access-key', id: key.id, arn: keyPrincipalArn(this.account.owner, key.id) },
      policy: policyOf({ ...(key.profile ? { profile: key.profile } : {}), ...(key.statements ? { statements: key.statements } : {}), ...(key.logGroups ? { logGroups: key.logGroups } : {}) }, this.account),
    };
  }

  private matchToken(given: Buffer): (Principal & { kind: 'api-token'; role: QueryRole }) | undefined {
    let found: (Principal & { kind: 'api-token'; role: QueryRole }) | undefined;
    // Every token is compared, so the time taken does not say which one (or whether any) matched.
    for (const t of this.configuredTokens) if (timingSafeEqual(t.secret, given) && !found) found = t.principal;
    for (const t of this.tokens) if (timingSafeEqual(t.digest, given) && !found) found = t.principal;
    return found;
  }

  private load(document: CredentialsDocument): void {
    if (this.loaded && this.listener) this.report(this.document, document);
    this.loaded = true;
    this.document = document;
    this.keys = new Map(document.accessKeys.filter((k) => !k.revoked).map((k) => [k.id, this.grantOf(k)]));
    this.tokens = document.apiTokens.filter((t) => !t.revoked).map((t) => ({ digest: digest(t.secret), principal: { kind: 'api-token', id: t.id, role: t.role } }));
    this.stamp = stampOf(this.file);
    this.checkedAtMs = this.now();
  }

  /**
   * Reloads when the file changed since it was read: looked at at most once a second on hits (so a
   * revocation takes effect within a second), and on every miss (a key made a moment ago works at
   * once; an unknown key costs one stat, less than parsing its request did). The rename of each
   * write gives the file a new inode, so a change within the clock's resolution is seen too.
   * A file that became unreadable or invalid keeps what was loaded (the server goes on; the
   * `hidsmon keys` command that wrote it reports the problem).
   */
  private refresh(onMiss: boolean): boolean {
    const now = this.now();
    if (!onMiss && now - this.checkedAtMs < 1000 && now >= this.checkedAtMs) return false;
    this.checkedAtMs = now;
    const stamp = stampOf(this.file);
    if (sameStamp(stamp, this.stamp)) return false;
    try {
      const read = this.readFile();
      if (!read) return false;
      this.load(read.document);
      return true;
    } catch {
      return false;
    }
  }

  private readFile(): { document: CredentialsDocument; migrated: boolean } | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const parsed = parseCredentials(text, new Date(this.now()).toISOString());
    if (!parsed.ok) throw new CredentialsFileError(this.file, parsed.error);
    return parsed.value;
  }

  /** Temp file in the same directory, 0600, fsync, rename: a reader sees the old file or the new one, never half of one. */
  private write(document: CredentialsDocument): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, renderCredentials(document));
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(temp);
      throw e;
    }
    closeSync(fd);
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function stampOf(file: string): FileStamp | undefined {
  try {
    const s = statSync(file);
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
  } catch {
    return undefined;
  }
}

function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino);
}

/**
 * @module The data directory and its secrets are the owner's alone: made 0700 (files 0600), and an
 * existing directory or credentials file that group or others may read or write is refused with the
 * command that fixes it, as ssh refuses a private key others can read.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Any permission for group or others. */
const GROUP_OR_OTHERS = 0o077;
/** Windows has no POSIX modes to check (its ACLs are the operator's business). */
const HAS_POSIX_MODES = process.platform !== 'win32';

/** A private path that others could read or change; `fix` is the command to run. */
export class LoosePermissionsError extends Error {
  constructor(
    readonly path: string,
    readonly mode: number,
    readonly fix: string,
    message: string,
  ) {
    super(message);
    this.name = 'LoosePermissionsError';
  }
}

/**
 * Creates the data directory owner-only, or checks the existing one and its credentials file; call
 * before anything is written into it. Throws LoosePermissionsError when either is open to others.
 */
export function preparePrivateDataDir(dataDir: string, credentialsFile = join(dataDir, 'credentials.json')): void {
  if (!existsSync(dataDir)) {
    const created = mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // The mode given to mkdir is reduced by the umask; chmod states it whatever the umask.
    if (created !== undefined) chmodSync(dataDir, PRIVATE_DIR_MODE);
    return;
  }
  refuseLoose(dataDir, 'directory', 'the data directory holds the access keys, API tokens and every host\'s alerts');
  if (existsSync(credentialsFile)) refuseLoose(credentialsFile, 'file', 'it holds the access keys and API tokens');
}

/** Makes a file hidsmon wrote (a DuckDB file, a key) owner-only; a file that is not there is left alone. */
export function restrictToOwner(path: string): void {
  if (!HAS_POSIX_MODES || !existsSync(path)) return;
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Every regular file directly in the data directory made owner-only (the stores, their WALs, keys); links are left alone. */
export function restrictDataFilesToOwner(dataDir: string): void {
  if (!HAS_POSIX_MODES) return;
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    const stats = lstatSync(path, { throwIfNoEntry: false });
    // A WAL can go between readdir and here; a symlink's target may not be ours to change.
    if (!stats?.isFile() || (stats.mode & GROUP_OR_OTHERS) === 0) continue;
    try {
      chmodSync(path, PRIVATE_FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

function refuseLoose(path: string, kind: 'directory' | 'file', why: string): void {
  if (!HAS_POSIX_MODES) return;
  const stats = statSync(path);
  if (kind === 'directory' && !stats.isDirectory()) {
    throw new LoosePermissionsError(path, stats.mode, '', `${path} is not a directory; pass --data with a directory for hidsmon's data.`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stats.uid !== uid) {
    throw new LoosePermissionsError(path, stats.mode, `chown ${uid} ${shellQuote(path)}`, `${path} belongs to user id ${stats.uid}, not to the user running hidsmon (${uid}); ${why}. Run: chown ${uid} ${shellQuote(path)} (or run hidsmon as its owner).`);
  }
  const mode = stats.mode & 0o777;
  if ((mode & GROUP_OR_OTHERS) === 0) return;
  const wanted = kind === 'directory' ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  const fix = `chmod ${wanted.toString(8)} ${shellQuote(path)}`;
  throw new LoosePermissionsError(
    path,
    mode,
    fix,
    `Permissions ${mode.toString(8).padStart(4, '0')} for ${kind} ${path} are too open: ${why}, so group and others must have no access. Run: ${fix}`,
  );
}

/** Quoted for a POSIX shell when it holds anything but plain path characters. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

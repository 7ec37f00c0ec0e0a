/** @module Where a command finds the index: `--data DIR`, else $HIDSMON_DATA, else ./hidsmon-data. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { LoosePermissionsError, preparePrivateDataDir, restrictDataFilesToOwner } from '../server/private-files.js';
import { CliError } from './cli-error.js';

export const DATA_OPTION_HELP = '  --data DIR          the data directory (default: $HIDSMON_DATA, else ./hidsmon-data)';

export function dataDirectory(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env['HIDSMON_DATA'] ?? 'hidsmon-data');
}

export function indexPath(dataDir: string): string {
  return join(dataDir, 'index.duckdb');
}

/** Opens the embedded index, with an error that says what to do when another process holds it. */
export async function openStore(dataDir: string, options: { create: boolean }): Promise<DuckDbStore> {
  if (options.create) {
    try {
      preparePrivateDataDir(dataDir);
    } catch (e) {
      if (e instanceof LoosePermissionsError) throw new CliError(e.message, 2);
      throw e;
    }
  } else if (!existsSync(indexPath(dataDir))) {
    throw new CliError(`There is no index in ${dataDir}. Import alerts first (hidsmon import FILE --data ${dataDir}) or pass --data.`);
  }
  try {
    const store = await DuckDbStore.open({ path: indexPath(dataDir) });
    if (options.create) restrictDataFilesToOwner(dataDir);
    return store;
  } catch (e) {
    const message = (e as Error).message;
    if (/lock/i.test(message)) {
      throw new CliError(`The index in ${dataDir} is in use by another process (a running hidsmon server?). Stop it, or query it through its API.`);
    }
    throw new CliError(`Cannot open the index in ${dataDir}: ${message}`);
  }
}

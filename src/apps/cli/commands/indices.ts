/** @module `hidsmon indices`: the daily indices of the embedded index; delete one, or drop old days. */
import { parseCommandLine, stringOption, integerOption } from '../args.js';
import { recordCliChange } from '../cli-audit.js';
import { usageError } from '../cli-error.js';
import { DATA_OPTION_HELP, dataDirectory, openStore } from '../data-dir.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const indicesHelp = `Usage: hidsmon indices [options]

Lists the daily indices (cwl-YYYY.MM.DD, the UTC day of @timestamp) with their
alert counts and size on disk.

Options:
  --delete NAME          delete one daily index, e.g. cwl-2024.03.02
  --older-than DAYS      delete the indices of days more than DAYS days before today (retention)
  --json                 one JSON object per index
${DATA_OPTION_HELP}
  -h, --help             show this help
`;

export async function indicesCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandLine('indices', argv, { delete: { type: 'string' }, 'older-than': { type: 'string' }, json: { type: 'boolean' }, data: { type: 'string' } }, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, indicesHelp);
    return 0;
  }
  const toDelete = stringOption(values, 'delete');
  if (toDelete !== undefined && !/^cwl-\d{4}\.\d{2}\.\d{2}$/.test(toDelete)) throw usageError('indices', `--delete takes a daily index name such as cwl-2024.03.02, not "${toDelete}".`);
  const olderThan = integerOption('indices', values, 'older-than', 0);
  const dataDir = dataDirectory(stringOption(values, 'data'));
  const store = await openStore(dataDir, { create: false });
  try {
    if (toDelete !== undefined) {
      const deleted = await store.deleteIndex(toDelete);
      if (deleted) recordCliChange('indices', dataDir, ctx, { action: 'index:Delete', resource: toDelete, message: `Deleted index ${toDelete}.` });
      ctx.stderr.write(deleted ? `hidsmon indices: deleted ${toDelete}\n` : `hidsmon indices: there is no index ${toDelete}\n`);
      return deleted ? 0 : 1;
    }
    if (olderThan !== undefined) {
      const dropped = await store.deleteOlderThan(olderThan, ctx.now());
      for (const name of dropped) recordCliChange('indices', dataDir, ctx, { action: 'index:Delete', resource: name, message: `Deleted index ${name} (older than ${olderThan} days).`, detail: { olderThanDays: olderThan } });
      ctx.stderr.write(`hidsmon indices: deleted ${dropped.length} index(es)${dropped.length ? `: ${dropped.join(', ')}` : ''}\n`);
      return 0;
    }
    const indices = await store.indices();
    if (values['json']) {
      await writeOut(ctx.stdout, indices.map((i) => `${JSON.stringify(i)}\n`).join(''));
      return 0;
    }
    const lines = [`${'index'.padEnd(16)}  ${'alerts'.padStart(12)}  ${'size'.padStart(10)}`];
    for (const i of indices) lines.push(`${i.name.padEnd(16)}  ${i.documents.toLocaleString('en-US').padStart(12)}  ${formatBytes(i.bytes).padStart(10)}`);
    await writeOut(ctx.stdout, `${lines.join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** @module `hidsmon import FILE...`: an archive of alerts files into the embedded index, idempotently. */
import { createReadStream, statSync } from 'node:fs';
import { hash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { IndexedDocument } from '../../../core/document.js';
import { cloudWatchEventId } from '../../../core/ids.js';
import { retry, type RetryPolicy } from '../../../pipeline/retry.js';
import { AlertRecordSplitter, type AlertRecord } from '../../../transforms/split-alert-records.js';
import { documentFromReading, readMessage } from '../../../transforms/to-document.js';
import { parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { DATA_OPTION_HELP, dataDirectory, openStore } from '../data-dir.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

const IMPORT_RETRY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 5000, deadlineMs: 60_000 };

export const importHelp = `Usage: hidsmon import FILE... [options]

Loads alerts files (OSSEC or Wazuh alerts.json, classic alerts.log; the format is
detected per alert) into the embedded index. The alert's own time becomes
@timestamp. Importing the same file again adds nothing: an alert is known by its
log group, log stream and alert id.

Options:
${DATA_OPTION_HELP}
  --log-group NAME    @log_group (default: hids-alerts)
  --log-stream NAME   @log_stream (default: the instance id of an <instance-id>/alerts.json
                      path, as hidsmon simulate writes them; else the alert's host name,
                      else the file name)
  --owner ID          @owner (default: local)
  --quiet             no progress on stderr
  -h, --help          show this help

Example:
  hidsmon import /var/ossec/logs/alerts/2024/Mar/ossec-alerts-*.json --log-stream i-0e427a8594852eca2
`;

const BATCH = 5000;

export async function importCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('import', argv, {
    data: { type: 'string' },
    'log-group': { type: 'string' },
    'log-stream': { type: 'string' },
    owner: { type: 'string' },
    quiet: { type: 'boolean' },
  }, Number.POSITIVE_INFINITY);
  if (values['help']) {
    await writeOut(ctx.stdout, importHelp);
    return 0;
  }
  if (positionals.length === 0) throw usageError('import', 'Name at least one alerts file to import.');
  const files = positionals.map((path) => {
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new CliError(`${path} is not a file.`);
      return { path, bytes: stat.size, mtimeMs: stat.mtimeMs };
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
    }
  });
  const dataDir = dataDirectory(stringOption(values, 'data'));
  const quiet = values['quiet'] === true;
  const store = await openStore(dataDir, { create: true });
  const started = ctx.now();
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  let readBytes = 0;
  let lastProgress = started;
  let written = 0;
  let duplicates = 0;
  let flagged = 0;
  let rejected = 0;
  try {
    for (const file of files) {
      const options = {
        owner: stringOption(values, 'owner') ?? 'local',
        logGroup: stringOption(values, 'log-group') ?? 'hids-alerts',
        logStream: stringOption(values, 'log-stream') ?? instanceIdOfPath(file.path),
        fallbackStream: basename(file.path),
        fallbackTimeMs: file.mtimeMs,
      };
      let batch: IndexedDocument[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const pending = batch;
        // A busy or failing database is retried for a while; then the import stops, and running it
        // again later resumes where it stopped (ids are stable).
        const result = await retry(async () => {
          const r = await store.write(pending);
          return r.kind === 'ok' ? { kind: 'ok' as const, value: r } : r;
        }, IMPORT_RETRY, { signal: ctx.signal });
        if (result.kind !== 'ok') throw new CliError(`The index cannot take writes: ${result.error.message}. Run the import again later; it adds only what is missing.`);
        written += result.value.written;
        duplicates += result.value.duplicates;
        result.value.outcomes.forEach((o, i) => {
          if (o.kind !== 'rejected') return;
          rejected++;
          if (rejected <= 10) ctx.stderr.write(`hidsmon import: not indexed (${o.reason}): ${JSON.stringify(pending[i]?.document['@message'] ?? '').slice(0, 200)}\n`);
        });
        batch = [];
      };
      const take = async (records: AlertRecord[]): Promise<void> => {
        for (const record of records) {
          const doc = importedDocument(record, options);
          if (doc.document.hidsmon.flags?.includes('not_an_alert')) flagged++;
          batch.push(doc);
          if (batch.length >= BATCH) await flush();
        }
      };
      const splitter = new AlertRecordSplitter();
      const stream = createReadStream(file.path, { encoding: 'utf8', highWaterMark: 1 << 20 });
      for await (const chunk of stream) {
        readBytes += Buffer.byteLength(chunk as string);
        await take(splitter.push(chunk as string));
        const now = ctx.now();
        if (!quiet && now - lastProgress >= 1000) {
          lastProgress = now;
          const rate = Math.round(((written + duplicates) / Math.max(1, now - started)) * 1000);
          ctx.stderr.write(`${ctx.stderrIsTTY ? '\r' : ''}hidsmon import: ${Math.floor((readBytes / Math.max(1, totalBytes)) * 100)}% of ${files.length} file(s), ${(written + duplicates).toLocaleString('en-US')} alerts, ${rate.toLocaleString('en-US')}/s${ctx.stderrIsTTY ? '' : '\n'}`);
        }
      }
      await take(splitter.end());
      await flush();
    }
  } finally {
    await store.close();
  }
  const seconds = (ctx.now() - started) / 1000;
  if (!quiet && ctx.stderrIsTTY && lastProgress !== started) ctx.stderr.write('\n');
  ctx.stderr.write(
    `hidsmon import: ${written.toLocaleString('en-US')} new, ${duplicates.toLocaleString('en-US')} already indexed` +
      `${flagged ? `, ${flagged.toLocaleString('en-US')} not alerts (indexed, flagged not_an_alert)` : ''}${rejected ? `, ${rejected.toLocaleString('en-US')} refused by the index` : ''} from ${files.length} file(s) in ${seconds.toFixed(1)}s into ${dataDir}\n`,
  );
  // What the index refused is not in it: say so in the exit status too.
  return rejected > 0 ? 1 : 0;
}

/** An EC2 instance id: `i-` and 8 (older) or 17 hex digits; the simulator's host directories have this shape too. */
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The stream a file's own directory names, when it is `<instance-id>/FILE`: that is how a fleet's
 * alerts files are archived (and how `hidsmon simulate` writes them), and the stream the
 * CloudWatch agent's `{instance_id}` would have shipped them to — while the alert's host name
 * is not.
 */
export function instanceIdOfPath(path: string): string | undefined {
  const directory = basename(dirname(path));
  return INSTANCE_ID.test(directory) ? directory : undefined;
}

interface ImportOptions {
  owner: string;
  logGroup: string;
  logStream: string | undefined;
  fallbackStream: string;
  fallbackTimeMs: number;
}

/**
 * A record as a document. Its event id is derived from its line and text, so that importing the
 * file again gives the same ids even for lines that are not alerts.
 */
export function importedDocument(record: AlertRecord, options: ImportOptions): IndexedDocument {
  const reading = readMessage(record.text);
  const timestampMs = (reading.ok ? reading.alert.timeMs : undefined) ?? Math.floor(options.fallbackTimeMs);
  const host = reading.ok ? (reading.alert.fields['agent_name'] ?? reading.alert.fields['hostname']) : undefined;
  const logStream = options.logStream ?? (typeof host === 'string' && host !== '' ? host : options.fallbackStream);
  const sequence = BigInt(`0x${hash('sha256', `${record.line}\u0000${record.text}`, 'hex').slice(0, 32)}`);
  return documentFromReading(
    { eventId: cloudWatchEventId(timestampMs, sequence), timestampMs, message: record.text, owner: options.owner, logGroup: options.logGroup, logStream },
    reading,
  );
}

/** @module `hidsmon normalize [FILE]`: alert lines or records → NDJSON documents. */
import { basename } from 'node:path';
import { cloudWatchEventId } from '../../../core/ids.js';
import { AlertRecordSplitter, type AlertRecord } from '../../../transforms/split-alert-records.js';
import { documentFromReading, readMessage } from '../../../transforms/to-document.js';
import { parseCommandLine, stringOption } from '../args.js';
import { readTextChunks, writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const normalizeHelp = `Usage: hidsmon normalize [FILE] [options]

Reads OSSEC/Wazuh alerts (alerts.json lines or alerts.log records, detected per
message) from FILE or stdin and writes one JSON document per line, as the index
stores it. A message that is not an alert is written too, flagged not_an_alert.

Options:
  --log-group NAME    @log_group of the documents (default: hids-alerts)
  --log-stream NAME   @log_stream (default: the file name, or "stdin")
  --owner ID          @owner (default: local)
  -h, --help          show this help

@timestamp is the alert's own time where it has one, else the time of reading.

Example:
  hidsmon normalize /var/ossec/logs/alerts/alerts.json | head -1 | jq .rule
`;

export async function normalizeCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('normalize', argv, {
    'log-group': { type: 'string' },
    'log-stream': { type: 'string' },
    owner: { type: 'string' },
  }, 1);
  if (values['help']) {
    await writeOut(ctx.stdout, normalizeHelp);
    return 0;
  }
  const file = positionals[0];
  const source = {
    owner: stringOption(values, 'owner') ?? 'local',
    logGroup: stringOption(values, 'log-group') ?? 'hids-alerts',
    logStream: stringOption(values, 'log-stream') ?? (file === undefined || file === '-' ? 'stdin' : basename(file)),
  };
  const emit = async (records: AlertRecord[]): Promise<void> => {
    let out = '';
    for (const record of records) {
      const reading = readMessage(record.text);
      const timestampMs = (reading.ok ? reading.alert.timeMs : undefined) ?? ctx.now();
      const { document } = documentFromReading({ ...source, eventId: cloudWatchEventId(timestampMs, record.line), timestampMs, message: record.text }, reading);
      out += `${JSON.stringify(document)}\n`;
    }
    if (out !== '') await writeOut(ctx.stdout, out);
  };
  const splitter = new AlertRecordSplitter();
  for await (const chunk of readTextChunks(file, ctx.stdin)) await emit(splitter.push(chunk));
  await emit(splitter.end());
  return 0;
}

/** @module `hidsmon search QUERY`: the query bar on the command line, over the embedded index. */
import { parseDateMath } from '../../../core/date-math.js';
import { getPath } from '../../../core/paths.js';
import { parseQueryInput } from '../../../query/parse-query.js';
import { MAX_HITS, type Hit, type QueryError, type SearchBackend, type SearchRequest } from '../../../query/search-api.js';
import { integerOption, parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { DATA_OPTION_HELP, dataDirectory, openStore } from '../data-dir.js';
import { OutputClosed, writeOut } from '../io.js';
import { DEFAULT_EXPORT_COLUMNS, EXPORT_FORMATS, type ExportFormat } from '../../../query/export-format.js';
import { ExportError, startExport, type ExportOptions } from '../../../query/export.js';
import { parseSort } from '../../../query/sort.js';
import type { CommandContext } from '../main.js';

export const searchHelp = `Usage: hidsmon search QUERY [options]

Searches the embedded index with Lucene query syntax, as Kibana's query bar does:
  rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10
  srcip:"10.0.0.0/8" AND NOT rule.group:sudo
  "did not receive identification"          (free text searches full_log and @message)
An empty query ("") matches everything. Newest alerts first.

Options:
  --from TIME         start of the time range (default: now-24h); ISO 8601 or date math
  --to TIME           end of the time range (default: now)
  --size N            alerts to show, up to ${MAX_HITS.toLocaleString('en-US')} (default: 20)
  --json              one {index, id, document} JSON object per line
  --count             print only the number of matching alerts
  --format F          csv or ndjson: the alerts as a file's rows on stdout (CSV cells that
                      could start a spreadsheet formula are prefixed with ')
  --all               with --format: every matching alert, past ${MAX_HITS.toLocaleString('en-US')} (progress on stderr)
  --columns A,B       with --format: the fields written (default for CSV: ${DEFAULT_EXPORT_COLUMNS.join(',')};
                      for NDJSON: whole documents)
  --sort F[:asc|desc] order by a field (numbers, keywords, ips, dates; missing last), then newest first
${DATA_OPTION_HELP}
  -h, --help          show this help

Date math: now, now-15m, now-24h, now/d (start of today), now-7d/d; units y M w d h m s.
Exit status: 0 with results or none, 1 on failure, 2 on a bad query or option.
`;

export async function searchCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('search', argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    size: { type: 'string' },
    json: { type: 'boolean' },
    count: { type: 'boolean' },
    format: { type: 'string' },
    all: { type: 'boolean' },
    columns: { type: 'string' },
    sort: { type: 'string' },
    data: { type: 'string' },
  }, 1);
  if (values['help']) {
    await writeOut(ctx.stdout, searchHelp);
    return 0;
  }
  const text = positionals[0];
  if (text === undefined) throw usageError('search', 'Give a query, e.g. hidsmon search \'rule.level:>=7\', or "" for everything.');
  const now = ctx.now();
  const from = parseDateMath(stringOption(values, 'from') ?? 'now-24h', now);
  if (!from.ok) throw usageError('search', `--from: ${from.error}`);
  const to = parseDateMath(stringOption(values, 'to') ?? 'now', now, { roundUp: true });
  if (!to.ok) throw usageError('search', `--to: ${to.error}`);
  if (to.value < from.value) throw usageError('search', '--to is before --from.');
  const size = integerOption('search', values, 'size', 0) ?? 20;
  if (size > MAX_HITS) throw usageError('search', `--size is at most ${MAX_HITS}.`);
  const query = parseQueryInput(text);
  if (!query.ok) throw new CliError(describeQueryError(text, query.error), 2);
  const format = stringOption(values, 'format');
  if (format !== undefined && !EXPORT_FORMATS.includes(format as ExportFormat)) throw usageError('search', `--format is one of ${EXPORT_FORMATS.join(', ')}.`);
  if (format === undefined && (values['all'] || values['columns'] !== undefined)) throw usageError('search', '--all and --columns go with --format csv or --format ndjson.');
  const sortText = stringOption(values, 'sort');
  const sort = sortText === undefined ? undefined : parseSort(sortText);
  if (typeof sort === 'string') throw usageError('search', `--sort: ${sort}`);
  const columns = (stringOption(values, 'columns') ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '');

  const store = await openStore(dataDirectory(stringOption(values, 'data')), { create: false });
  try {
    const timeRange = { fromMs: from.value, toMs: to.value };
    if (format !== undefined) {
      return await exportTo(ctx, store, { query: query.value, timeRange, ...(sort ? { sort } : {}) }, text, {
        format: format as ExportFormat,
        columns: columns.length > 0 || format === 'ndjson' ? columns : [...DEFAULT_EXPORT_COLUMNS],
        ...(values['all'] ? {} : { maxRows: size }),
      });
    }
    const count = values['count'] === true;
    const result = await store.search({ query: query.value, timeRange, size: count ? 0 : size, ...(sort ? { sort } : {}) });
    if (!result.ok) throw new CliError(describeQueryError(text, result.error), 2);
    const { total, hits } = result.value;
    if (count) {
      await writeOut(ctx.stdout, `${total}\n`);
    } else if (values['json']) {
      let out = '';
      for (const hit of hits) out += `${JSON.stringify({ index: hit.index, id: hit.id, document: hit.document })}\n`;
      if (out) await writeOut(ctx.stdout, out);
    } else {
      await writeOut(ctx.stdout, table(hits, ctx.stdoutColumns ?? 120));
      ctx.stderr.write(`${hits.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} alerts from ${new Date(from.value).toISOString()} to ${new Date(to.value).toISOString()}, newest first.\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * `--format`: the rows on stdout as they come, page by page (the pipe's backpressure holds the next
 * page), progress on stderr with --all; a reader that goes away (`| head`) ends it quietly.
 */
async function exportTo(ctx: CommandContext, store: SearchBackend, request: SearchRequest, text: string, options: Pick<ExportOptions, 'format' | 'columns' | 'maxRows'>): Promise<number> {
  // Progress on a terminal as one line redrawn; the count once at the end in any case.
  const progress = options.maxRows === undefined && ctx.stderrIsTTY;
  let run;
  try {
    run = await startExport(store, request, {
      ...options,
      ...(progress ? { onProgress: (rows: number, total: number) => void ctx.stderr.write(`\r${rows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} alerts`) } : {}),
    });
  } catch (e) {
    if (e instanceof ExportError) throw new CliError(describeQueryError(text, e.queryError), 2);
    throw e;
  }
  try {
    for await (const chunk of run.chunks) await writeOut(ctx.stdout, chunk);
  } catch (e) {
    await run.cancel();
    if (e instanceof OutputClosed) return 0;
    if (e instanceof ExportError) throw new CliError(describeQueryError(text, e.queryError), 2);
    throw e;
  }
  if (options.maxRows === undefined) ctx.stderr.write(`${progress ? '\r' : ''}${run.total.toLocaleString('en-US')} alerts exported as ${options.format.toUpperCase()}.\n`);
  return 0;
}

/** The query, a caret under the problem, the message and the hint. */
export function describeQueryError(text: string, error: QueryError): string {
  const lines = [`${error.kind === 'syntax' ? 'Syntax error' : 'Query error'}: ${error.message}`];
  if (error.position !== undefined) lines.push(`  ${text}`, `  ${' '.repeat(Math.min(error.position, text.length))}^`);
  if (error.hint) lines.push(`Hint: ${error.hint}`);
  return lines.join('\n');
}

const COLUMNS: Array<[string, string, number]> = [
  ['time', '@timestamp', 24],
  ['level', 'rule.level', 5],
  ['rule', 'rule.sidid', 6],
  ['srcip', 'srcip', 15],
  ['stream', '@log_stream', 19],
  ['description', 'rule.comment', 0],
];

/** Alert text is attacker-controlled: control characters are shown escaped, never sent to the terminal. */
function cell(value: unknown): string {
  const text = value === undefined || value === null ? '-' : Array.isArray(value) ? value.join(',') : String(value);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function table(hits: Hit[], width: number): string {
  if (hits.length === 0) return '';
  const fixed = COLUMNS.slice(0, -1).reduce((n, [, , w]) => n + w + 2, 0);
  const last = Math.max(20, width - fixed);
  const row = (values: string[]): string =>
    values.map((v, i) => {
      const w = i === COLUMNS.length - 1 ? last : (COLUMNS[i] as [string, string, number])[2];
      const clipped = v.length > w ? `${v.slice(0, w - 1)}…` : v;
      return i === COLUMNS.length - 1 ? clipped : clipped.padEnd(w);
    }).join('  ');
  const lines = [row(COLUMNS.map(([title]) => title))];
  for (const hit of hits) {
    const doc = hit.document;
    const comment = getPath(doc, 'rule.comment') ?? (doc.hidsmon.flags?.includes('not_an_alert') ? doc['@message'] : undefined);
    lines.push(row(COLUMNS.map(([, path]) => cell(path === 'rule.comment' ? comment : getPath(doc, path)))));
  }
  return `${lines.join('\n')}\n`;
}

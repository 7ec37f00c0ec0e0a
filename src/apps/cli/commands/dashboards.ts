/** @module `hidsmon dashboards export|import`: the HIDS Alerts dashboard as OpenSearch Dashboards saved objects, printed as NDJSON or posted to Dashboards' import API. */
import { readFile } from 'node:fs/promises';
import { describeImportError, readImportResponse } from '../../../dashboards/import-result.js';
import { DEFAULT_DASHBOARD_TITLE, DEFAULT_INDEX_PATTERN, dashboardSavedObjects, indexPatternProblem, savedObjectsNdjson } from '../../../dashboards/saved-objects.js';
import { parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const dashboardsHelp = `Usage: hidsmon dashboards export [--index-pattern PATTERN] [--title TEXT] > hids.ndjson
       hidsmon dashboards import --url URL [--index-pattern PATTERN] [--title TEXT] [--overwrite] [--file FILE]

OpenSearch Dashboards saved objects for the alerts that hidsmon indexes into OpenSearch:
the index pattern (${DEFAULT_INDEX_PATTERN}, time field @timestamp: every daily index of every year),
the HIDS visualizations (alerts over time, top 20 alert types, rule level breakdown,
top 10 rule ids, top 10 source IPs, alerts by host), a saved search for Discover
(rule.level, rule.comment, srcip, @log_stream, full_log) and the "${DEFAULT_DASHBOARD_TITLE}" dashboard
(last 15 minutes, refreshed every 5 seconds).

Commands:
  export               print the saved objects as NDJSON (Dashboards' export format);
                       import the file in Dashboards Management > Saved objects > Import
  import               post them to Dashboards' import API (POST URL/api/saved_objects/_import)

Options:
  --index-pattern P    the indices to chart (default: ${DEFAULT_INDEX_PATTERN}): the daily indices' prefix and *
  --title TEXT         the dashboard's title (default: ${DEFAULT_DASHBOARD_TITLE})
  --url URL            import: Dashboards' address, e.g. http://127.0.0.1:5601, or
                       https://<domain-endpoint>/_dashboards on Amazon OpenSearch Service;
                       credentials, if Dashboards asks for them, in the URL (https://user:password@host)
  --overwrite          import: replace objects of the same ids (a previous import); without it
                       existing objects are reported as conflicts and left alone
  --file FILE          import: post this NDJSON file (e.g. an edited export) instead
  -h, --help           show this help

Exit status: 0 when every object was imported, 1 when Dashboards refused any or could not be
reached (each reason is printed), 2 on a bad command line.
`;

const OPTIONS = {
  'index-pattern': { type: 'string' },
  title: { type: 'string' },
  url: { type: 'string' },
  overwrite: { type: 'boolean' },
  file: { type: 'string' },
} as const;

/** Generous for a file of a few kilobytes: Dashboards runs every migration on import. */
const IMPORT_TIMEOUT_MS = 60_000;

export async function dashboardsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('dashboards', argv, OPTIONS, 1);
  if (values['help']) {
    await writeOut(ctx.stdout, dashboardsHelp);
    return 0;
  }
  const sub = positionals[0];
  if (sub !== 'export' && sub !== 'import') throw usageError('dashboards', sub === undefined ? 'Say what to do: export or import.' : `Unknown command "${sub}": export or import.`);
  const indexPattern = stringOption(values, 'index-pattern') ?? DEFAULT_INDEX_PATTERN;
  const problem = indexPatternProblem(indexPattern);
  if (problem !== undefined) throw usageError('dashboards', `--index-pattern: ${problem}`);
  const title = stringOption(values, 'title');
  if (title !== undefined && title.trim() === '') throw usageError('dashboards', '--title is empty.');
  const file = stringOption(values, 'file');
  if (sub === 'export') {
    for (const name of ['url', 'overwrite', 'file']) if (values[name] !== undefined) throw usageError('dashboards', `--${name} is for import.`);
    await writeOut(ctx.stdout, savedObjectsNdjson(dashboardSavedObjects({ indexPattern, ...(title !== undefined ? { title } : {}) })));
    return 0;
  }
  if (file !== undefined && (values['index-pattern'] !== undefined || title !== undefined)) throw usageError('dashboards', '--file imports the file as it is; --index-pattern and --title only shape generated objects.');
  const target = importUrl(stringOption(values, 'url'), values['overwrite'] === true);
  const ndjson = file !== undefined ? await readNdjson(file) : savedObjectsNdjson(dashboardSavedObjects({ indexPattern, ...(title !== undefined ? { title } : {}) }));
  return postImport(target, ndjson, ctx);
}

interface ImportTarget {
  url: URL;
  /** The address as shown to the user: without credentials. */
  shown: string;
  authorization?: string;
}

function importUrl(text: string | undefined, overwrite: boolean): ImportTarget {
  if (text === undefined) throw usageError('dashboards', 'import needs --url, the Dashboards address, e.g. --url http://127.0.0.1:5601.');
  let base: URL;
  try {
    base = new URL(text);
  } catch {
    throw usageError('dashboards', `--url "${text}" is not a URL such as http://127.0.0.1:5601.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw usageError('dashboards', `--url must be http:// or https://, not ${base.protocol}`);
  if (base.search !== '' || base.hash !== '') throw usageError('dashboards', '--url is the Dashboards address without a query or fragment.');
  // fetch refuses URLs with credentials: they travel as a Basic Authorization header instead.
  const authorization = base.username !== '' || base.password !== '' ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}` : undefined;
  base.username = '';
  base.password = '';
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/api/saved_objects/_import`, base);
  if (overwrite) url.searchParams.set('overwrite', 'true');
  return { url, shown: base.origin + base.pathname.replace(/\/+$/, ''), ...(authorization ? { authorization } : {}) };
}

async function readNdjson(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    throw new CliError(error.code === 'ENOENT' ? `${path}: no such file.` : `${path}: ${error.message}`);
  }
}

async function postImport(target: ImportTarget, ndjson: string, ctx: CommandContext): Promise<number> {
  const form = new FormData();
  // The route takes the multipart field `file` and refuses a file name that does not end in .ndjson.
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'hidsmon-dashboards.ndjson');
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      // Dashboards refuses a state-changing request without osd-xsrf (kbn-xsrf is Kibana's and is refused).
      headers: { 'osd-xsrf': 'true', ...(target.authorization ? { authorization: target.authorization } : {}) },
      body: form,
      // A redirect is reported, not followed: the form would not be posted again to a sign-in page.
      redirect: 'manual',
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(IMPORT_TIMEOUT_MS)]),
    });
  } catch (e) {
    const error = e as Error & { cause?: { code?: string; message?: string } };
    if (error.name === 'TimeoutError') throw new CliError(`${target.shown} did not answer within ${IMPORT_TIMEOUT_MS / 1000} s.`);
    if (ctx.signal.aborted) throw new CliError('Interrupted; Dashboards may have imported the objects anyway (run again with --overwrite).');
    throw new CliError(`Cannot reach Dashboards at ${target.shown}: ${error.cause?.code ?? error.cause?.message ?? error.message}.`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const outcome = readImportResponse(response.status, body, text, response.headers.get('location') ?? undefined);
  if (outcome.kind === 'failed') throw new CliError(outcome.message);
  await writeOut(ctx.stdout, `successCount: ${outcome.successCount}\n`);
  if (outcome.kind === 'imported') {
    ctx.stderr.write(`hidsmon dashboards: imported ${outcome.successCount} saved objects into ${target.shown}\n`);
    return 0;
  }
  await writeOut(ctx.stdout, `errors: ${outcome.errors.length}\n${outcome.errors.map((e) => `  ${e.type} ${e.id}: ${e.error.type}\n`).join('')}`);
  for (const e of outcome.errors) ctx.stderr.write(`hidsmon dashboards: ${describeImportError(e)}\n`);
  ctx.stderr.write(`hidsmon dashboards: ${outcome.errors.length} object(s) not imported into ${target.shown} (${outcome.successCount} imported).\n`);
  return 1;
}

/** @module `hidsmon keys`: list, create and revoke the access keys and API tokens in `<data>/credentials.json`; a running server sees the change within a second. */
import { existsSync, readFileSync } from 'node:fs';
import { parsePolicyDocument } from '../../../core/iam-policy.js';
import { ACCESS_PROFILES, LOG_GROUP_GLOB, type AccessProfile } from '../../../api/cloudwatch-logs/permissions.js';
import type { QueryRole } from '../../../core/principal.js';
import { QUERY_ROLES, type StoredAccessKey, type StoredApiToken } from '../../../config/credentials-file.js';
import { DEFAULTS } from '../../../config/server-config.js';
import { CredentialStore, CredentialsFileError } from '../../server/credential-store.js';
import { LoosePermissionsError, preparePrivateDataDir } from '../../server/private-files.js';
import { parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { DATA_OPTION_HELP, dataDirectory } from '../data-dir.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const keysHelp = `Usage: hidsmon keys list [--json]
       hidsmon keys create --profile agent|admin [--log-group NAME]... [--description TEXT]
       hidsmon keys create --policy FILE [--description TEXT]
       hidsmon keys create --token --role viewer|admin [--description TEXT]
       hidsmon keys revoke ID

Manages who may talk to hidsmon, in <data>/credentials.json (readable by its owner
only). A running server picks up every change within a second, without a restart.

Which goes where:
  agent key    on each monitored host (the agent, Fluent Bit, Vector, the CloudWatch
               agent): may create its log group and stream, ship events and describe;
               nothing that could hide alerts (subscription filters, retention,
               deletions) or read other hosts' events.
  admin key    in operators' aws CLI or SDK (aws logs ... --endpoint-url): every action.
  viewer token for people who search and watch alerts (UI sign-in, API Bearer token).
  admin token  for operators: also deletes indices and dead letters, reads keys and the audit log.

Commands:
  list                 keys and tokens, without their secrets
  create               a new key (or, with --token, an API token); its secret is printed once
  revoke ID            refuse a key or token from now on (it stays listed, as revoked)

Options:
  --profile P          agent or admin (keys)
  --log-group NAME     limit the key to this log group; a glob (hids-*) names several;
                       repeat for more (default: every group)
  --policy FILE        the key's own permissions, an IAM policy document of Allow
                       statements (Action logs:..., Resource arn:aws:logs:...), instead of a profile
  --token              make an API token for the query API and UI instead of a key
  --role R             viewer or admin (tokens)
  --description TEXT   what it is for (shown by list)
  --json               list as one JSON object a line
${DATA_OPTION_HELP}
  -h, --help           show this help
`;

const OPTIONS = {
  profile: { type: 'string' },
  policy: { type: 'string' },
  'log-group': { type: 'string', multiple: true },
  token: { type: 'boolean' },
  role: { type: 'string' },
  description: { type: 'string' },
  json: { type: 'boolean' },
  data: { type: 'string' },
} as const;

export async function keysCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('keys', argv, OPTIONS, 2);
  if (values['help']) {
    await writeOut(ctx.stdout, keysHelp);
    return 0;
  }
  const [sub, id] = positionals;
  if (sub === undefined) throw usageError('keys', 'Say what to do: list, create or revoke.');
  if (sub !== 'revoke' && id !== undefined) throw usageError('keys', `Unexpected argument: ${id}`);
  const dataDir = dataDirectory(stringOption(values, 'data'));
  let store: CredentialStore;
  try {
    // As the server does: secrets in a directory or file others can read are refused, with the chmod that fixes it.
    if (sub !== 'list' || existsSync(dataDir)) preparePrivateDataDir(dataDir);
    // The account only names keys in refusals, which this command never makes.
    store = CredentialStore.open({ dataDir, account: { owner: DEFAULTS.owner, region: DEFAULTS.region }, generate: false, now: ctx.now }).store;
  } catch (e) {
    throw explain(e);
  }
  try {
    switch (sub) {
      case 'list':
        return await list(store, values['json'] === true, ctx);
      case 'create':
        return await create(store, values, ctx);
      case 'revoke':
        return await revoke(store, id, ctx);
      default:
        throw usageError('keys', `Unknown keys command "${sub}"; use list, create or revoke.`);
    }
  } catch (e) {
    throw explain(e);
  }
}

function explain(e: unknown): unknown {
  if (e instanceof LoosePermissionsError) return new CliError(e.message, 2);
  if (e instanceof CredentialsFileError) return new CliError(`${e.file} cannot be read:\n  - ${e.problems.join('\n  - ')}\nFix or move the file (a server started on this data directory made it).`);
  const error = e as NodeJS.ErrnoException;
  if (error.code === 'EACCES' || error.code === 'EPERM') return new CliError(`Not allowed to read or write the credentials in ${error.path ?? 'the data directory'}: run as the user that runs the server.`);
  return e;
}

async function list(store: CredentialStore, json: boolean, ctx: CommandContext): Promise<number> {
  if (!store.exists()) {
    ctx.stderr.write(`hidsmon keys: there is no ${store.file} yet: a server makes one on its first start, or \`hidsmon keys create\` does.\n`);
    if (json) return 0;
  }
  const { accessKeys, apiTokens } = store.entries();
  const rows = [...accessKeys.map(keyRow), ...apiTokens.map(tokenRow)];
  if (json) {
    await writeOut(ctx.stdout, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return 0;
  }
  const table: string[][] = [['ID', 'KIND', 'PROFILE/ROLE', 'LOG GROUPS', 'CREATED', 'STATUS', 'DESCRIPTION']];
  for (const r of rows) table.push([r.id, r.kind, r.kind === 'access-key' ? (r.profile ?? 'custom') : (r.role ?? ''), r.log_groups?.join(',') ?? (r.kind === 'access-key' ? '*' : '-'), r.created, r.revoked ? `revoked ${r.revoked}` : 'active', r.description ?? '']);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  await writeOut(ctx.stdout, table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n');
  return 0;
}

interface Row {
  id: string;
  kind: 'access-key' | 'api-token';
  profile?: AccessProfile;
  statements?: StoredAccessKey['statements'];
  log_groups?: string[];
  role?: QueryRole;
  description?: string;
  created: string;
  revoked?: string;
}

/** What list shows of a key: everything but its secret. */
function keyRow(k: StoredAccessKey): Row {
  return {
    id: k.id,
    kind: 'access-key',
    ...(k.profile ? { profile: k.profile } : {}),
    ...(k.statements ? { statements: k.statements } : {}),
    ...(k.logGroups ? { log_groups: k.logGroups } : {}),
    ...(k.description ? { description: k.description } : {}),
    created: k.created,
    ...(k.revoked ? { revoked: k.revoked } : {}),
  };
}

function tokenRow(t: StoredApiToken): Row {
  return { id: t.id, kind: 'api-token', role: t.role, ...(t.description ? { description: t.description } : {}), created: t.created, ...(t.revoked ? { revoked: t.revoked } : {}) };
}

async function create(store: CredentialStore, values: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const description = stringOption(values as never, 'description');
  if (description !== undefined && (description.length > 256 || /[\u0000-\u001f]/.test(description))) throw usageError('keys', '--description is at most 256 characters, on one line.');
  const profile = stringOption(values as never, 'profile');
  const role = stringOption(values as never, 'role');
  const groups = (values['log-group'] as string[] | undefined) ?? [];
  if (values['token']) {
    if (profile !== undefined || groups.length > 0 || values['policy'] !== undefined) throw usageError('keys', '--profile, --policy and --log-group are for access keys; a token has a --role.');
    if (role === undefined) throw usageError('keys', 'Say the token\'s role: --role viewer (search and watch) or --role admin (also delete and manage).');
    if (!QUERY_ROLES.includes(role as QueryRole)) throw usageError('keys', `--role is viewer or admin, not "${role}".`);
    const token = store.createApiToken({ role: role as QueryRole, ...(description ? { description } : {}) });
    await writeOut(
      ctx.stdout,
      [
        `API token ${token.id} created (role ${token.role}).`,
        `  token: ${token.secret}`,
        `Sign in to the UI with it, or send it as "Authorization: Bearer <token>" to the query API.`,
        `It is shown only now; it is stored in ${store.file} (readable by you only). Revoke it with: hidsmon keys revoke ${token.id}`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  if (role !== undefined) throw usageError('keys', '--role is for API tokens (with --token); a key has a --profile.');
  const policyFile = stringOption(values as never, 'policy');
  if (policyFile !== undefined) {
    if (profile !== undefined || groups.length > 0) throw usageError('keys', '--policy replaces --profile and --log-group: name the log groups in its Resource ARNs.');
    let text: string;
    try {
      text = readFileSync(policyFile, 'utf8');
    } catch (e) {
      throw new CliError(`${policyFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`, 2);
    }
    const parsed = parsePolicyDocument(text);
    if (!parsed.ok) throw new CliError(`${policyFile} is not a policy hidsmon can enforce:\n  - ${parsed.problems.join('\n  - ')}`, 2);
    const key = store.createAccessKey({ statements: parsed.statements, ...(description ? { description } : {}) });
    await writeOut(ctx.stdout, [`Access key ${key.id} created (its own policy: ${parsed.statements.length} statement(s) from ${policyFile}).`, `  AWS_ACCESS_KEY_ID=${key.id}`, `  AWS_SECRET_ACCESS_KEY=${key.secret}`, `The secret is shown only now; it is stored in ${store.file} (readable by you only). Revoke it with: hidsmon keys revoke ${key.id}`, ''].join('\n'));
    return 0;
  }
  if (profile === undefined) throw usageError('keys', 'Say the key\'s profile: --profile agent (for a host: ship and describe) or --profile admin (for operators: everything).');
  if (!ACCESS_PROFILES.includes(profile as AccessProfile)) throw usageError('keys', `--profile is agent or admin, not "${profile}".`);
  for (const g of groups) if (!LOG_GROUP_GLOB.test(g)) throw usageError('keys', `--log-group "${g}" is not a log group name or glob (letters, digits, . - _ / #, and * or ?).`);
  const key = store.createAccessKey({ profile: profile as AccessProfile, ...(groups.length > 0 ? { logGroups: groups } : {}), ...(description ? { description } : {}) });
  await writeOut(
    ctx.stdout,
    [
      `Access key ${key.id} created (profile ${profile}; log groups: ${groups.length > 0 ? groups.join(', ') : 'all'}).`,
      `  AWS_ACCESS_KEY_ID=${key.id}`,
      `  AWS_SECRET_ACCESS_KEY=${key.secret}`,
      profile === 'agent' ? 'Give it to a host\'s shipper (agent, Fluent Bit, Vector, CloudWatch agent).' : 'Keep it with operators (aws logs ... --endpoint-url); never put it on a monitored host.',
      `The secret is shown only now; it is stored in ${store.file} (readable by you only). Revoke it with: hidsmon keys revoke ${key.id}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function revoke(store: CredentialStore, id: string | undefined, ctx: CommandContext): Promise<number> {
  if (id === undefined) throw usageError('keys', 'Say which key or token to revoke: hidsmon keys revoke ID (hidsmon keys list shows the ids).');
  const outcome = store.revoke(id);
  switch (outcome) {
    case 'revoked':
      ctx.stderr.write(`hidsmon keys: revoked ${id}; a running server refuses it within a second.\n`);
      return 0;
    case 'already':
      ctx.stderr.write(`hidsmon keys: ${id} was already revoked.\n`);
      return 0;
    case 'configured':
    case 'unknown':
      throw new CliError(`There is no key or token ${id} in ${store.file}. \`hidsmon keys list\` shows the ids; keys set in hidsmon.yaml or the environment are removed there.`);
  }
}

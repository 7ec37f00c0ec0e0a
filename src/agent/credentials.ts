/**
 * @module The AWS default credential chain, as far as a host running the agent needs it, in the
 * SDK's order: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the
 * shared files' static keys (~/.aws/credentials and ~/.aws/config, AWS_PROFILE), an ECS container's
 * credentials endpoint, and the EC2 instance role through IMDSv2, refreshed before it expires. The
 * SDK's own chain (SSO, assume-role profiles, web identity, credential_process) weighed ~7 MB of
 * the agent's memory and 0.35 MB of its bundle; a profile that needs one of those is refused with
 * a message that says what to do instead.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentials, CredentialProvider } from './logs-client.js';
import { httpText } from './http-text.js';
import { IMDS_DEFAULT_ENDPOINT } from './instance-identity.js';

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsProviderError';
  }
}

export interface ChainOptions {
  env?: Record<string, string | undefined>;
  /** Each metadata request (IMDS, container endpoint) takes at most this long. Default 2 s. */
  timeoutMs?: number;
  home?: string;
}

/** Temporary credentials are fetched again this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;
const ECS_HOST = 'http://169.254.170.2';
const UNSUPPORTED_PROFILE_KEYS = ['role_arn', 'sso_session', 'sso_start_url', 'credential_process', 'web_identity_token_file', 'credential_source'];

export function defaultCredentialChain(options: ChainOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fresh = (c: AwsCredentials | undefined): c is AwsCredentials => c !== undefined && (c.expiration === undefined || c.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS);
  return async () => {
    if (fresh(cached)) return cached;
    pending ??= resolve(env, options).finally(() => (pending = undefined));
    cached = await pending;
    return cached;
  };
}

async function resolve(env: Record<string, string | undefined>, options: ChainOptions): Promise<AwsCredentials> {
  const fromEnv = environmentCredentials(env);
  if (fromEnv) return fromEnv;
  const fromFiles = sharedFileCredentials(env, options.home ?? homedir());
  if (fromFiles) return fromFiles;
  if (env['AWS_WEB_IDENTITY_TOKEN_FILE']) throw new CredentialsError('AWS_WEB_IDENTITY_TOKEN_FILE is set, but the agent does not assume roles by web identity: give it keys (agent.yaml or the environment) or an instance role.');
  const timeoutMs = options.timeoutMs ?? 2_000;
  const container = env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? (env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ? `${ECS_HOST}${env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']}` : undefined);
  if (container) {
    const token = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
    const answer = await httpText('GET', container, token ? { authorization: token } : {}, timeoutMs);
    if (answer.status !== 200) throw new CredentialsError(`The container credentials endpoint ${container} answered HTTP ${answer.status}.`);
    return temporaryCredentials(answer.text, container);
  }
  if ((env['AWS_EC2_METADATA_DISABLED'] ?? '').toLowerCase() === 'true') {
    throw new CredentialsError('No AWS credentials: none in agent.yaml, the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or ~/.aws, and instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true).');
  }
  return instanceRoleCredentials((env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] || IMDS_DEFAULT_ENDPOINT).replace(/\/+$/, ''), timeoutMs);
}

export function environmentCredentials(env: Record<string, string | undefined>): AwsCredentials | undefined {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** Static keys of the profile (AWS_PROFILE, else default) in the credentials file, then the config file. */
export function sharedFileCredentials(env: Record<string, string | undefined>, home: string): AwsCredentials | undefined {
  const profile = env['AWS_PROFILE'] || 'default';
  const files = [
    { path: env['AWS_SHARED_CREDENTIALS_FILE'] || join(home, '.aws', 'credentials'), section: profile },
    { path: env['AWS_CONFIG_FILE'] || join(home, '.aws', 'config'), section: profile === 'default' ? 'default' : `profile ${profile}` },
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file.path, 'utf8');
    } catch {
      continue; // a missing file is the usual case
    }
    const values = parseIni(text).get(file.section);
    if (!values) continue;
    const accessKeyId = values.get('aws_access_key_id');
    const secretAccessKey = values.get('aws_secret_access_key');
    if (accessKeyId && secretAccessKey) {
      const sessionToken = values.get('aws_session_token');
      return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    }
    const unsupported = UNSUPPORTED_PROFILE_KEYS.find((k) => values.has(k) || [...values.keys()].some((key) => key.startsWith('sso_')));
    if (unsupported) throw new CredentialsError(`Profile "${profile}" in ${file.path} needs ${unsupported === 'role_arn' ? 'a role assumed' : unsupported}, which the agent does not do: give it static keys (there, in agent.yaml or the environment) or an instance role.`);
  }
  return undefined;
}

/** `[section]` → key → value; `#` and `;` start comments. Maps, so that any key is data. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      const name = section[1]!.trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** The instance role's credentials: an IMDSv2 token, the role's name, then its keys. */
async function instanceRoleCredentials(base: string, timeoutMs: number): Promise<AwsCredentials> {
  const where = `EC2 instance metadata at ${base}`;
  const token = await httpText('PUT', `${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, timeoutMs);
  if (token.status !== 200) throw new CredentialsError(`${where} refused a session token (HTTP ${token.status}); IMDSv2 is required.`);
  const headers = { 'x-aws-ec2-metadata-token': token.text.trim() };
  const roles = await httpText('GET', `${base}/latest/meta-data/iam/security-credentials/`, headers, timeoutMs);
  const role = roles.status === 200 ? roles.text.split('\n')[0]!.trim() : '';
  if (!role) throw new CredentialsError(`No AWS credentials: none in agent.yaml, the environment or ~/.aws, and ${where} names no instance role (HTTP ${roles.status}).`);
  const keys = await httpText('GET', `${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, headers, timeoutMs);
  if (keys.status !== 200) throw new CredentialsError(`${where} answered HTTP ${keys.status} for the credentials of role ${role}.`);
  return temporaryCredentials(keys.text, `${where} (role ${role})`);
}

function temporaryCredentials(text: string, source: string): AwsCredentials {
  let value: { AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new CredentialsError(`${source} answered something that is not JSON credentials.`);
  }
  if (typeof value.AccessKeyId !== 'string' || typeof value.SecretAccessKey !== 'string') throw new CredentialsError(`${source} answered no AccessKeyId and SecretAccessKey.`);
  const expiration = typeof value.Expiration === 'string' ? new Date(value.Expiration) : undefined;
  return {
    accessKeyId: value.AccessKeyId,
    secretAccessKey: value.SecretAccessKey,
    ...(typeof value.Token === 'string' && value.Token ? { sessionToken: value.Token } : {}),
    ...(expiration && Number.isFinite(expiration.getTime()) ? { expiration } : {}),
  };
}

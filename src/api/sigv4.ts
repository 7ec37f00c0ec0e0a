/**
 * @module AWS Signature Version 4: verifies requests signed in the Authorization header, binding
 * what AWS binds (the server's region and service, the operation header, a 15-minute window).
 * hidsmon has no signer of its own: its tests sign with @smithy/signature-v4 and botocore.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../core/result.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
/**
 * How far X-Amz-Date may be from the server's clock, either way: AWS's SigV4 window (its answers say
 * "Signature expired: X is now earlier than Y (Z - 15 min.)"). A captured request can be replayed
 * within it; the body, target and scope it binds cannot change.
 */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const SKEW_TEXT = `${MAX_CLOCK_SKEW_MS / 60_000} min.`;

/**
 * Headers that decide what a request does: when present they must be signed, or a relay could turn
 * a PutLogEvents into a DeleteLogGroup under the same signature. Every AWS SDK, the CLI and Fluent
 * Bit sign X-Amz-Target.
 */
const MUST_SIGN_WHEN_PRESENT: ReadonlyArray<readonly [name: string, display: string]> = [['x-amz-target', 'X-Amz-Target']];

export interface SigV4Request {
  method: string;
  /** The path as received on the wire (still percent-encoded), without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** Header names in any case. */
  headers: Record<string, string | undefined>;
  /** The body bytes as received: for `Content-Encoding: gzip` the compressed bytes. */
  body: Buffer;
}

export interface SigV4VerifyInput extends SigV4Request {
  /** The secret for an access key id, or undefined when the key is unknown. */
  credentials: (accessKeyId: string) => string | undefined;
  nowMs: number;
  /** The signing name the credential scope must carry (default `logs`). */
  service?: string;
  /** The server's region: the credential scope must name it, as AWS refuses a key scoped to another. */
  region: string;
}

export type SigV4FailureKind =
  /** No Authorization header at all. */
  | 'missing-authentication'
  /** An Authorization header that is not a complete SigV4 one, no X-Amz-Date, or a header that must be signed and is not. */
  | 'incomplete-signature'
  /** The access key id is not known. */
  | 'unrecognized-client'
  /** The signature does not match, or the scope is wrong. */
  | 'invalid-signature'
  /** X-Amz-Date is more than 15 minutes from the server's clock. */
  | 'clock-skew'
  /** X-Amz-Content-Sha256 is not the hash of the body. */
  | 'content-sha256-mismatch';

export interface SigV4Failure {
  kind: SigV4FailureKind;
  message: string;
}

export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
  signedAtMs: number;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * Checks a request signed with SigV4 in the Authorization header: the scope (date, region, service),
 * which headers are signed, the clock window, the key, then the signature over the raw body bytes,
 * compared in constant time. Messages are AWS's own words where AWS has them.
 */
export function verifySigV4(input: SigV4VerifyInput): Result<SigV4Identity, SigV4Failure> {
  const headers = lowerCaseHeaders(input.headers);
  const authorization = headers.get('authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return err({ kind: 'missing-authentication', message: 'Request is missing Authentication Token' });
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) return parsed;
  const auth = parsed.value;
  const service = input.service ?? 'logs';

  const amzDate = headers.get('x-amz-date');
  if (amzDate === undefined) {
    return err({ kind: 'incomplete-signature', message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." });
  }
  const signedAtMs = parseAmzDate(amzDate.trim());
  if (signedAtMs === undefined) {
    return err({ kind: 'incomplete-signature', message: `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601` });
  }
  if (auth.terminator !== TERMINATOR) {
    return err({ kind: 'invalid-signature', message: `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${auth.terminator}'.` });
  }
  if (auth.service !== service) {
    return err({ kind: 'invalid-signature', message: `Credential should be scoped to correct service: '${service}'. ` });
  }
  if (auth.region !== input.region) {
    return err({ kind: 'invalid-signature', message: `Credential should be scoped to a valid region, not '${auth.region}'. ` });
  }
  const dateStamp = amzDate.trim().slice(0, 8);
  if (auth.date !== dateStamp) {
    return err({
      kind: 'invalid-signature',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${dateStamp}', from '${amzDate.trim()}'.`,
    });
  }
  if (!auth.signedHeaders.includes('host') && !auth.signedHeaders.includes(':authority')) {
    return err({ kind: 'incomplete-signature', message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." });
  }
  // AWS's texts for the two below are not published; they follow its wording for Host.
  if (!auth.signedHeaders.includes('x-amz-date')) {
    return err({ kind: 'incomplete-signature', message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization." });
  }
  for (const [name, display] of MUST_SIGN_WHEN_PRESENT) {
    if (headers.has(name) && !auth.signedHeaders.includes(name)) {
      return err({ kind: 'incomplete-signature', message: `'${display}' must be a 'SignedHeader' in the AWS Authorization.` });
    }
  }
  const absent = auth.signedHeaders.find((name) => !headers.has(name));
  if (absent !== undefined) {
    return err({ kind: 'incomplete-signature', message: `'${absent.slice(0, 128)}' is named as a SignedHeader, but it does not exist in the HTTP request.` });
  }

  if (signedAtMs < input.nowMs - MAX_CLOCK_SKEW_MS) {
    return err({
      kind: 'clock-skew',
      message: `Signature expired: ${amzDate.trim()} is now earlier than ${formatAmzDate(input.nowMs - MAX_CLOCK_SKEW_MS)} (${formatAmzDate(input.nowMs)} - ${SKEW_TEXT})`,
    });
  }
  if (signedAtMs > input.nowMs + MAX_CLOCK_SKEW_MS) {
    return err({
      kind: 'clock-skew',
      message: `Signature not yet current: ${amzDate.trim()} is still later than ${formatAmzDate(input.nowMs + MAX_CLOCK_SKEW_MS)} (${formatAmzDate(input.nowMs)} + ${SKEW_TEXT})`,
    });
  }

  const secret = input.credentials(auth.accessKeyId);
  if (secret === undefined) {
    return err({ kind: 'unrecognized-client', message: 'The security token included in the request is invalid.' });
  }

  const bodyHash = sha256Hex(input.body);
  const declaredHash = headers.get('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash.trim().toLowerCase() !== bodyHash) {
    return err({ kind: 'content-sha256-mismatch', message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
  }

  const canonical = canonicalRequest(input.method, input.path, input.query, headers, auth.signedHeaders, bodyHash);
  const scope = `${auth.date}/${auth.region}/${auth.service}/${TERMINATOR}`;
  const stringToSign = `${ALGORITHM}\n${amzDate.trim()}\n${scope}\n${sha256Hex(canonical)}`;
  const expected = createHmac('sha256', signingKey(secret, auth.accessKeyId, auth.date, auth.region, auth.service)).update(stringToSign).digest();
  const given = /^[0-9a-f]{64}$/.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined;
  if (given === undefined || !timingSafeEqual(expected, given)) {
    return err({
      kind: 'invalid-signature',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    });
  }
  return ok({ accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service, signedAtMs });
}

function parseAuthorization(value: string): Result<ParsedAuthorization, SigV4Failure> {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return err({ kind: 'incomplete-signature', message: `Authorization header requires '${ALGORITHM}' as its algorithm, got '${algorithm.slice(0, 64)}'.` });
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    return err({ kind: 'incomplete-signature', message: missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ') });
  }
  const credential = (fields.get('Credential') as string).split('/');
  if (credential.length !== 5 || credential.some((p) => p === '')) {
    return err({ kind: 'incomplete-signature', message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + (fields.get('Credential') as string).slice(0, 200) + "'" });
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  const signedHeaders = (fields.get('SignedHeaders') as string).split(';').map((h) => h.trim().toLowerCase());
  return ok({ accessKeyId, date, region, service, terminator, signedHeaders, signature: (fields.get('Signature') as string).toLowerCase() });
}

function canonicalRequest(method: string, path: string, query: string, headers: Map<string, string>, signedHeaders: readonly string[], bodyHash: string): string {
  const lines = [...signedHeaders].sort().map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? '')}`);
  return `${method.toUpperCase()}\n${canonicalPath(path)}\n${canonicalQuery(query)}\n${lines.join('\n')}\n\n${[...signedHeaders].sort().join(';')}\n${bodyHash}`;
}

/** Trimmed, with runs of spaces inside collapsed to one (SigV4's canonical header value). */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** Non-S3 services: normalize `.`/`..` and empty segments, then encode the (already encoded) path again. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalized || '/').replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEscape(key), uriEscape(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded. */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${(c.charCodeAt(0) as number).toString(16).toUpperCase()}`);
}

function lowerCaseHeaders(headers: Record<string, string | undefined>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) map.set(name.toLowerCase(), value);
  return map;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function deriveKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update(TERMINATOR).digest();
}

const keyCache = new Map<string, { secret: string; key: Buffer }>();
const KEY_CACHE_SIZE = 1024;

/** The derived key changes once a day per key and region: four HMACs saved on every request. */
function signingKey(secret: string, accessKeyId: string, date: string, region: string, service: string): Buffer {
  const id = `${accessKeyId}\u0000${date}\u0000${region}\u0000${service}`;
  const cached = keyCache.get(id);
  if (cached && cached.secret === secret) return cached.key;
  const key = deriveKey(secret, date, region, service);
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear();
  keyCache.set(id, { secret, key });
  return key;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Rejects dates such as 20240231 that Date.UTC would roll over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** `YYYYMMDDTHHMMSSZ`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

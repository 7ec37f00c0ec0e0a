/**
 * @module Tests only: requests signed by independent SigV4 signers, AWS SDK v3's
 * (`@smithy/signature-v4`) and botocore's (`SigV4Auth`, in python3), so that the verifier is never
 * checked against a signer of its own making.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

const execFileAsync = promisify(execFile);

export interface SignRequest {
  method?: string;
  /** The path on the wire (default `/`). */
  path?: string;
  /** Decoded query parameters, as the SDK holds them. */
  query?: Record<string, string | string[]>;
  /** Must include `host`, as the SDK's host middleware adds it before signing. */
  headers: Record<string, string>;
  body: Buffer | string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service?: string;
  /** The signing time (default now). */
  dateMs?: number;
}

/** Sha256 as the SDK's Node runtime config builds it: `new Hash('sha256', secret)`. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

/**
 * The headers SDK v3 would send: the given ones plus `x-amz-date`, `x-amz-content-sha256` (unless
 * `applyChecksum: false`) and `authorization`. `unsigned` names headers left out of SignedHeaders,
 * as a signer that does not bind them would.
 */
export async function signWithSmithy(request: SignRequest & { applyChecksum?: boolean; unsigned?: readonly string[] }): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: request.service ?? 'logs',
    region: request.region,
    credentials: { accessKeyId: request.accessKeyId, secretAccessKey: request.secretAccessKey },
    sha256: Sha256,
    applyChecksum: request.applyChecksum ?? true,
  });
  const host = request.headers['host'] ?? request.headers['Host'] ?? 'localhost';
  const signed = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path: request.path ?? '/',
      query: request.query ?? {},
      headers: { ...request.headers },
      body: typeof request.body === 'string' ? Buffer.from(request.body) : request.body,
    },
    { signingDate: new Date(request.dateMs ?? Date.now()), ...(request.unsigned ? { unsignableHeaders: new Set(request.unsigned.map((h) => h.toLowerCase())) } : {}) },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name.toLowerCase()] = String(value);
  return out;
}

const BOTOCORE_SIGN = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.load(sys.stdin)
req = AWSRequest(method=a["method"], url=a["url"], data=bytes.fromhex(a["body"]), headers=a["headers"])
SigV4Auth(Credentials(a["key"], a["secret"]), a["service"], a["region"]).add_auth(req)
print(json.dumps(dict(req.headers.items())))
`;

/**
 * The headers botocore (the AWS CLI's signer) adds to a request for `url`, signed now. botocore
 * signs the URL's host itself without adding a Host header; the caller's HTTP client sends the same.
 */
export async function signWithBotocore(request: Omit<SignRequest, 'dateMs' | 'path'> & { url: string }): Promise<Record<string, string>> {
  const input = JSON.stringify({
    method: request.method ?? 'POST',
    url: request.url,
    body: (typeof request.body === 'string' ? Buffer.from(request.body) : request.body).toString('hex'),
    headers: request.headers,
    key: request.accessKeyId,
    secret: request.secretAccessKey,
    service: request.service ?? 'logs',
    region: request.region,
  });
  const child = execFileAsync('python3', ['-c', BOTOCORE_SIGN], { timeout: 20_000, maxBuffer: 1 << 20 });
  child.child.stdin?.end(input);
  const { stdout } = await child;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(JSON.parse(stdout) as Record<string, string>)) out[name.toLowerCase()] = value;
  return out;
}

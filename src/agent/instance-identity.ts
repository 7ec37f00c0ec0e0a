/**
 * @module Who this host is, for the stream name: the EC2 instance id from instance metadata with
 * IMDSv2 (a PUT for a session token, then a GET with it), bounded by a short timeout so that the
 * agent off EC2 starts at once; and the host name.
 */
import { hostname as osHostname } from 'node:os';
import { err, ok, type Result } from '../core/result.js';
import { httpText } from './http-text.js';

/** The address EC2 answers on; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides it, as in the AWS SDKs. */
export const IMDS_DEFAULT_ENDPOINT = 'http://169.254.169.254';

export type InstanceIdProblem =
  | { code: 'IMDS_DISABLED'; message: string }
  | { code: 'IMDS_UNREACHABLE'; message: string }
  | { code: 'IMDS_REFUSED'; message: string };

export interface InstanceIdOptions {
  env?: Record<string, string | undefined>;
  /** The whole look-up (token and id) takes at most this long. */
  timeoutMs: number;
}

/** The instance id (i-0123…), or why there is none. Never throws. */
export async function fetchInstanceId(options: InstanceIdOptions): Promise<Result<string, InstanceIdProblem>> {
  const env = options.env ?? process.env;
  if ((env['AWS_EC2_METADATA_DISABLED'] ?? '').toLowerCase() === 'true') {
    return err({ code: 'IMDS_DISABLED', message: 'EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true).' });
  }
  const base = (env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] || IMDS_DEFAULT_ENDPOINT).replace(/\/+$/, '');
  // node:http, not fetch: fetch loads undici, ~8 MB of the agent's memory for two small requests.
  const deadline = Date.now() + options.timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  try {
    const tokenResponse = await httpText('PUT', `${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, left());
    if (tokenResponse.status !== 200) return err({ code: 'IMDS_REFUSED', message: `EC2 instance metadata at ${base} refused a session token (HTTP ${tokenResponse.status}); IMDSv2 is required.` });
    const token = tokenResponse.text.trim();
    const idResponse = await httpText('GET', `${base}/latest/meta-data/instance-id`, { 'x-aws-ec2-metadata-token': token }, left());
    if (idResponse.status !== 200) return err({ code: 'IMDS_REFUSED', message: `EC2 instance metadata at ${base} answered HTTP ${idResponse.status} for the instance id.` });
    const id = idResponse.text.trim();
    // An id goes into a stream name: accept only the shape EC2 gives, never an arbitrary answer.
    if (!/^i-[0-9a-f]{8,32}$/.test(id)) return err({ code: 'IMDS_REFUSED', message: `EC2 instance metadata at ${base} answered "${id.slice(0, 40)}", not an instance id.` });
    return ok(id);
  } catch (e) {
    const why = Date.now() >= deadline ? `no answer within ${options.timeoutMs} ms` : (e as Error).message;
    return err({ code: 'IMDS_UNREACHABLE', message: `EC2 instance metadata at ${base} is unreachable (${why}); not on EC2?` });
  }
}

export function hostName(): string {
  return osHostname();
}

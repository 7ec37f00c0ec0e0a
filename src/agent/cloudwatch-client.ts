/**
 * @module The AWS SDK v3 CloudWatch Logs client for tests and tools that talk to the server as AWS
 * users do (the agent has its own small client, logs-client.ts), pointed at an endpoint and, for a
 * hidsmon server with its own certificate, trusting a given CA (PEM) on top of nothing else: a
 * self-signed server certificate is its own CA.
 */
import { Agent } from 'node:https';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The CA file reader lives with the agent's own client (logs-client.ts); re-exported for the CLI. */
export { readCaFile } from './logs-client.js';

export interface CloudWatchClientOptions {
  /** hidsmon's URL (https://host:5601), or absent for AWS itself. */
  endpoint?: string;
  region: string;
  /** Absent: the SDK's default chain (environment, shared config and credentials files, SSO, the EC2 instance role via IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** PEM text of the CA (or the self-signed certificate) to trust instead of the system's CAs. */
  ca?: string;
  maxAttempts?: number;
}

export function createCloudWatchLogsClient(options: CloudWatchClientOptions): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    // The SDK's own handler, with an agent that trusts the CA given; keep-alive as the SDK's default agent has it.
    ...(options.ca ? { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: options.ca, keepAlive: true }) }) } : {}),
  });
}

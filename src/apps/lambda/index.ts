/**
 * @module The Lambda entry (`index.handler` in dist/lambda.zip, runtime nodejs24.x): reads the
 * environment (config.ts lists the variables), builds the OpenSearch sink, the dead-letter
 * destination and the logger once per execution environment, and hands each CloudWatch Logs
 * subscription event to the invocation in handler.ts. OpenSearch is signed with SigV4 for
 * `*.es.amazonaws.com` / `*.aoss.amazonaws.com` with the function role's credentials (the default
 * chain reads the ones Lambda puts in the environment); a loopback test endpoint is not signed.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { OpenSearchSink } from '../../sinks/opensearch/sink.js';
import { lambdaConfigFromEnv, type LambdaForwarderConfig } from './config.js';
import { s3DeadLetters, sqsDeadLetters, type DeadLetterDestination } from './dead-letters.js';
import { createSubscriptionHandler, type InvocationSummary, type LambdaContext, type SubscriptionHandler } from './handler.js';

export type { InvocationSummary, LambdaContext } from './handler.js';

/** The handler for a configuration: the sink and clients are made here and kept for the execution environment's life. */
export async function composeLambdaForwarder(config: LambdaForwarderConfig): Promise<SubscriptionHandler> {
  // Synchronous writes: Lambda may freeze the process as soon as the handler returns.
  const log = pino({ level: config.logLevel, base: { service: 'hidsmon-lambda-forwarder' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 1, sync: true }));
  const sink = await OpenSearchSink.open({
    url: config.url,
    indexPrefix: config.indexPrefix,
    ...(config.auth ? { auth: config.auth } : {}),
    maxBulkBytes: config.maxBulkBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(config.replicas !== undefined ? { template: { replicas: config.replicas } } : {}),
  });
  const clientConfig = config.region ? { region: config.region } : {};
  const deadLetters: DeadLetterDestination =
    config.deadLetters.kind === 'sqs'
      ? sqsDeadLetters(new SQSClient(clientConfig), config.deadLetters.queueUrl)
      : s3DeadLetters(new S3Client(clientConfig), config.deadLetters.bucket, config.deadLetters.prefix);
  log.debug({ opensearch: config.url, indexPrefix: config.indexPrefix, deadLetters: deadLetters.description, maxBulkBytes: config.maxBulkBytes }, 'Forwarder function configured.');
  // The last request may take the request timeout; a second more to log and return.
  return createSubscriptionHandler({ sink, deadLetters, log, marginMs: config.requestTimeoutMs + 1_000, maxBulkBytes: config.maxBulkBytes });
}

let composed: Promise<SubscriptionHandler> | undefined;

/** Lambda's entry. A misconfigured function fails every invocation with the message naming the variable. */
export async function handler(event: unknown, context: LambdaContext): Promise<InvocationSummary> {
  composed ??= (async () => {
    const config = lambdaConfigFromEnv(process.env);
    if (!config.ok) throw new Error(config.error);
    return composeLambdaForwarder(config.value);
  })();
  let invoke: SubscriptionHandler;
  try {
    invoke = await composed;
  } catch (error) {
    composed = undefined;
    throw error;
  }
  return invoke(event, context);
}

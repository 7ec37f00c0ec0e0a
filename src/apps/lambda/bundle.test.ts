/**
 * The built function (scripts/build-lambda.mjs → lambda.zip) loads in a clean Node.js process with
 * only what the Lambda runtime provides (a temp dir holding just the unzipped files, no
 * node_modules anywhere above it, NODE_PATH empty, an environment with only the function's
 * variables), and its `handler` works there: alerts indexed in the real OpenSearch, a rejected
 * document in moto's SQS, one JSON log line on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { openSearchClient } from '../../sinks/opensearch/connection.js';
import { indexTemplateName } from '../../sinks/opensearch/index-template.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../testing/moto.js';
import { simulatedLogEvents, subscriptionEvent } from '../../testing/subscription-events.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hidsmon-lambda-bundle-'));
const prefix = testIndexPrefix();
let url: string;
let admin: Client;
let moto: MotoServer;
let zipBytes = 0;

beforeAll(async () => {
  [url, moto] = await Promise.all([sharedOpenSearch(), startMotoServer()]);
  admin = openSearchClient({ url });
  const zip = join(work, 'lambda.zip');
  execFileSync(process.execPath, [join(root, 'scripts/build-lambda.mjs'), '--out', zip], { stdio: 'pipe' });
  zipBytes = statSync(zip).size;
  const files = unzipSync(readFileSync(zip));
  mkdirSync(join(work, 'fn'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(work, 'fn', name), bytes, { flag: 'w' });
}, 120_000);
afterAll(async () => {
  await admin?.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
  await admin?.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  await admin?.close();
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `script` (an ES module) in the function's directory, with only `env`. */
function runInFunctionDir(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const fnDir = join(work, 'fn');
  writeFileSync(join(work, 'run.mjs'), script);
  const child = spawnSync(process.execPath, [join(work, 'run.mjs')], { cwd: fnDir, env: { NODE_PATH: '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('dist/lambda.zip', () => {
  it('holds only index.mjs, a small zip', () => {
    expect(readdirSync(join(work, 'fn'))).toEqual(['index.mjs']);
    // Reported by npm run build:lambda; about 0.3 MB with the AWS SDK inlined.
    expect(zipBytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('loads with nothing but Node.js: no node_modules above it, NODE_PATH empty', () => {
    for (let dir = join(work, 'fn'); ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      if (dirname(dir) === dir) break;
    }
    const loaded = runInFunctionDir("const m = await import(process.cwd() + '/index.mjs'); process.stdout.write(typeof m.handler);", {});
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('function');
  });

  it('indexes a delivery in the real OpenSearch and dead-letters the rejected document in SQS, as index.handler', async () => {
    const sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bundle-dlq' }));
    const events = simulatedLogEvents(300, { seed: 3 });
    // A real alert with a field name OpenSearch refuses.
    const bad = { ...events[0]!, id: 'bad-1', message: JSON.stringify({ ...JSON.parse(events[0]!.message), id: '1709337600.99999', '': 'no name' }) };
    writeFileSync(join(work, 'event.json'), JSON.stringify(subscriptionEvent([...events, bad])));
    const run = runInFunctionDir(
      `import { readFileSync } from 'node:fs';
       const { handler } = await import(process.cwd() + '/index.mjs');
       const event = JSON.parse(readFileSync(${JSON.stringify(join(work, 'event.json'))}, 'utf8'));
       const end = Date.now() + 60000;
       const summary = await handler(event, { awsRequestId: 'bundle-1', getRemainingTimeInMillis: () => end - Date.now() });
       process.stderr.write(JSON.stringify(summary));`,
      {
        // The blog's variable name, and the CDK app's for the queue: both are read.
        ES_ENDPOINT: url,
        HIDSMON_OPENSEARCH_INDEX_PREFIX: prefix,
        DEAD_LETTER_QUEUE_URL: QueueUrl as string,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        // The SDK's own endpoint override: the SQS client talks to moto.
        AWS_ENDPOINT_URL_SQS: moto.url,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stderr)).toMatchObject({ outcome: 'indexed', events: 301, indexed: 300, rejected: 1, dead_lettered: 1 });
    const logLines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logLines).toEqual([expect.objectContaining({ level: 30, msg: 'Invocation done.', requestId: 'bundle-1', events: 301, indexed: 300, dead_lettered: 1, took_ms: expect.any(Number) })]);
    await admin.indices.refresh({ index: `${prefix}*` });
    expect((await admin.count({ index: `${prefix}*`, body: { query: { match_all: {} } } })).body.count).toBe(300);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect((received.Messages ?? []).map((m) => JSON.parse(m.Body as string))).toEqual([expect.objectContaining({ kind: 'rejected_document', requestId: 'bundle-1', reason: expect.stringMatching(/empty/) })]);
    sqs.destroy();
  });

  it('fails every invocation of a misconfigured function with a message naming the variable', () => {
    const run = runInFunctionDir(
      `const { handler } = await import(process.cwd() + '/index.mjs');
       await handler({}, { awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 }).then(() => process.exit(3), (e) => { process.stderr.write(e.message); process.exit(1); });`,
      { OPENSEARCH_ENDPOINT: 'http://127.0.0.1:1' },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DEAD_LETTER_QUEUE_URL .*DEAD_LETTER_S3_URI/);
  });
});

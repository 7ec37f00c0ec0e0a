/**
 * Each channel against a real receiver: a local HTTP server checks the webhook's signature and
 * reads the Slack message, aiosmtpd takes the e-mail over STARTTLS (a certificate made here), moto's
 * SNS delivers to an SQS queue subscribed to the topic. The detection's alert text holds HTML and
 * Slack markup; every receiver must see it escaped (or, in JSON and plain text, intact as data).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSigned } from '../apps/server/tls.js';
import { HOSTILE_TEXT, sampleDetection } from '../testing/detections.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../testing/moto.js';
import { startSmtpServer, type SmtpServer } from '../testing/smtp.js';
import { emailChannel } from './email-channel.js';
import { slackChannel } from './slack-channel.js';
import { snsChannel } from './sns-channel.js';
import { webhookChannel } from './webhook-channel.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from './webhook-signature.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(status: () => number = () => 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status(), { 'content-type': 'text/plain' }).end(status() === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, received, server };
}

const BASE = 'https://hidsmon.example.com';
const SECRET = 'whsec-test-0123456789abcdef';
const signal = (): AbortSignal => AbortSignal.timeout(10_000);

describe('webhook channel', () => {
  it('POSTs the detection as JSON with a Stripe-style signature the receiver verifies; a changed body, a wrong secret or an old timestamp fail', async () => {
    const { url, received, server } = await receiver();
    try {
      const detection = sampleDetection();
      const outcome = await webhookChannel({ id: 'soc', url, secret: SECRET, baseUrl: BASE }).send(detection, signal());
      expect(outcome.kind).toBe('ok');
      expect(received).toHaveLength(1);
      const { headers, body } = received[0]!;
      const header = headers[SIGNATURE_HEADER] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(SECRET, body, header, Date.now())).toMatchObject({ kind: 'valid' });
      expect(verifyWebhookSignature(SECRET, body.replace('203.0.113.9', '203.0.113.8'), header, Date.now())).toEqual({ kind: 'invalid', reason: 'mismatch' });
      expect(verifyWebhookSignature('another-secret-000000', body, header, Date.now())).toEqual({ kind: 'invalid', reason: 'mismatch' });
      expect(verifyWebhookSignature(SECRET, body, header, Date.now() + 301_000)).toEqual({ kind: 'invalid', reason: 'stale' });
      const json = JSON.parse(body) as { type: string; detection: { id: string; created_at: string; evidence: Array<{ text: string; rule_id: string }> }; discover_url: string };
      expect(json.type).toBe('detection');
      expect(json.detection.id).toBe(detection.id);
      expect(json.detection.created_at).toBe(detection.createdAt);
      // JSON carries the alert text as data, exactly (the receiver renders it).
      expect(json.detection.evidence[0]!.text).toBe(HOSTILE_TEXT);
      expect(new URL(json.discover_url).searchParams.get('q')).toBe(detection.query);
    } finally {
      server.close();
    }
  });

  it('a 503 is retryable with its Retry-After, a 400 is fatal, a refused connection is retryable', async () => {
    let status = 503;
    const { url, server } = await receiver(() => status);
    try {
      const channel = webhookChannel({ id: 'soc', url, secret: SECRET, baseUrl: BASE });
      expect((await channel.send(sampleDetection(), signal())).kind).toBe('retryable');
      status = 400;
      expect((await channel.send(sampleDetection(), signal())).kind).toBe('fatal');
    } finally {
      server.close();
    }
    const refused = await webhookChannel({ id: 'soc', url, secret: SECRET, baseUrl: BASE }).send(sampleDetection(), signal());
    expect(refused.kind).toBe('retryable');
  });
});

describe('Slack channel', () => {
  it('sends the incoming-webhook format (text and blocks) with &, < and > escaped, so no mention, link or tag of the alert survives', async () => {
    const { url, received, server } = await receiver();
    try {
      const detection = sampleDetection({ group: [{ field: 'srcuser', value: '<!here> & <@U123>' }] });
      expect((await slackChannel({ id: 'chat', webhookUrl: url, baseUrl: BASE }).send(detection, signal())).kind).toBe('ok');
      const message = JSON.parse(received[0]!.body) as { text: string; blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }> }> };
      expect(message.text).toContain('srcuser=&lt;!here&gt; &amp; &lt;@U123&gt;');
      for (const block of message.blocks) expect(block.type).toBe('section');
      const all = message.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)]).join('\n');
      expect(all).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt; &lt;!channel&gt; &lt;https://evil.example|click&gt;');
      // The only Slack link left is ours, to Discover.
      const links = [...all.matchAll(/<([^>]*)>/g)].map((m) => m[1]!);
      expect(links).toHaveLength(1);
      expect(links[0]!.startsWith(`${BASE}/discover?`)).toBe(true);
      expect(all).not.toContain('<!channel>');
      expect(all).not.toContain('<script>');
    } finally {
      server.close();
    }
  });
});

describe('e-mail channel (aiosmtpd, STARTTLS)', () => {
  let smtp: SmtpServer;
  let dir: string;
  let ca: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hidsmon-smtp-cert-'));
    const tls = await ensureSelfSigned(dir, '127.0.0.1');
    if (!tls.ok) throw new Error(tls.error.join(' '));
    ca = tls.value.cert;
    smtp = await startSmtpServer(tls.value.certFile, tls.value.keyFile);
  }, 300_000);
  afterAll(async () => {
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers over STARTTLS a plain-text and an HTML part with the first matching alerts, the HTML escaped', async () => {
    const channel = emailChannel({ id: 'mail', host: '127.0.0.1', port: smtp.port, from: 'hidsmon@example.com', to: ['soc@example.com'], ca, baseUrl: BASE });
    try {
      const detection = sampleDetection();
      const outcome = await channel.send(detection, signal());
      expect(outcome).toEqual({ kind: 'ok', value: undefined });
      const [mail] = await smtp.waitFor(1);
      expect(mail!.tls).toBe(true);
      expect(mail!.mail_from).toBe('hidsmon@example.com');
      expect(mail!.rcpt_tos).toEqual(['soc@example.com']);
      expect(mail!.subject).toContain('SSH brute force across the fleet');
      expect(mail!.headers['x-hidsmon-detection-id']).toBe(detection.id);
      const text = mail!.parts.find((p) => p.content_type === 'text/plain')!.content;
      const html = mail!.parts.find((p) => p.content_type === 'text/html')!.content;
      expect(text).toContain(HOSTILE_TEXT);
      expect(text).toContain('Failed password for invalid user admin4');
      expect(text).not.toContain('admin5'); // the first five alerts only
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;');
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).toContain(`href="${BASE}/discover?q=`);
    } finally {
      await channel.close?.();
    }
  });

  it('refuses to send in clear: with a certificate it cannot trust, the attempt fails and nothing is delivered', async () => {
    const before = smtp.messages().length;
    const channel = emailChannel({ id: 'mail', host: '127.0.0.1', port: smtp.port, from: 'hidsmon@example.com', to: ['soc@example.com'], baseUrl: BASE, timeoutMs: 5000 });
    try {
      const outcome = await channel.send(sampleDetection(), signal());
      expect(outcome.kind).toBe('fatal');
      expect(smtp.messages().length).toBe(before);
    } finally {
      await channel.close?.();
    }
  });
});

describe('SNS channel (moto)', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMotoServer();
  }, 60_000);
  afterAll(async () => moto?.stop());

  it('publishes the plain-text rendering to the topic; an SQS queue subscribed to it receives the message', async () => {
    const aws = { region: 'eu-west-1', endpoint: moto.url, credentials: MOTO_CREDENTIALS };
    const sns = new SNSClient(aws);
    const sqs = new SQSClient(aws);
    const topic = await sns.send(new CreateTopicCommand({ Name: 'hids-detections' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'hids-detections-inbox' }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'sqs', Endpoint: attrs.Attributes!['QueueArn']! }));

    const detection = sampleDetection();
    const channel = snsChannel({ id: 'pager', topicArn: topic.TopicArn!, region: 'eu-west-1', endpoint: moto.url, credentials: MOTO_CREDENTIALS, baseUrl: BASE });
    expect((await channel.send(detection, signal())).kind).toBe('ok');
    await channel.close?.();

    let body: { Subject?: string; Message?: string; MessageAttributes?: Record<string, { Value: string }> } | undefined;
    for (let i = 0; i < 20 && !body; i++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl!, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }));
      if (got.Messages?.[0]?.Body) body = JSON.parse(got.Messages[0].Body);
    }
    expect(body).toBeDefined();
    expect(body!.Subject).toMatch(/^\[hidsmon high\] SSH brute force across the fleet/);
    expect(body!.Subject!.length).toBeLessThan(100);
    expect(body!.Message).toContain(HOSTILE_TEXT);
    expect(body!.Message).toContain(`Discover: ${BASE}/discover?q=`);
    expect(body!.MessageAttributes?.['detection_id']?.Value).toBe(detection.id);
    sns.destroy();
    sqs.destroy();
  });

  it('an unknown topic is fatal (not retried forever)', async () => {
    const channel = snsChannel({ id: 'pager', topicArn: 'arn:aws:sns:eu-west-1:123456789012:no-such-topic', region: 'eu-west-1', endpoint: moto.url, credentials: MOTO_CREDENTIALS, baseUrl: BASE });
    const outcome = await channel.send(sampleDetection(), signal());
    expect(outcome.kind).toBe('fatal');
    await channel.close?.();
  });
});

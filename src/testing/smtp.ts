/**
 * @module Test helper: a real SMTP server (aiosmtpd, scripts/ensure-aiosmtpd.sh) on a free loopback
 * port, STARTTLS required, started as a child process and stopped by its PID; each message it
 * receives is read back as JSON (envelope, TLS or not, MIME parts decoded by Python's email package).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReceivedMail {
  mail_from: string;
  rcpt_tos: string[];
  /** Whether the session had switched to TLS (STARTTLS) before the message. */
  tls: boolean;
  subject: string;
  headers: Record<string, string>;
  parts: Array<{ content_type: string; content: string }>;
}

export interface SmtpServer {
  port: number;
  pid: number;
  messages(): ReceivedMail[];
  /** Polls (every 50 ms, at most `timeoutMs`) until `count` messages are in. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Provisions aiosmtpd (once) or throws with the script's message saying how to. */
export function ensureAiosmtpd(): void {
  try {
    execFileSync('bash', [join(here, '../../scripts/ensure-aiosmtpd.sh')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  } catch (e) {
    throw new Error(`aiosmtpd is not available: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
  }
}

export async function startSmtpServer(certFile: string, keyFile: string, timeoutMs = 15_000): Promise<SmtpServer> {
  ensureAiosmtpd();
  const outDir = mkdtempSync(join(tmpdir(), 'hidsmon-smtp-'));
  const proc = spawn('python3', [join(here, 'smtp-receiver.py'), certFile, keyFile, outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aiosmtpd did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    let out = '';
    proc.stdout?.on('data', (c) => {
      out += c;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aiosmtpd exited (${code}): ${stderr}`));
    });
  });
  const messages = (): ReceivedMail[] =>
    readdirSync(outDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')) as ReceivedMail);
  return {
    port,
    pid: proc.pid as number,
    messages,
    async waitFor(count, waitMs = 10_000) {
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        const got = messages();
        if (got.length >= count) return got;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`aiosmtpd received ${messages().length} of ${count} messages within ${waitMs} ms: ${stderr}`);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/**
 * `HIDSMON_TLS=auto hidsmon demo`, as a user runs it: the demo serves HTTPS with a self-signed
 * certificate made in its data directory, prints the certificate's SHA-256 fingerprint, and its
 * simulated hosts (the AWS SDK) trust that certificate and ship over TLS.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/processes.js';

const entry = new URL('../../src/testing/cli-entry.ts', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-demo-tls-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function searchTotal(url: string, ca: string, token: string, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/search`, { method: 'POST', agent: new Agent({ ca }), headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve((JSON.parse(text) as { total: number }).total));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query: '', from, size: 0 }));
  });
}

describe('hidsmon demo under tls: auto', () => {
  it('prints the fingerprint of the certificate it made, and its hosts ship over HTTPS', async () => {
    const port = await freePort();
    const data = join(tmp, 'data');
    const proc = spawn(process.execPath, ['--import', 'tsx', entry, 'demo', '--port', String(port), '--data', data, '--rate', '5'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HIDSMON_TLS: 'auto' } });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Viewer token, [^\n]*\): (\S+)/.test(out) || !/Demo: /.test(out)) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`demo did not start:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = `https://127.0.0.1:${port}`;
      expect(out).toMatch(new RegExp(`Open the UI:\\s+${url}/login\\?token=`));
      const ca = readFileSync(join(data, 'tls-cert.pem'), 'utf8');
      expect(out).toContain(`TLS SHA-256:        ${new X509Certificate(ca).fingerprint256}`);
      const token = /Viewer token, [^\n]*\): (\S+)/.exec(out)![1]!;
      // The backfill went over TLS before the banner; it is searchable with the certificate as the CA.
      let history = 0;
      while (history === 0 && Date.now() < deadline) history = await searchTotal(url, ca, token, 'now-3h');
      expect(history).toBeGreaterThan(1000);
      expect(err).not.toMatch(/shipping failed/);
    } finally {
      proc.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});

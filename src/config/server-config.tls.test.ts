/**
 * `tls:` in hidsmon.yaml and its environment overrides, and the problems with the files it names
 * (missing, unreadable, not PEM, a key that is not the certificate's), listed with every other
 * problem of the configuration.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverConfigFromCommandLine } from '../apps/cli/commands/server.js';
import { loadServerConfig } from './server-config.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-tls-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const load = (text: string, env: Record<string, string> = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/d' });

describe('tls: in hidsmon.yaml', () => {
  it('is off when absent or off; auto; or a cert and key', () => {
    expect(load('port: 1').ok && (load('port: 1') as any).value.tls).toBeUndefined();
    expect((load('tls: off') as any).value.tls).toBeUndefined();
    expect((load('tls: auto') as any).value.tls).toEqual({ mode: 'auto' });
    expect((load('tls: {cert: /etc/c.pem, key: /etc/k.pem}') as any).value.tls).toEqual({ mode: 'files', certFile: '/etc/c.pem', keyFile: '/etc/k.pem' });
  });

  it('environment overrides the file', () => {
    expect((load('tls: auto', { HIDSMON_TLS: 'off' }) as any).value.tls).toBeUndefined();
    expect((load('', { HIDSMON_TLS: 'auto' }) as any).value.tls).toEqual({ mode: 'auto' });
    expect((load('tls: auto', { HIDSMON_TLS_CERT: '/c.pem', HIDSMON_TLS_KEY: '/k.pem' }) as any).value.tls).toEqual({ mode: 'files', certFile: '/c.pem', keyFile: '/k.pem' });
    const half = load('', { HIDSMON_TLS_CERT: '/c.pem' });
    expect(half.ok).toBe(false);
    expect(!half.ok && half.error).toEqual(['$HIDSMON_TLS_CERT and $HIDSMON_TLS_KEY go together: set both (PEM files), or neither.']);
  });

  it('a wrong shape is named, with what to write', () => {
    for (const text of ['tls: yes-please', 'tls: [a, b]', 'tls: 3']) {
      const r = load(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.error[0]).toMatch(/^hidsmon\.yaml: tls: write "tls: auto"/);
    }
    const r = load('tls: {cert: c.pem, chain: x.pem}');
    expect(!r.ok && r.error).toEqual(['hidsmon.yaml: tls: unknown key "chain"; tls takes cert and key (PEM files).', "hidsmon.yaml: tls.key: the path of the private key's PEM file (unencrypted, mode 600)."]);
  });
});

describe('tls files, checked with the rest of the configuration', () => {
  const pair = (name: string): { cert: string; key: string } => {
    const cert = join(tmp, `${name}-cert.pem`);
    const key = join(tmp, `${name}-key.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    return { cert, key };
  };
  const a = pair('a');
  const b = pair('b');
  const problems = (yaml: string): string => {
    const file = join(tmp, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    try {
      serverConfigFromCommandLine('server', { config: file, data: join(tmp, 'data') }, {});
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  it('good files pass', () => {
    expect(problems(`tls: {cert: ${a.cert}, key: ${a.key}}`)).toBe('');
  });

  it('a missing certificate and a bad port are both listed', () => {
    const message = problems(`port: 99999\ntls: {cert: ${join(tmp, 'missing.pem')}, key: ${a.key}}`);
    expect(message).toContain('The configuration has problems:');
    expect(message).toContain('"99999" is not a TCP port');
    expect(message).toContain(`tls.cert: ${join(tmp, 'missing.pem')} does not exist.`);
  });

  it('an unreadable certificate (a directory) and a key that is not PEM', () => {
    const directory = join(tmp, 'a-directory.pem');
    mkdirSync(directory, { recursive: true });
    const notPem = join(tmp, 'not-a-key.pem');
    writeFileSync(notPem, 'hello\n');
    const message = problems(`tls: {cert: ${directory}, key: ${notPem}}`);
    expect(message).toContain(`tls.cert: ${directory} is a directory; name the PEM file.`);
    expect(message).toContain(`tls.key: ${notPem} is not a PEM private key`);
  });

  it('a key that is not the certificate\'s, and a certificate that is not PEM', () => {
    expect(problems(`tls: {cert: ${a.cert}, key: ${b.key}}`)).toContain(`tls.key: ${b.key} is not the key of the certificate ${a.cert} (their public keys differ)`);
    expect(problems(`tls: {cert: ${a.key}, key: ${a.key}}`)).toContain(`tls.cert: ${a.key} is not a PEM certificate`);
  });

  it('an encrypted key is refused with how to decrypt it', () => {
    const encrypted = join(tmp, 'encrypted-key.pem');
    execFileSync('openssl', ['pkey', '-in', a.key, '-out', encrypted, '-aes256', '-passout', 'pass:secret-pass'], { stdio: 'ignore' });
    expect(problems(`tls: {cert: ${a.cert}, key: ${encrypted}}`)).toContain(`tls.key: ${encrypted} is encrypted; hidsmon takes an unencrypted key`);
  });
});

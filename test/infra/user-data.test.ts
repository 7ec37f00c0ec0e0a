/**
 * The hosts' boot script, run where it can be here: bash parses all of it, and its signature check
 * (verify_release, cut from the script itself) runs with this machine's gpg against keys and
 * signatures made for the test: only a good signature by the pinned fingerprint passes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/artifacts.js';
import { hostUserData, USER_DATA_VARIABLES } from '../../infra/lib/user-data.js';

const script = hostUserData({ agentUnit: readFileSync(`${REPO_ROOT}packaging/hidsmon-agent.service`, 'utf8') });
const rendered = USER_DATA_VARIABLES.reduce((text, name) => text.replaceAll(`\${${name}}`, `value-of-${name.replace('::', '-')}`), script);
const verifyRelease = (() => {
  const start = script.indexOf('# BEGIN verify_release');
  const end = script.indexOf('# END verify_release');
  if (start < 0 || end < start) throw new Error('the script has no verify_release block');
  return script.slice(start, end);
})();

const dir = mkdtempSync(join(tmpdir(), 'hidsmon-userdata-'));
const gpgHome = join(dir, 'signer');
let trusted: string; // fingerprint of the key the script is told to accept
let other: string; // fingerprint of another key in the same key file

function gpg(...args: string[]): string {
  return execFileSync('gpg', ['--homedir', gpgHome, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8', timeout: 60_000 });
}
function newKey(uid: string): string {
  gpg('--quick-gen-key', uid, 'ed25519', 'sign', 'never');
  const listing = gpg('--with-colons', '--fingerprint', uid);
  return /^fpr:+([0-9A-F]{40}):/m.exec(listing)![1]!;
}
function verify(file: string, signature: string, keyFile: string, fingerprint: string): { status: number | null; stderr: string } {
  const run = spawnSync('bash', ['-c', `set -Eeuo pipefail\n${verifyRelease}\nverify_release "$@"`, 'verify', file, signature, keyFile, fingerprint], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr };
}

beforeAll(() => {
  execFileSync('mkdir', ['-m', '0700', gpgHome]);
  trusted = newKey('OSSEC test archive key <trusted@example.test>');
  other = newKey('Someone else <other@example.test>');
  writeFileSync(join(dir, 'release.tar.gz'), 'the release');
  gpg('--local-user', trusted, '--armor', '--output', join(dir, 'release.tar.gz.asc'), '--detach-sign', join(dir, 'release.tar.gz'));
  gpg('--local-user', other, '--armor', '--output', join(dir, 'by-other.asc'), '--detach-sign', join(dir, 'release.tar.gz'));
  writeFileSync(join(dir, 'tampered.tar.gz'), 'the release, changed');
  // The key file holds both keys, as a key file fetched from a compromised site could.
  writeFileSync(join(dir, 'keys.asc'), gpg('--armor', '--export', trusted, other));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the hosts\' boot script', () => {
  it('is valid bash from start to end', () => {
    const run = spawnSync('bash', ['-n'], { input: rendered, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('accepts a good signature by the pinned key', () => {
    expect(verify(join(dir, 'release.tar.gz'), join(dir, 'release.tar.gz.asc'), join(dir, 'keys.asc'), trusted).status).toBe(0);
  });

  it('refuses a changed file, a signature by another key from the same key file, and a missing signature', () => {
    const tampered = verify(join(dir, 'tampered.tar.gz'), join(dir, 'release.tar.gz.asc'), join(dir, 'keys.asc'), trusted);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain(`no good signature by ${trusted}`);
    expect(verify(join(dir, 'release.tar.gz'), join(dir, 'by-other.asc'), join(dir, 'keys.asc'), trusted).status).toBe(1);
    expect(verify(join(dir, 'release.tar.gz'), join(dir, 'absent.asc'), join(dir, 'keys.asc'), trusted).status).toBe(1);
    // And a fingerprint that is not the signer's, even when the signature itself is good.
    expect(verify(join(dir, 'release.tar.gz'), join(dir, 'release.tar.gz.asc'), join(dir, 'keys.asc'), other).status).toBe(1);
  });
});

/** @module Tests for placeholder and short secret refusals: the README's examples, AWS's documented keys, through config validation too. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';
import { GENERATE_HINT, MIN_API_TOKEN_LENGTH, MIN_SECRET_LENGTH, weakSecretReason } from './secret-strength.js';

describe('weakSecretReason', () => {
  it("refuses the README's own examples and AWS's documented example keys", () => {
    expect(weakSecretReason('change-me-to-a-long-secret', 'secret access key')).toMatch(/placeholder or a documentation example \(it contains "changeme"\)/);
    expect(weakSecretReason('change-me-to-a-long-token', 'API token')).toMatch(/placeholder/);
    expect(weakSecretReason('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'secret access key')).toMatch(/"example"/);
    expect(weakSecretReason('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'secret access key')).toMatch(/"example"/);
    expect(weakSecretReason('AKIAIOSFODNN7EXAMPLE', 'access key id')).toMatch(/"example"/);
    expect(weakSecretReason('AKIAEXAMPLEKEY000001', 'access key id')).toMatch(/"example"/);
  });

  it('refuses placeholders however they are spelt', () => {
    for (const value of ['CHANGE_ME_PLEASE_0123456789', 'Change Me 0123456789 abcdefgh', 'my-placeholder-token-0123456789', 'place-holder-0123456789abcdef', 'replace-me-with-a-real-one-123', 'your_secret_here_0123456789', 'hunter2-password-0123456789']) {
      expect(weakSecretReason(value, 'API token'), value).toMatch(/placeholder/);
    }
  });

  it(`refuses secrets shorter than ${MIN_SECRET_LENGTH} and API tokens shorter than ${MIN_API_TOKEN_LENGTH} characters`, () => {
    expect(weakSecretReason('Zk4qT9vRm2Xc7Lp5Wn8', 'secret access key')).toBe('is 19 characters long; a secret access key needs at least 20');
    expect(weakSecretReason('Zk4qT9vRm2Xc7Lp5Wn8B', 'secret access key')).toBeUndefined();
    expect(weakSecretReason('Zk4qT9vRm2Xc7Lp5Wn8Bh3J', 'API token')).toBe('is 23 characters long; an API token needs at least 24');
    expect(weakSecretReason('Zk4qT9vRm2Xc7Lp5Wn8Bh3Jy', 'API token')).toBeUndefined();
    // Characters, not UTF-16 units or bytes.
    expect(weakSecretReason('🔑'.repeat(10), 'secret access key')).toMatch(/is 10 characters long/);
  });

  it('refuses long secrets made of a handful of characters', () => {
    expect(weakSecretReason('a'.repeat(64), 'secret access key')).toMatch(/repeats too few characters \(1 different\)/);
    expect(weakSecretReason('abab'.repeat(10), 'API token')).toMatch(/\(2 different\)/);
  });

  it('accepts what hidsmon and openssl generate', () => {
    for (let i = 0; i < 200; i++) {
      expect(weakSecretReason(randomBytes(30).toString('base64url'), 'secret access key')).toBeUndefined();
      expect(weakSecretReason(randomBytes(30).toString('base64'), 'API token')).toBeUndefined();
    }
  });
});

describe('config validation refuses weak secrets', () => {
  const load = (text: string, env: Record<string, string> = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, defaultDataDir: '/tmp/x' });

  it("refuses the README's example configuration, naming the setting and how to generate a good one, never echoing the secret", () => {
    const result = load('access_keys:\n  - { id: AKIAEXAMPLEKEY000001, secret: change-me-to-a-long-secret }\napi_tokens: [change-me-to-a-long-token]\n');
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.error;
    expect(problems).toEqual([
      expect.stringMatching(/^hidsmon\.yaml: access_keys: access key id "AKIAEXAMPLEKEY000001" looks like a placeholder/),
      expect.stringMatching(/^hidsmon\.yaml: access_keys: the secret of access key AKIAEXAMPLEKEY000001 looks like a placeholder/),
      expect.stringMatching(/^hidsmon\.yaml: api_tokens: API token looks like a placeholder/),
    ]);
    for (const problem of problems) {
      expect(problem).toContain(GENERATE_HINT);
      expect(problem).not.toContain('change-me-to-a-long');
    }
  });

  it('refuses short secrets from the environment, naming the variable', () => {
    const result = load('', { HIDSMON_ACCESS_KEY_ID: 'AKIAHIDSMONENVTEST01', HIDSMON_SECRET_ACCESS_KEY: 'short-Zk4qT9', HIDSMON_API_TOKEN: 'Zk4qT9vRm2Xc7Lp5' });
    expect(result.ok ? [] : result.error).toEqual([
      `$HIDSMON_SECRET_ACCESS_KEY: the secret of access key AKIAHIDSMONENVTEST01 is 12 characters long; a secret access key needs at least 20. ${GENERATE_HINT}`,
      `$HIDSMON_API_TOKEN: API token is 16 characters long; an API token needs at least 24. ${GENERATE_HINT}`,
    ]);
  });

  it('accepts long random secrets', () => {
    const secret = randomBytes(30).toString('base64url');
    const token = randomBytes(24).toString('base64url');
    const result = load(`access_keys:\n  - { id: AKIAHIDSMONYAMLKEY01, secret: "${secret}" }\napi_tokens: ["${token}"]\n`);
    expect(result).toMatchObject({ ok: true, value: { accessKeys: [{ id: 'AKIAHIDSMONYAMLKEY01', secret }], apiTokens: [token] } });
  });
});

import { describe, expect, it } from 'vitest';
import { awsEndpointAuth } from '../sinks/opensearch/connection.js';
import { awsEndpoint } from './opensearch-config.js';
import { loadServerConfig, type ConfigSources } from './server-config.js';

const load = (text: string, env: Record<string, string | undefined> = {}, flags: ConfigSources['flags'] = {}) => loadServerConfig({ file: { name: 'hidsmon.yaml', text }, env, flags, defaultDataDir: '/tmp/x' });
const problems = (result: ReturnType<typeof load>): string => (result.ok ? '' : result.error.join('\n'));

describe('backend and opensearch in hidsmon.yaml', () => {
  it('default to the embedded backend with no OpenSearch', () => {
    const config = load('port: 5601');
    expect(config.ok && config.value.backend).toBe('embedded');
    expect(config.ok && config.value.openSearch).toBeUndefined();
  });

  it('read the section, with the blog index prefix by default', () => {
    const config = load('backend: opensearch\nopensearch:\n  url: http://127.0.0.1:9200/\n  max_bulk_bytes: 1048576\n  retention_days: 7\n');
    expect(config.ok && config.value).toMatchObject({ backend: 'opensearch', openSearch: { url: 'http://127.0.0.1:9200', indexPrefix: 'cwl-', maxBulkBytes: 1_048_576, retentionDays: 7 } });
  });

  it('let flags override the environment, and the environment the file', () => {
    const text = 'backend: embedded\nopensearch:\n  url: http://file:9200\n';
    const env = { HIDSMON_BACKEND: 'opensearch', HIDSMON_OPENSEARCH_URL: 'http://env:9200' };
    expect(load(text, env)).toMatchObject({ ok: true, value: { backend: 'opensearch', openSearch: { url: 'http://env:9200' } } });
    expect(load(text, env, { openSearchUrl: 'https://flag:9200', backend: 'embedded' })).toMatchObject({ ok: true, value: { backend: 'embedded', openSearch: { url: 'https://flag:9200' } } });
  });

  it('refuse the opensearch backend without a URL, saying where to set one', () => {
    const missing = load('backend: opensearch\n');
    expect(missing.ok).toBe(false);
    expect(problems(missing)).toMatch(/hidsmon\.yaml: backend: the opensearch backend needs the cluster's URL: set opensearch\.url in hidsmon\.yaml, \$HIDSMON_OPENSEARCH_URL or --opensearch-url/);
    expect(problems(load('', {}, { backend: 'opensearch' }))).toMatch(/^--backend: the opensearch backend needs/);
    expect(problems(load('backend: elastic\n'))).toMatch(/"elastic" is not a backend; use embedded .* or opensearch/);
  });

  it('refuse malformed URLs, and never echo one holding a password', () => {
    for (const url of ['localhost:9200', 'ftp://host:21', 'not a url', 'http://host:9200/?x=1']) {
      expect(problems(load('', {}, { backend: 'opensearch', openSearchUrl: url })), url).toMatch(/^--opensearch-url: .*(not a URL|not an http|query or fragment)/);
    }
    const secret = load('', { HIDSMON_OPENSEARCH_URL: 'https://admin:s3cret-pw@host:9200' });
    expect(problems(secret)).toMatch(/^\$HIDSMON_OPENSEARCH_URL: the URL holds a user name or password/);
    expect(problems(secret)).not.toContain('s3cret-pw');
  });

  it('read auth: basic from the environment, sigv4 from the endpoint name', () => {
    const basic = load('opensearch:\n  url: https://h:9200\n  auth: {type: basic, username: hidsmon}\n', { HIDSMON_OPENSEARCH_PASSWORD: 'pw-from-env' });
    expect(basic.ok && basic.value.openSearch?.auth).toEqual({ kind: 'basic', username: 'hidsmon', password: 'pw-from-env' });
    expect(problems(load('opensearch:\n  url: https://h:9200\n  auth: basic\n'))).toMatch(/opensearch\.auth\.username/);
    const aoss = load('opensearch:\n  url: https://abc.eu-west-1.aoss.amazonaws.com\n  auth: sigv4\n');
    expect(aoss.ok && aoss.value.openSearch?.auth).toEqual({ kind: 'sigv4', service: 'aoss', region: 'eu-west-1' });
    const es = load('opensearch:\n  url: https://h:9200\n  auth: {type: sigv4, region: us-west-2}\n');
    expect(es.ok && es.value.openSearch?.auth).toEqual({ kind: 'sigv4', service: 'es', region: 'us-west-2' });
    expect(problems(load('opensearch:\n  url: https://h:9200\n  auth: kerberos\n'))).toMatch(/opensearch\.auth: none, basic .* or sigv4/);
  });

  it('name each wrong setting', () => {
    const text = 'opensearch:\n  url: http://h:9200\n  index_prefix: CWL\n  max_bulk_bytes: 10\n  shards: 3\n  retention_days: -1\n';
    const listed = problems(load(text));
    expect(listed).toMatch(/opensearch\.index_prefix: "CWL" is not an index name prefix/);
    expect(listed).toMatch(/opensearch\.max_bulk_bytes: a whole number/);
    expect(listed).toMatch(/opensearch\.shards: unknown setting/);
    expect(listed).toMatch(/opensearch\.retention_days: a whole number of days/);
    expect(problems(load('opensearch: 5\n'))).toMatch(/opensearch: a mapping/);
    expect(problems(load('opensearch:\n  index_prefix: x-\n'))).toMatch(/opensearch\.index_prefix: set without opensearch\.url/);
  });
});

describe('reading AWS endpoint names', () => {
  it('agrees with the connection module', () => {
    for (const url of ['https://search-hids-abc.eu-west-1.es.amazonaws.com', 'https://x1.us-east-1.aoss.amazonaws.com', 'https://search-y.cn-north-1.es.amazonaws.com.cn', 'https://localhost:9200', 'https://es.amazonaws.com.evil.example']) {
      const ours = awsEndpoint(new URL(url).hostname);
      const theirs = awsEndpointAuth(url);
      expect(ours ? { kind: 'sigv4', ...ours } : undefined, url).toEqual(theirs);
    }
  });
});

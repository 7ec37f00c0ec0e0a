import { describe, expect, it } from 'vitest';
import { AGENT_DEFAULTS, loadAgentConfig } from './config.js';

const load = (text: string) => loadAgentConfig({ name: 'agent.yaml', text });

describe('agent config', () => {
  it('fills the defaults: stream {instance_id}, buffer 1 s, start of file, AWS default credential chain', () => {
    const result = load('inputs: [/var/ossec/logs/alerts/alerts.json]\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      inputs: [{ path: '/var/ossec/logs/alerts/alerts.json', format: 'auto' }],
      logGroup: 'hids-alerts',
      logStream: '{instance_id}',
      endpoint: { kind: 'aws', region: 'us-east-1' },
      bufferDurationMs: 1000,
      startPosition: 'start',
      heartbeatIntervalSeconds: 60,
    });
    expect(result.value.credentials).toBeUndefined();
    expect(AGENT_DEFAULTS.bufferDurationMs).toBe(1000);
  });

  it('takes a hidsmon URL with a CA file, static keys and every setting', () => {
    const result = load(`
inputs:
  - {path: "/var/ossec/logs/alerts/alerts.log", format: alerts-log}
  - /var/ossec/logs/alerts/*/*/ossec-alerts-*.json
log_group: hids/prod
log_stream: "{hostname}/{instance_id}"
endpoint: https://hidsmon.example:5601/
region: eu-west-1
ca_file: /etc/hidsmon/ca.pem
credentials: {access_key_id: AKIAEXAMPLE1234567, secret_access_key: s3cret}
state_dir: /tmp/x
start_position: end
buffer_duration_ms: 5000
spool_max_bytes: 10485760
heartbeat_interval_seconds: 0
instance_id_fallback: fail
`);
    expect(result.ok && result.value).toMatchObject({
      inputs: [{ format: 'alerts-log' }, { format: 'auto' }],
      endpoint: { kind: 'url', url: 'https://hidsmon.example:5601', region: 'eu-west-1' },
      caFile: '/etc/hidsmon/ca.pem',
      credentials: { accessKeyId: 'AKIAEXAMPLE1234567', secretAccessKey: 's3cret' },
      startPosition: 'end',
      bufferDurationMs: 5000,
      instanceIdFallback: 'fail',
    });
  });

  it('lists every problem at once, each naming its setting', () => {
    const result = load(`
inputs: [{path: a.json, format: xml}, 3]
log_group: "bad group"
log_stream: "{instance}-x"
endpoint: mars-1
credentials: {access_key_id: A}
start_position: middle
buffer_duration_ms: -1
instance_id_fallback: maybe
colour: red
`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.error.join('\n');
    for (const key of ['inputs[0].format', 'inputs[1]', 'log_group', 'log_stream', 'endpoint', 'credentials', 'start_position', 'buffer_duration_ms', 'instance_id_fallback', 'unknown setting "colour"']) {
      expect(text).toContain(key);
    }
    expect(result.error.length).toBeGreaterThanOrEqual(10);
  });

  it('needs inputs and refuses a file that is not a mapping or not YAML', () => {
    expect(load('log_group: x\n')).toMatchObject({ ok: false, error: [expect.stringContaining('inputs')] });
    expect(load('- a\n')).toMatchObject({ ok: false });
    expect(load('inputs: [\n')).toMatchObject({ ok: false, error: [expect.stringContaining('not valid YAML')] });
  });
});

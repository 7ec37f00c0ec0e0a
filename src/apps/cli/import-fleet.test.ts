import { globSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instanceIdOfPath } from './commands/import.js';
import { runCli } from '../../testing/cli-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-import-fleet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hidsmon import of a fleet archive', () => {
  it('runs the README\'s simulate → import → search steps and finds the blog\'s alerts', async () => {
    // The README's steps, with an hour of backfill instead of 24 (24 h at 20/s is 1 GB of alerts).
    const fleet = join(tmp, 'fleet');
    const data = join(tmp, 'data');
    const simulated = await runCli(['simulate', '--out', fleet, '--start', 'now-24h', '--duration', '1h', '--rate', '20', '--scenario', 'ssh-brute-force', '--quiet']);
    expect(simulated.code).toBe(0);
    const files = globSync(join(fleet, '*', 'alerts.json'));
    expect(files).toHaveLength(2);
    // No --log-stream: the stream comes from each file's <instance-id> directory.
    const imported = await runCli(['import', ...files, '--data', data, '--quiet']);
    expect(imported.code).toBe(0);
    const search = await runCli(['search', 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10', '--from', 'now-7d', '--json', '--size', '5', '--data', data]);
    expect(search.code).toBe(0);
    const docs = search.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d.document).toMatchObject({ '@log_stream': 'i-0e427a8594852eca2', srcip: '10.10.10.10', rule: { level: 6 } });
    // The other host's alerts are in its own stream, not under a host name.
    const other = files.map((f) => instanceIdOfPath(f)).find((id) => id !== 'i-0e427a8594852eca2')!;
    const count = await runCli(['search', `@log_stream: "${other}"`, '--from', 'now-7d', '--count', '--data', data]);
    expect(Number(count.stdout.trim())).toBeGreaterThan(0);
  }, 120_000);

  it('takes a stream only from a directory shaped like an instance id', () => {
    expect(instanceIdOfPath('/tmp/fleet/i-0e427a8594852eca2/alerts.json')).toBe('i-0e427a8594852eca2');
    expect(instanceIdOfPath('archive/i-1a2b3c4d/alerts.json')).toBe('i-1a2b3c4d');
    expect(instanceIdOfPath('/var/ossec/logs/alerts/alerts.json')).toBeUndefined();
    expect(instanceIdOfPath('i-0e427a8594852eca2.json')).toBeUndefined();
    expect(instanceIdOfPath('/x/i-0E427A8594852ECA2/alerts.json')).toBeUndefined();
    expect(instanceIdOfPath('/x/i-0e427a8594852eca/alerts.json')).toBeUndefined();
  });
});

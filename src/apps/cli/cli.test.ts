import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../testing/cli-harness.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test/fixtures');
const NOW = Date.UTC(2024, 2, 2, 15);
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (argv: string[], stdin = ''): Promise<CliRun> => runCli(argv, { stdin, now: () => NOW });

const lines = (text: string): unknown[] => text.trim().split('\n').map((l) => JSON.parse(l));

describe('hidsmon normalize', () => {
  it('writes a document per alert of a file, with the file name as stream', async () => {
    const { code, stdout } = await cli(['normalize', join(FIXTURES, 'samples/wazuh-issues.alerts.log'), '--log-group', 'g']);
    expect(code).toBe(0);
    const docs = lines(stdout) as Array<Record<string, unknown>>;
    expect(docs).toHaveLength(6);
    expect(docs[0]).toMatchObject({ '@log_group': 'g', '@log_stream': 'wazuh-issues.alerts.log', '@owner': 'local', '@timestamp': '2020-01-28T11:45:13.000Z', rule: { sidid: 510 } });
  });

  it('reads stdin, and writes a line that is not an alert as a flagged document', async () => {
    const { code, stdout } = await cli(['normalize'], 'hello world\n{"rule":{"level":3,"sidid":5502,"comment":"c"}}\n');
    expect(code).toBe(0);
    const docs = lines(stdout) as Array<Record<string, unknown>>;
    expect(docs[0]).toMatchObject({ '@message': 'hello world', '@log_stream': 'stdin', '@timestamp': new Date(NOW).toISOString(), hidsmon: { flags: ['not_an_alert'] } });
    expect(docs[1]).toMatchObject({ rule: { sidid: 5502, level: 3 }, hidsmon: { format: 'ossec-json' } });
  });

  it('says which file is missing', async () => {
    const { code, stderr } = await cli(['normalize', join(tmp, 'nope.json')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/nope\.json: no such file/);
  });
});

describe('hidsmon transform', () => {
  it('writes the golden documents for the golden subscription event', async () => {
    const { code, stdout } = await cli(['transform', join(FIXTURES, 'subscription/data-message.event.json')]);
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual(lines(readFileSync(join(FIXTURES, 'subscription/data-message.expected.ndjson'), 'utf8')));
  });

  it('accepts a decoded payload on stdin', async () => {
    const payload = readFileSync(join(FIXTURES, 'subscription/data-message.payload.json'), 'utf8');
    const { code, stdout } = await cli(['transform'], payload);
    expect(code).toBe(0);
    expect(lines(stdout)).toHaveLength(6);
  });

  it('says that a CONTROL_MESSAGE produced no documents, and exits 0', async () => {
    for (const file of ['control-message.event.json', 'control-message.payload.json']) {
      const { code, stdout, stderr } = await cli(['transform', join(FIXTURES, 'subscription', file)]);
      expect(code).toBe(0);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^hidsmon transform: a CONTROL_MESSAGE .* no documents\.\n$/);
    }
  });

  it('reports a corrupt delivery by its error code and exits 1', async () => {
    const { code, stderr, stdout } = await cli(['transform'], '{"awslogs":{"data":"@@@"}}');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^hidsmon transform: invalid_base64: /);
  });
});

describe('hidsmon simulate', () => {
  it('backfills the same files for the same seed', async () => {
    const args = ['--start', '2024-03-02T00:00:00Z', '--duration', '10m', '--rate', '5', '--seed', '3', '--quiet'];
    expect((await cli(['simulate', '--out', join(tmp, 'a'), ...args])).code).toBe(0);
    expect((await cli(['simulate', '--out', join(tmp, 'b'), ...args])).code).toBe(0);
    const hosts = readdirSync(join(tmp, 'a')).sort();
    expect(hosts).toHaveLength(2);
    expect(hosts).toContain('i-0e427a8594852eca2');
    for (const host of hosts) {
      const a = readFileSync(join(tmp, 'a', host, 'alerts.json'), 'utf8');
      expect(a).toBe(readFileSync(join(tmp, 'b', host, 'alerts.json'), 'utf8'));
      expect(a.length).toBeGreaterThan(10_000);
    }
  });

  it('stops at --count and writes the chosen format', async () => {
    const { code, stderr } = await cli(['simulate', '--out', join(tmp, 'c'), '--start', 'now-1h', '--count', '100', '--format', 'alerts-log', '--hosts', '3', '--scenario', 'port-scan']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/port-scan from 198\.51\.100\.\d+/);
    expect(stderr).toMatch(/wrote 100 alerts/);
    const records = readdirSync(join(tmp, 'c')).map((h) => readFileSync(join(tmp, 'c', h, 'alerts.log'), 'utf8').match(/^\*\* Alert /gm)!.length);
    expect(records.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('runs live and stops when its signal is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 700);
    const started = Date.now();
    const { code } = await runCli(['simulate', '--out', join(tmp, 'live'), '--rate', '50', '--quiet'], { signal: controller.signal });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    const written = readdirSync(join(tmp, 'live')).map((h) => readFileSync(join(tmp, 'live', h, 'alerts.json'), 'utf8').trim().split('\n').length);
    expect(written.reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
  });

  it.each([
    [[], /Missing --out DIR/],
    [['--out', 'x', '--rate', 'fast'], /--rate must be a positive number/],
    [['--out', 'x', '--scenario', 'ddos'], /Unknown scenario "ddos"; the scenarios are ssh-brute-force, port-scan/],
    [['--out', 'x', '--start', 'now-1h'], /needs --duration or --count/],
    [['--out', 'x', '--start', 'yesterday', '--count', '1'], /--start: "yesterday" is not a time/],
    [['--out', 'x', '--hosts', '0'], /--hosts must be a whole number of at least 1/],
    [['--out', 'x', '--format', 'xml'], /--format must be one of ossec-json, wazuh-json, alerts-log/],
    [['--out', 'x', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with exit 2 and a hint', async (argv, message) => {
    const { code, stderr } = await cli(['simulate', ...argv]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Run `hidsmon simulate --help` for usage/);
  });
});

describe('hidsmon', () => {
  it.each(['simulate', 'normalize', 'transform'])('%s --help prints usage and exits 0', async (command) => {
    const { code, stdout } = await cli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: hidsmon ${command}`));
  });

  it('names an unknown command and lists the real ones', async () => {
    const { code, stderr } = await cli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "frobnicate"[\s\S]*simulate/);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('takes %s for an unknown command, not a member of an object', async (name) => {
    const { code, stderr } = await cli([name]);
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown command "${name}"`);
  });
});

describe('the installed binary', () => {
  const bin = join(ROOT, 'bin/hidsmon.js');
  it('is built (npm test builds it first)', () => {
    expect(existsSync(join(ROOT, 'dist/src/apps/cli/main.js')), 'run `npm run build`').toBe(true);
  });

  it('pipes simulate into normalize, and survives a reader that stops early', () => {
    const out = join(tmp, 'bin');
    const sim = spawnSync(process.execPath, [bin, 'simulate', '--out', out, '--start', 'now-1h', '--count', '2000', '--quiet'], { encoding: 'utf8' });
    expect(sim.status).toBe(0);
    const file = join(out, 'i-0e427a8594852eca2', 'alerts.json');
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" normalize "${file}" | head -n 3`], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout.trim().split('\n')).toHaveLength(3);
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test/support/csv.js';
import { runCli, type CliRun } from '../../testing/cli-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-search-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const NOW = Date.UTC(2024, 2, 3);
const cli = (argv: string[]): Promise<CliRun> => runCli(argv, { now: () => NOW });
const RANGE = ['--from', '2024-03-01T00:00:00Z', '--data', data];

describe('hidsmon search --format csv|ndjson [--all]', () => {
  let total = 0;
  beforeAll(async () => {
    const fleet = join(tmp, 'fleet');
    expect((await cli(['simulate', '--out', fleet, '--start', '2024-03-02T00:00:00Z', '--duration', '4h', '--rate', '1', '--quiet'])).code).toBe(0);
    const files = readdirSync(fleet).map((host) => join(fleet, host, 'alerts.json'));
    expect((await cli(['import', ...files, '--data', data, '--quiet'])).code).toBe(0);
    total = Number((await cli(['search', '', '--count', ...RANGE])).stdout.trim());
    expect(total).toBeGreaterThan(10_000);
  }, 120_000);

  it('writes every matching alert as CSV with --all (past 10,000), in the sort asked, progress on stderr', async () => {
    const run = await cli(['search', '', '--format', 'csv', '--all', '--columns', '@timestamp,rule.level,srcip', '--sort', 'rule.level:desc', ...RANGE]);
    expect(run.code, run.stderr).toBe(0);
    const records = parseCsv(run.stdout);
    expect(records[0]).toEqual(['@timestamp', 'rule.level', 'srcip']);
    expect(records).toHaveLength(total + 1);
    const levels = records.slice(1).map((r) => Number(r[1]));
    expect(levels).toEqual([...levels].sort((a, b) => b - a));
    expect(run.stderr).toContain(`${total.toLocaleString('en-US')} alerts exported as CSV`);
  }, 60_000);

  it('writes --size rows without --all, NDJSON as whole documents, and refuses a text sort or an unknown format', async () => {
    const some = await cli(['search', 'rule.level:>=5', '--format', 'ndjson', '--size', '7', ...RANGE]);
    expect(some.code, some.stderr).toBe(0);
    const docs = some.stdout.trim().split('\n').map((l) => JSON.parse(l) as { _source: { rule: { level: number } } });
    expect(docs).toHaveLength(7);
    expect(docs.every((d) => d._source.rule.level >= 5)).toBe(true);
    const text = await cli(['search', '', '--format', 'csv', '--sort', 'full_log', ...RANGE]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/full_log\.keyword/);
    expect((await cli(['search', '', '--format', 'xlsx', ...RANGE])).code).toBe(2);
    expect((await cli(['search', '', '--all', ...RANGE])).stderr).toMatch(/--format/);
  });
});

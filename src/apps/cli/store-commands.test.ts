import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../testing/cli-harness.js';

const FIXTURES = new URL('../../../test/fixtures/samples/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-store-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const NOW = Date.UTC(2024, 2, 3);

const cli = (argv: string[]): Promise<CliRun> => runCli(argv, { now: () => NOW });

describe('hidsmon import, search, indices', () => {
  it('imports every sample file, and importing again adds nothing', async () => {
    const files = readdirSync(FIXTURES).filter((f) => !f.endsWith('.md')).map((f) => join(FIXTURES, f));
    const first = await cli(['import', ...files, '--data', data, '--quiet']);
    expect(first.code).toBe(0);
    // 55 records, of which 5 are the same alerts (same host and alert id) in alerts.log and alerts.json.
    expect(first.stderr).toMatch(/50 new, 5 already indexed from 11 file\(s\)/);
    const again = await cli(['import', ...files, '--data', data, '--quiet']);
    expect(again.stderr).toMatch(/0 new, 55 already indexed/);
  });

  it('takes a query that begins with a dash (NOT) as the query, first or after the options', async () => {
    const everything = Number((await cli(['search', '', '--from', '2000-01-01', '--count', '--data', data])).stdout.trim());
    const withSrcip = Number((await cli(['search', '_exists_:srcip', '--from', '2000-01-01', '--count', '--data', data])).stdout.trim());
    expect(withSrcip).toBeGreaterThan(0);
    expect(withSrcip).toBeLessThan(everything);
    for (const argv of [
      ['search', '-_exists_:srcip', '--size', '2', '--from', '2000-01-01', '--json', '--data', data],
      ['search', '--size', '2', '--from', '2000-01-01', '-_exists_:srcip', '--json', '--data', data],
    ]) {
      const found = await cli(argv);
      expect(found.code, found.stderr).toBe(0);
      const docs = found.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(docs).toHaveLength(2);
      for (const d of docs) expect(d.document.srcip).toBeUndefined();
    }
    const count = await cli(['search', '-_exists_:srcip', '--from', '2000-01-01', '--count', '--data', data]);
    expect(Number(count.stdout.trim())).toBe(everything - withSrcip);
    // A word that could be short options is still one, and an unknown one is still named.
    expect((await cli(['search', '-x', '--data', data])).stderr).toMatch(/Unknown option '-x'/);
  });

  it('imports a simulated fleet and finds the blog\'s query in it', async () => {
    const fleet = join(tmp, 'fleet');
    expect((await cli(['simulate', '--out', fleet, '--start', '2024-03-02T00:00:00Z', '--duration', '6h', '--rate', '2', '--quiet'])).code).toBe(0);
    const file = join(fleet, 'i-0e427a8594852eca2', 'alerts.json');
    const imported = await cli(['import', file, '--data', data, '--log-stream', 'i-0e427a8594852eca2', '--quiet']);
    expect(imported.code).toBe(0);
    const count = await cli(['search', 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10', '--from', '2024-03-02', '--to', '2024-03-02', '--count', '--data', data]);
    expect(count.code).toBe(0);
    expect(Number(count.stdout.trim())).toBeGreaterThan(3);
    const json = await cli(['search', 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10', '--from', '2024-03-02', '--to', '2024-03-02', '--json', '--size', '3', '--data', data]);
    const docs = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(docs).toHaveLength(3);
    for (const d of docs) expect(d.document).toMatchObject({ '@log_stream': 'i-0e427a8594852eca2', srcip: '10.10.10.10', rule: { level: 6 } });
    expect(Date.parse(docs[0].document['@timestamp'])).toBeGreaterThanOrEqual(Date.parse(docs[1].document['@timestamp']));
  });

  it('prints a table for people and the totals on stderr', async () => {
    const table = await cli(['search', 'rule.sidid:5402', '--from', '2024-03-02', '--to', '2024-03-02', '--size', '5', '--data', data]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^time\s+level\s+rule\s+srcip\s+stream\s+description/);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/5402.*Successful sudo to ROOT executed/);
    expect(table.stderr).toMatch(/^5 of [\d,]+ alerts from 2024-03-02T00:00:00.000Z to 2024-03-02T23:59:59.999Z, newest first\.$/m);
  });

  it('shows a syntax error at its position with a hint, and exits 2', async () => {
    const result = await cli(['search', 'rule.level:(6', '--data', data]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Syntax error: .*\n  rule\.level:\(6\n {2}\s*\^\nHint: /);
  });

  it('lists, deletes and expires daily indices', async () => {
    const list = await cli(['indices', '--json', '--data', data]);
    const indices = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(indices.map((i) => i.name)).toContain('cwl-2024.03.02');
    expect(indices.find((i) => i.name === 'cwl-2017.11.11')).toMatchObject({ documents: 9 });
    expect((await cli(['indices', '--delete', 'cwl-2017.11.11', '--data', data])).code).toBe(0);
    expect((await cli(['indices', '--delete', 'cwl-2017.11.11', '--data', data])).code).toBe(1);
    const expired = await cli(['indices', '--older-than', '30', '--data', data]);
    expect(expired.stderr).toMatch(/deleted \d+ index\(es\): cwl-2006\.07\.05/);
    const table = await cli(['indices', '--data', data]);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^index\s+alerts\s+size$/);
    expect(rows[0]).toMatch(/^cwl-2024\.03\.02\s+[\d,]+\s+[\d.]+ (KiB|MiB)$/);
    // Within 30 days of now (2024-03-03), or in its future (two Wazuh samples are dated 2026).
    for (const row of rows) expect(row.slice(4, 14) >= '2024.02.02').toBe(true);
  });

  it('says what to do when there is no index', async () => {
    const result = await cli(['search', '', '--data', join(tmp, 'empty')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/There is no index in .*empty\. Import alerts first/);
  });
});

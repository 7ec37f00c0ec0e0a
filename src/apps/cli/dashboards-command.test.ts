import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDashboardsImportServer, type DashboardsImportServer } from '../../../test/support/dashboards-import-server.js';
import { DASHBOARD_ID, INDEX_PATTERN_ID, dashboardSavedObjects } from '../../dashboards/saved-objects.js';
import { runCli } from '../../testing/cli-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-dashboards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const COUNT = dashboardSavedObjects().length;

describe('hidsmon dashboards export', () => {
  it('prints one saved object per line, then the export summary', async () => {
    const { code, stdout } = await runCli(['dashboards', 'export']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(COUNT + 1);
    expect(lines.slice(0, -1).map((o) => o['type'])).toEqual(['index-pattern', 'search', ...Array(COUNT - 3).fill('visualization'), 'dashboard']);
    expect(lines[0]).toMatchObject({ id: INDEX_PATTERN_ID, attributes: { title: 'cwl-*', timeFieldName: '@timestamp' }, references: [] });
    expect(lines.at(-1)).toEqual({ exportedCount: COUNT, missingRefCount: 0, missingReferences: [] });
  });

  it('takes the index pattern and the dashboard title', async () => {
    const { code, stdout } = await runCli(['dashboards', 'export', '--index-pattern', 'wazuh-alerts-*', '--title', 'Fleet']);
    expect(code).toBe(0);
    const objects = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; attributes: Record<string, unknown> });
    expect(objects.find((o) => o.type === 'index-pattern')?.attributes['title']).toBe('wazuh-alerts-*');
    expect(objects.find((o) => o.type === 'dashboard')?.attributes['title']).toBe('Fleet');
  });

  it('refuses a bad index pattern, an unknown subcommand and import options, as usage errors', async () => {
    for (const argv of [['export', '--index-pattern', 'cwl-* ,x'], ['export', '--index-pattern', ''], ['publish'], [], ['export', '--url', 'http://x'], ['export', '--title', ' ']]) {
      const { code, stderr } = await runCli(['dashboards', ...argv]);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr, argv.join(' ')).toMatch(/hidsmon dashboards: .+\nRun `hidsmon dashboards --help`/);
    }
  });

  it('has --help, and is listed in the main help', async () => {
    const help = await runCli(['dashboards', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: hidsmon dashboards export/);
    expect(help.stdout).toMatch(/--overwrite/);
    expect((await runCli(['--help'])).stdout).toMatch(/\n {2}dashboards +OpenSearch Dashboards saved objects/);
  });
});

describe('hidsmon dashboards import', () => {
  let osd: DashboardsImportServer;
  beforeEach(async () => {
    osd = await startDashboardsImportServer();
  });
  afterEach(async () => {
    await osd.close();
  });

  it('posts the objects as Dashboards\' import route takes them, and all are created', async () => {
    const { code, stdout, stderr } = await runCli(['dashboards', 'import', '--url', osd.url]);
    expect(stderr).toBe(`hidsmon dashboards: imported ${COUNT} saved objects into ${osd.url}\n`);
    expect(code).toBe(0);
    expect(stdout).toBe(`successCount: ${COUNT}\n`);
    expect(osd.requests).toHaveLength(1);
    const request = osd.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/api/saved_objects/_import', query: {}, fileName: 'hidsmon-dashboards.ndjson' });
    expect(request.headers['osd-xsrf']).toBe('true');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect([...osd.objects.keys()].sort()).toEqual(dashboardSavedObjects().map((o) => `${o.type}:${o.id}`).sort());
    expect(osd.objects.get(`dashboard:${DASHBOARD_ID}`)?.attributes).toEqual(dashboardSavedObjects().at(-1)?.attributes);
  });

  it('reports conflicts with a previous import and exits 1; --overwrite replaces them', async () => {
    expect((await runCli(['dashboards', 'import', '--url', osd.url])).code).toBe(0);
    const again = await runCli(['dashboards', 'import', '--url', osd.url]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(new RegExp(`^successCount: 0\nerrors: ${COUNT}\n`));
    expect(again.stderr).toMatch(/dashboard "HIDS Alerts" \(hidsmon-hids-alerts\) already exists; run again with --overwrite to replace it\./);
    expect(again.stderr).toMatch(new RegExp(`${COUNT} object\\(s\\) not imported`));
    const replaced = await runCli(['dashboards', 'import', '--url', osd.url, '--overwrite', '--title', 'Renamed']);
    expect(replaced.code).toBe(0);
    expect(osd.requests.at(-1)?.query).toEqual({ overwrite: 'true' });
    expect(osd.objects.get(`dashboard:${DASHBOARD_ID}`)?.attributes['title']).toBe('Renamed');
  });

  it('says which references are missing when a file refers to objects Dashboards does not have', async () => {
    // The awslabs file's defect: a visualization pointing at an index pattern that is nowhere.
    const objects = dashboardSavedObjects().filter((o) => o.type !== 'index-pattern');
    const file = join(tmp, 'broken.ndjson');
    writeFileSync(file, objects.map((o) => JSON.stringify(o)).join('\n'));
    const { code, stderr } = await runCli(['dashboards', 'import', '--url', osd.url, '--file', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/visualization "HIDS: Top 10 source IPs" \(hidsmon-top-source-ips\) refers to objects that are neither in the file nor in Dashboards: index-pattern hidsmon-index-pattern\./);
    // Objects whose references resolve (the dashboard refers to visualizations, which import does not check) are created.
    expect(osd.objects.has(`dashboard:${DASHBOARD_ID}`)).toBe(true);
    expect(osd.objects.has('visualization:hidsmon-top-source-ips')).toBe(false);
  });

  it('keeps credentials out of the URL and sends them as Basic authorization', async () => {
    const url = new URL(osd.url);
    url.username = 'admin';
    url.password = 'p@ss:word';
    const { code, stderr } = await runCli(['dashboards', 'import', '--url', `${url.href}_dashboards/`]);
    expect(code).toBe(1); // this stand-in serves no /_dashboards prefix: the path is kept
    expect(osd.requests[0]?.path).toBe('/_dashboards/api/saved_objects/_import');
    expect(osd.requests[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('admin:p@ss:word').toString('base64')}`);
    expect(stderr).not.toMatch(/p@ss|p%40ss/);
    expect(stderr).toMatch(/Dashboards answered HTTP 404: Not Found\. Is --url the Dashboards address/);
  });

  it('fails clearly on a refusal, an answer that is not an import result, and an unreachable address', async () => {
    osd.failWith(401, { statusCode: 401, error: 'Unauthorized', message: 'Authentication required' });
    const refused = await runCli(['dashboards', 'import', '--url', osd.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^hidsmon dashboards: Dashboards answered HTTP 401: Authentication required\. Give credentials in the URL/);

    osd.failWith(200, { name: 'node-1', cluster_name: 'opensearch', version: { number: '2.19.6' } });
    const notDashboards = await runCli(['dashboards', 'import', '--url', osd.url]);
    expect(notDashboards.code).toBe(1);
    expect(notDashboards.stderr).toMatch(/not a saved objects import result/);

    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const gone = await runCli(['dashboards', 'import', '--url', `http://127.0.0.1:${port}`]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`hidsmon dashboards: Cannot reach Dashboards at http://127.0.0.1:${port}: ECONNREFUSED.\n`);
  });

  it('needs --url, a usable one', async () => {
    for (const argv of [[], ['--url', 'not a url'], ['--url', 'ftp://host'], ['--url', `${osd.url}/?x=1`], ['--url', osd.url, '--file', 'f', '--title', 't']]) {
      const { code, stderr } = await runCli(['dashboards', 'import', ...argv]);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr, argv.join(' ')).toMatch(/Run `hidsmon dashboards --help`/);
    }
    expect(osd.requests).toHaveLength(0);
  });
});

/**
 * A production install: the packed package installed with `--omit=dev` runs `hidsmon` with its
 * runtime dependencies alone (no TypeScript, Vite or test tools), as a user's server would.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-install-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a production install', () => {
  it('installs from the packed package without dev dependencies and runs the CLI', async () => {
    if (!existsSync(join(root, 'dist/src/apps/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    // `npm test` has just built dist/; packing without prepack keeps a second build from racing the other suites.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: root });
    const tarball = join(tmp, packed.stdout.trim().split('\n').pop()!);
    const app = join(tmp, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'hidsmon-install-check', private: true }));
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, maxBuffer: 16 << 20 });

    const installed = readdirSync(join(app, 'node_modules'));
    expect(installed).toContain('hidsmon');
    for (const devOnly of ['typescript', 'vite', 'vitest', 'tsx', 'react']) expect(installed).not.toContain(devOnly);
    const bin = join(app, 'node_modules/.bin/hidsmon');

    const help = await run(process.execPath, [bin, '--help']);
    expect(help.stdout).toMatch(/^  server /m);
    const line = readFileSync(join(root, 'test/fixtures/samples/ossec-docs.jsonl'), 'utf8').split('\n')[0]!;
    const normalized = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [bin, 'normalize'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin!.end(`${line}\n`);
    });
    const document = JSON.parse(normalized.trim().split('\n')[0]!);
    expect(typeof document.rule.level).toBe('number');
    // The packed UI is served by a production install too.
    expect(existsSync(join(app, 'node_modules/hidsmon/dist/web/index.html'))).toBe(true);
  }, 180_000);
});

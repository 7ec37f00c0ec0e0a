/**
 * The README's command examples (between its readme-commands markers) run as written, in their
 * order, in an empty directory: each line is given to bash with `hidsmon` on the PATH (this
 * checkout's CLI), and must exit 0. A line that needs what a later one makes, an option that no
 * longer exists or a query the CLI misreads (`-_exists_:srcip`) fails here with its output.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The lines of the README's block between the markers, without the fence. */
export function readmeCommands(readme: string): string[] {
  const start = readme.indexOf('<!-- readme-commands:start -->');
  const end = readme.indexOf('<!-- readme-commands:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no readme-commands block');
  return readme
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('hidsmon ') || l.startsWith('echo '));
}

describe("the README's commands", () => {
  it('run as written, in order, in an empty directory', { timeout: 240_000 }, () => {
    const lines = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const bin = join(tmp, 'bin');
    const cwd = join(tmp, 'work');
    mkdirSync(bin);
    mkdirSync(cwd);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    writeFileSync(join(bin, 'hidsmon'), `#!/bin/sh\nexec "${process.execPath}" --import ${tsx} "${join(ROOT, 'src/testing/cli-entry.ts')}" "$@"\n`);
    chmodSync(join(bin, 'hidsmon'), 0o755);
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HOME: tmp };
    const outputs: Record<string, { stdout: string; stderr: string }> = {};
    for (const line of lines) {
      const ran = spawnSync('bash', ['-o', 'pipefail', '-c', line], { cwd, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
      expect(ran.status, `${line}\n${ran.stderr}${ran.error ? String(ran.error) : ''}`).toBe(0);
      outputs[line] = { stdout: ran.stdout, stderr: ran.stderr };
    }
    const out = (prefix: string): { stdout: string; stderr: string } => outputs[lines.find((l) => l.startsWith(prefix))!]!;
    // The blog's query finds the blog's host; the NOT query shows alerts without a source address.
    expect(out('hidsmon search \'rule.level').stdout).toContain('i-0e427a8594852eca2');
    expect(out('hidsmon search \'-_exists_').stderr).toMatch(/^2 of [\d,]+ alerts/m);
    expect(out('echo').stderr).toContain('no documents');
    expect(out('hidsmon normalize').stdout.trim().split('\n')).toHaveLength(2);
    expect(existsSync(join(cwd, 'hids.ndjson'))).toBe(true);
    expect(out('hidsmon keys list').stdout).toMatch(/api-token\s+viewer/);
  });
});

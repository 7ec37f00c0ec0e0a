/**
 * The committed template (a fresh synthesis: stack.test.ts) through two independent validators:
 * cfn-lint finds no error, and every check checkov fails is listed in the README with its reason.
 * Both come from scripts/ensure-cfn-tools.sh (part of `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/artifacts.js';
import { COMMITTED_TEMPLATE } from '../../infra/lib/synth.js';

const TEMPLATE = `${REPO_ROOT}${COMMITTED_TEMPLATE}`;
const CHECKOV = `${REPO_ROOT}.cache/checkov-venv/bin/checkov`;
const README_SECTION = '#### Checks checkov fails, and why';

/** The check ids listed in the README's table under README_SECTION (up to the next heading). */
function acceptedChecks(readme: string): Set<string> {
  const start = readme.indexOf(README_SECTION);
  if (start < 0) throw new Error(`README.md has no "${README_SECTION}" section`);
  const rest = readme.slice(start + README_SECTION.length);
  const end = rest.search(/\n#{1,4} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return new Set([...section.matchAll(/^\| `?(CKV2?_AWS_\d+)`? \|[^|\n]*\|\s*\S[^\n]*\|/gm)].map((m) => m[1] as string));
}

describe('cfn-lint', () => {
  it('finds no error in the committed template', () => {
    const run = spawnSync('cfn-lint', ['--format', 'json', TEMPLATE], { encoding: 'utf8', timeout: 120_000 });
    if (run.error) throw new Error(`cfn-lint did not run (${run.error.message}): bash scripts/ensure-cfn-tools.sh`);
    const findings = JSON.parse(run.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string }>;
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
    // Warnings are not failures, but there are none today either: keep it so.
    expect(findings.map((f) => `${f.Level} ${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  });
});

describe('checkov', () => {
  it('fails no check that the README does not list with its reason', () => {
    if (!existsSync(CHECKOV)) throw new Error(`${CHECKOV} is missing: run bash scripts/ensure-cfn-tools.sh`);
    // Offline (no guideline download, no call home). checkov exits 1 when a check fails: read its report either way.
    const run = spawnSync(CHECKOV, ['-f', TEMPLATE, '--framework', 'cloudformation', '--skip-download', '--quiet', '-o', 'json'], {
      encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' },
    });
    if (run.error) throw new Error(`checkov did not run (${run.error.message}): bash scripts/ensure-cfn-tools.sh`);
    const report = JSON.parse(run.stdout) as { summary?: { passed: number; failed: number }; results?: { failed_checks?: Array<{ check_id: string; resource: string; check_name: string }> } };
    expect(report.summary?.passed, run.stderr).toBeGreaterThan(30);
    const accepted = acceptedChecks(readFileSync(`${REPO_ROOT}README.md`, 'utf8'));
    const failed = report.results?.failed_checks ?? [];
    expect(failed.filter((f) => !accepted.has(f.check_id)).map((f) => `${f.check_id} ${f.resource}: ${f.check_name}`)).toEqual([]);
    // The README lists no check that now passes (a fixed one leaves the list).
    expect([...accepted].filter((id) => !failed.some((f) => f.check_id === id))).toEqual([]);
  }, 200_000);
});

/** Rules from YAML: the pack's format, problems with line and column (a query error at its character), and files that are skipped, not fatal. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRules } from './pack.js';
import { loadRuleFiles, saveRuleFile } from './rule-files.js';
import { parseRulesYaml, ruleToYaml, validateRule } from './rule-yaml.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rules as YAML', () => {
  it('reads the built-in pack, one rule of each kind, and writes each back as the same rule', () => {
    const rules = builtinRules();
    expect(new Set(rules.map((r) => r.rule.condition.kind))).toEqual(new Set(['threshold', 'spread', 'new_term', 'silent_host']));
    for (const r of rules) {
      const again = validateRule(ruleToYaml(r.rule));
      expect(again.ok && again.value.rule).toEqual(r.rule);
    }
  });

  it('points at the line and column of each problem, and at the character of a query syntax error', () => {
    const text = ['id: bad', 'name: Bad', 'severity: urgent', "query: 'rule.level:(5 OR'", 'condition:', '  kind: threshold', '  count: 0', '  window: 5 minutes', '  colour: red', ''].join('\n');
    const parsed = parseRulesYaml(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const by = Object.fromEntries(parsed.error.map((p) => [p.path, p]));
    expect(by['severity']).toMatchObject({ line: 3, column: 11 });
    expect(by['query']?.line).toBe(4);
    // Inside the quoted query (which starts at column 9), where the parser found the problem.
    expect(by['query']?.column).toBeGreaterThan(9 + 'rule.level:('.length);
    expect(by['query']?.column).toBeLessThanOrEqual(9 + 'rule.level:(5 OR'.length + 1);
    expect(by['condition.count']).toMatchObject({ line: 7, column: 10 });
    expect(by['condition.window']?.message).toMatch(/duration/);
    expect(by['condition.colour']).toMatchObject({ line: 9 });
  });

  it('refuses what a rule cannot evaluate in memory, and YAML that is not YAML', () => {
    const regexp = validateRule({ id: 'r', name: 'r', query: 'full_log:/ssh.*/', condition: { kind: 'threshold', count: 2, window: '1m' } });
    expect(!regexp.ok && regexp.error[0]?.message).toMatch(/regular expressions/);
    const yaml = parseRulesYaml('id: [unclosed\nname: x');
    expect(!yaml.ok && yaml.error[0]?.line).toBeGreaterThan(0);
    const aliases = parseRulesYaml('a: &a [1]\nb: *a\n');
    expect(aliases.ok).toBe(false);
  });

  it('loads a rules directory: good files in, a bad file reported with its place and skipped, a duplicate id skipped', () => {
    const dir = join(tmp, 'rules');
    const [first] = builtinRules();
    saveRuleFile(dir, { ...(first as (typeof builtinRules extends () => Array<infer R> ? R : never)).rule, id: 'my-rule' });
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken\nname: Broken\nquery: x\ncondition:\n  kind: spread\n  hosts: 1\n  window: 1m\n  group_by: [srcip]\n');
    writeFileSync(join(dir, 'zz-dupe.yaml'), ruleToYaml({ ...(first as { rule: Parameters<typeof ruleToYaml>[0] }).rule, id: 'my-rule' }));
    writeFileSync(join(dir, 'notes.txt'), 'not a rule');
    const loaded = loadRuleFiles(dir);
    expect(loaded.rules.map((r) => [r.file, r.compiled.rule.id])).toEqual([['my-rule.yaml', 'my-rule']]);
    expect(loaded.problems.map((p) => [p.file, p.path, p.line])).toEqual([
      ['broken.yaml', 'condition.hosts', 6],
      ['zz-dupe.yaml', 'id', 1],
    ]);
    expect(loadRuleFiles(join(tmp, 'none'))).toEqual({ rules: [], problems: [] });
  });
});

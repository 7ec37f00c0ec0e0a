/**
 * @module Rules under `<data>/rules/*.yaml`: read at start (a bad file is reported with its line and
 * column, and skipped; it never stops the server), and written there when the API adds a rule
 * (temp file + rename, so that a crash leaves the old file or the new one).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledRule, Rule } from './rules.js';
import { parseRulesYaml, ruleToYaml, type LocatedProblem } from './rule-yaml.js';

/** A rules file larger than this is refused (a rule is a few hundred bytes). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

export interface RuleFileProblem extends LocatedProblem {
  file: string;
}

export interface LoadedRuleFiles {
  rules: Array<{ compiled: CompiledRule; file: string }>;
  problems: RuleFileProblem[];
}

export function loadRuleFiles(dir: string): LoadedRuleFiles {
  const rules: LoadedRuleFiles['rules'] = [];
  const problems: RuleFileProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { rules, problems };
    return { rules, problems: [{ file: dir, message: `The rules directory cannot be read: ${(e as Error).message}`, path: '', line: 0, column: 0 }] };
  }
  const seen = new Map<string, string>();
  for (const file of names) {
    let text: string;
    try {
      const bytes = readFileSync(join(dir, file));
      if (bytes.length > MAX_RULE_FILE_BYTES) {
        problems.push({ file, message: `The file has ${bytes.length} bytes; a rules file has at most ${MAX_RULE_FILE_BYTES}.`, path: '', line: 1, column: 1 });
        continue;
      }
      text = bytes.toString('utf8');
    } catch (e) {
      problems.push({ file, message: `The file cannot be read: ${(e as Error).message}`, path: '', line: 0, column: 0 });
      continue;
    }
    const parsed = parseRulesYaml(text);
    if (!parsed.ok) {
      problems.push(...parsed.error.map((p) => ({ file, ...p })));
      continue;
    }
    for (const compiled of parsed.value) {
      const other = seen.get(compiled.rule.id);
      if (other !== undefined) {
        problems.push({ file, message: `Rule id ${compiled.rule.id} is also in ${other}; this one is skipped.`, path: 'id', line: 1, column: 1 });
        continue;
      }
      seen.set(compiled.rule.id, file);
      rules.push({ compiled, file });
    }
  }
  return { rules, problems };
}

/** The file an API-added rule is kept in. */
export function ruleFileName(id: string): string {
  return `${id}.yaml`;
}

/** Writes one rule as `<id>.yaml`, atomically. */
export function saveRuleFile(dir: string, rule: Rule): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = ruleFileName(rule.id);
  writeAtomically(join(dir, file), ruleToYaml(rule));
  return file;
}

export function removeRuleFile(dir: string, file: string): void {
  rmSync(join(dir, file), { force: true });
}

/** temp file, fsync, rename: a reader sees the old content or the new, never a part. */
export function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/**
 * The Rules section of the Detections page in Chromium against a real server: built-in, file and
 * API rules listed with their source, state and query; an admin validates a YAML with a mistake
 * and sees its line and column (in the list and marked in the gutter), fixes it, adds it, sees it
 * listed and deletes it (confirmed); a file rule's hostile name is text and makes no element; a
 * viewer sees the table without the form or Delete; axe-core finds no serious or critical violation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_SETTINGS } from '../../src/detect/detect-config.js';
import { screenshot, seriousViolations, startFixture, TOKEN, type Fixture } from './harness.js';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
let fx: Fixture;
let rulesDir: string;

beforeAll(async () => {
  rulesDir = mkdtempSync(join(tmpdir(), 'hidsmon-ui-rules-dir-'));
  mkdirSync(rulesDir, { recursive: true });
  // A file rule an operator put there; its name is what an attacker with write access to it would put.
  writeFileSync(
    join(rulesDir, 'hostile.yaml'),
    ['id: ops.hostile-name', `name: '${HOSTILE_NAME}'`, 'severity: high', "query: 'rule.sidid:5716'", 'condition:', '  kind: threshold', '  count: 3', '  window: 5m', ''].join('\n'),
  );
  writeFileSync(join(rulesDir, 'off.yaml'), ['id: ops.switched-off', 'name: Switched off', 'severity: low', 'enabled: false', "query: 'rule.sidid:5402'", 'condition:', '  kind: threshold', '  count: 3', '  window: 5m', ''].join('\n'));
  fx = await startFixture('rules', {}, 'embedded', { detections: { ...DEFAULT_DETECTION_SETTINGS, rulesDir } });
}, 180_000);

afterAll(async () => {
  await fx?.close();
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  expect(fx?.pageErrors ?? []).toEqual([]);
});

async function apiRules(): Promise<Array<{ rule: { id: string }; source: string }>> {
  const response = await fetch(`${fx.server.url}/api/rules`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { rules: Array<{ rule: { id: string }; source: string }> }).rules;
}

const row = (page: Page, id: string) => page.locator(`[data-testid="rule-row"][data-id="${id}"]`);

describe('the Rules section of the Detections page', () => {
  it('an admin validates a rule with a mistake (line and column), fixes it, adds it, sees it listed and deletes it', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/detections`);
    await page.waitForSelector('[data-testid="rules-section"][data-ready="true"]');
    // Built-in and file rules, with their source; none of them can be deleted.
    const builtin = (await apiRules()).find((r) => r.source === 'builtin');
    expect(builtin).toBeDefined();
    expect(await row(page, builtin!.rule.id).getByTestId('rule-source').textContent()).toBe('Built-in');
    expect(await row(page, builtin!.rule.id).getByTestId('rule-state').textContent()).toBe('enabled');
    expect(await row(page, 'ops.hostile-name').getByTestId('rule-source').textContent()).toBe('File');
    expect(await row(page, 'ops.hostile-name').getByTestId('rule-query').textContent()).toBe('rule.sidid:5716');
    expect(await row(page, 'ops.switched-off').getByTestId('rule-state').textContent()).toBe('disabled');
    expect(await page.getByTestId('rule-delete').count()).toBe(0);

    // The form starts from an example that validates.
    const yaml = page.getByTestId('rule-yaml');
    expect(await yaml.inputValue()).toContain('kind: threshold');
    const good = ['id: team.ui-burst', 'name: Sudo burst from the UI', 'severity: low', "query: 'rule.sidid:5402'", 'condition:', '  kind: threshold', '  count: 5', '  window: 10m', ''].join('\n');
    // Line 4: the query has an unclosed parenthesis.
    await yaml.fill(good.replace("'rule.sidid:5402'", "'rule.sidid:(5402'"));
    await page.getByTestId('rule-validate').click();
    const problem = page.getByTestId('rule-problem').first();
    await problem.waitFor();
    expect(await problem.getAttribute('data-line')).toBe('4');
    const column = Number(await problem.getAttribute('data-column'));
    expect(column).toBeGreaterThan(8);
    expect(await problem.getByTestId('rule-problem-position').textContent()).toBe(`Line 4, column ${column}`);
    expect(await yaml.getAttribute('aria-invalid')).toBe('true');
    // Marked next to the textarea: the gutter's line 4.
    expect(await page.locator('[data-testid="rule-gutter"] [data-problem="true"]').allTextContents()).toEqual(['! 4']);
    await page.getByTestId('rules-section').scrollIntoViewIfNeeded();
    await screenshot(page, 'rules-problems-1280x800');
    // The position is a button (keyboard): it puts the caret on the problem in the textarea.
    await problem.getByTestId('rule-problem-position').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('rule-yaml');
    const caret = (await page.evaluate("document.getElementById('rule-yaml').selectionStart")) as number;
    const text = await yaml.inputValue();
    expect(text.slice(0, caret).split('\n').length).toBe(4);
    // Add refuses it too, with the same positions; nothing is added.
    await page.getByTestId('rule-add').click();
    await expect.poll(() => page.getByTestId('rule-problem').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await apiRules()).some((r) => r.rule.id === 'team.ui-burst')).toBe(false);

    // Fixed: valid, then added and listed as an API rule.
    await yaml.fill(good);
    await page.getByTestId('rule-validate').click();
    await expect.poll(() => page.getByTestId('rule-verdict').textContent(), { timeout: 15_000 }).toBe('Valid: rule team.ui-burst.');
    expect(await page.locator('[data-testid="rule-gutter"] [data-problem="true"]').count()).toBe(0);
    await page.getByTestId('rule-add').click();
    await expect.poll(() => page.getByTestId('rule-verdict').textContent(), { timeout: 15_000 }).toBe('Added rule team.ui-burst.');
    const added = row(page, 'team.ui-burst');
    await added.waitFor();
    expect(await added.getByTestId('rule-name').textContent()).toBe('Sudo burst from the UI');
    expect(await added.getByTestId('rule-source').textContent()).toBe('API');
    expect((await apiRules()).find((r) => r.rule.id === 'team.ui-burst')?.source).toBe('api');

    // Delete asks first; Escape cancels, then Enter on the focused confirm deletes.
    await added.getByTestId('rule-delete').click();
    await added.getByTestId('rule-delete-confirm').waitFor();
    expect(await page.evaluate("document.activeElement?.getAttribute('data-testid')")).toBe('rule-delete-confirm');
    await page.keyboard.press('Escape');
    await added.getByTestId('rule-delete').waitFor();
    expect((await apiRules()).some((r) => r.rule.id === 'team.ui-burst')).toBe(true);
    await added.getByTestId('rule-delete').click();
    await added.getByTestId('rule-delete-confirm').waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(() => row(page, 'team.ui-burst').count(), { timeout: 15_000 }).toBe(0);
    expect((await apiRules()).some((r) => r.rule.id === 'team.ui-burst')).toBe(false);
    await fx.server.audit.flushed();
    const audited = await fx.server.audit.search({ limit: 50, actors: [], actions: ['rules:Add', 'rules:Delete'], outcomes: [], resources: [] });
    expect(audited.entries.map((e) => [e.action, e.resource, e.outcome])).toEqual([
      ['rules:Delete', 'team.ui-burst', 'allowed'],
      ['rules:Add', 'team.ui-burst', 'allowed'],
      ['rules:Add', '-', 'failed'],
    ]);
  });

  it('a rule name holding HTML is shown as text and makes no element', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/detections`);
    await page.waitForSelector('[data-testid="rules-section"][data-ready="true"]');
    expect(await row(page, 'ops.hostile-name').getByTestId('rule-name').textContent()).toBe(HOSTILE_NAME);
    expect(await page.locator('[data-testid="rules-table"] img').count()).toBe(0);
  });

  it('a viewer sees the rules but no form and no Delete', { timeout: 120_000 }, async () => {
    // An API rule exists, so that a Delete button would have something to show on.
    const response = await fetch(`${fx.server.url}/api/rules`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ yaml: ['id: team.viewer-sees', 'name: Seen by a viewer', 'severity: low', "query: 'rule.sidid:5402'", 'condition:', '  kind: threshold', '  count: 5', '  window: 10m'].join('\n') }),
    });
    expect(response.status).toBe(201);
    const { page } = await fx.signedIn(undefined, 'viewer');
    await page.goto(`${fx.server.url}/detections`);
    await page.waitForSelector('[data-testid="rules-section"][data-ready="true"]');
    await row(page, 'team.viewer-sees').waitFor();
    expect(await row(page, 'ops.hostile-name').count()).toBe(1);
    expect(await page.locator('[data-testid="rule-form"], [data-testid="rule-delete"], [data-testid="rule-yaml"], [data-testid="rule-validate"], [data-testid="rule-add"]').count()).toBe(0);
  });

  it('axe-core finds no serious or critical violation, with problems shown and a delete confirmation open', { timeout: 120_000 }, async () => {
    // axe is injected as a script: this context lets it past the page's CSP (script-src 'self').
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.goto(fx.server.newLoginUrl('admin'));
      await page.waitForSelector('.app');
      await page.goto(`${fx.server.url}/detections`);
      await page.waitForSelector('[data-testid="rules-section"][data-ready="true"]');
      await page.getByTestId('rule-yaml').fill('id: x\nname: y\nseverity: loud\n');
      await page.getByTestId('rule-validate').click();
      await page.getByTestId('rule-problem').first().waitFor();
      await page.getByTestId('rule-delete').first().click();
      await page.getByTestId('rule-delete-confirm').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

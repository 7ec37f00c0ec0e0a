/**
 * @module One way to build the stack for every caller (`cdk deploy`, the committed template, the
 * tests): the same app context, synthesizer and stack name, so that what is tested is what deploys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ArtifactSource } from './artifacts.js';
import { HidsStack, type HidsStackProps } from './hids-stack.js';

export const STACK_NAME = 'HidsmonStack';
export const COMMITTED_TEMPLATE = 'deploy/hids-stack.template.json';
export const REGENERATE_COMMAND = 'npm run infra:template';

/** No per-machine paths, versions or hashes in the template: no path metadata, no version report. */
const DETERMINISTIC_CONTEXT = {
  'aws:cdk:enable-path-metadata': false,
  'aws:cdk:version-reporting': false,
  'aws:cdk:enable-asset-metadata': false,
};

export function buildApp(options: { artifacts: ArtifactSource; outdir?: string } & Omit<HidsStackProps, 'artifacts'>): { app: App; stack: HidsStack } {
  const { outdir, ...stackProps } = options;
  const app = new App({ context: DETERMINISTIC_CONTEXT, ...(outdir ? { outdir } : {}) });
  const stack = new HidsStack(app, STACK_NAME, {
    ...stackProps,
    analyticsReporting: false,
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  return { app, stack };
}

/** The template as JSON, synthesized in a temporary directory that is removed afterwards. */
export function synthesizeTemplate(options: { artifacts: ArtifactSource } & Omit<HidsStackProps, 'artifacts'> = { artifacts: 'parameters' }): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), 'hidsmon-cdk-'));
  try {
    const { stack } = buildApp({ ...options, outdir });
    return Template.fromStack(stack).toJSON();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The committed file's exact text for a template. */
export function templateText(template: Record<string, unknown>): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

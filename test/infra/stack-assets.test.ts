/**
 * The stack as `npx cdk deploy` builds it (synthesized once): the function's code is dist/lambda.zip
 * and the hosts' agent is dist/agent/hidsmon-agent.mjs, both uploaded as assets. Builds them when
 * missing, or fails saying how.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, LAMBDA_ZIP, REPO_ROOT } from '../../infra/lib/artifacts.js';
import { synthesizeTemplate } from '../../infra/lib/synth.js';

for (const [path, script] of [[LAMBDA_ZIP, 'build:lambda'], [AGENT_BUNDLE, 'build:agent']] as const) {
  if (existsSync(path)) continue;
  const scripts = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  if (!scripts[script]) throw new Error(`${path} is missing and package.json has no "${script}" script to build it`);
  execFileSync('npm', ['run', script, '--silent'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 120_000 });
}
const template = synthesizeTemplate({ artifacts: 'assets' });
const resources = template['Resources'] as Record<string, { Type: string; Properties: Record<string, any> }>;

describe('the stack with assets (npx cdk deploy)', () => {
  it('takes the function from the dist/lambda.zip asset, nodejs24.x, index.handler', () => {
    const fn = resources['HIDSLambdaConsumer']!.Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
    expect(fn['Code'].S3Bucket).toEqual({ 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' });
    expect(fn['Code'].S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  });

  it('lets the hosts read only the agent bundle\'s asset object', () => {
    const policy = resources['HIDSInstancePolicy']!.Properties['PolicyDocument'].Statement.find((s: { Sid?: string }) => s.Sid === 'AgentBundle');
    expect(policy.Action).toBe('s3:GetObject');
    expect(JSON.stringify(policy.Resource)).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.mjs"/);
    expect(Object.keys(template['Parameters'] ?? {})).not.toContain('ArtifactsBucket');
  });
});


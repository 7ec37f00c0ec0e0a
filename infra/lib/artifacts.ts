/**
 * @module Where the stack's two built files come from: the function's code (dist/lambda.zip) and the
 * agent bundle the hosts download (dist/agent/hidsmon-agent.mjs). `assets`: `cdk deploy` uploads
 * them to the bootstrap bucket. `parameters`: the committed template names a bucket and keys you
 * uploaded them to, so that it is the same on every machine whatever the build's bytes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aws, CfnParameter, Fn } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';

export type ArtifactSource = 'assets' | 'parameters';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAMBDA_ZIP = `${REPO_ROOT}dist/lambda.zip`;
export const AGENT_BUNDLE = `${REPO_ROOT}dist/agent/hidsmon-agent.mjs`;

export interface Artifacts {
  lambdaCode: lambda.Code;
  /** `s3://bucket/key` of the agent bundle, for the hosts' `aws s3 cp`. */
  agentBundleUrl: string;
  /** The one object the hosts may read. */
  agentBundleObjectArn: string;
}

export class ArtifactMissingError extends Error {
  readonly code = 'INFRA_ARTIFACT_MISSING';
}

export function stackArtifacts(scope: Construct, source: ArtifactSource): Artifacts {
  return source === 'assets' ? fromAssets(scope) : fromParameters(scope);
}

function fromAssets(scope: Construct): Artifacts {
  for (const [path, command] of [[LAMBDA_ZIP, 'npm run build:lambda'], [AGENT_BUNDLE, 'npm run build:agent']] as const) {
    if (!existsSync(path)) throw new ArtifactMissingError(`${path} is missing: run \`${command}\` first (\`npm run build\` makes both).`);
  }
  const agent = new s3assets.Asset(scope, 'AgentBundleAsset', { path: AGENT_BUNDLE });
  return {
    lambdaCode: lambda.Code.fromAsset(LAMBDA_ZIP),
    agentBundleUrl: agent.s3ObjectUrl,
    agentBundleObjectArn: `${agent.bucket.bucketArn}/${agent.s3ObjectKey}`,
  };
}

function fromParameters(scope: Construct): Artifacts {
  const bucket = new CfnParameter(scope, 'ArtifactsBucket', {
    type: 'String',
    description: 'The S3 bucket (in this region) holding the built function and agent: upload dist/lambda.zip and dist/agent/hidsmon-agent.mjs to it (README, "Deploy on AWS").',
    allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  });
  const lambdaKey = new CfnParameter(scope, 'LambdaCodeKey', {
    type: 'String',
    default: 'hidsmon/lambda.zip',
    description: 'The key of dist/lambda.zip in ArtifactsBucket.',
    minLength: 1,
  });
  const agentKey = new CfnParameter(scope, 'AgentBundleKey', {
    type: 'String',
    default: 'hidsmon/hidsmon-agent.mjs',
    description: 'The key of dist/agent/hidsmon-agent.mjs in ArtifactsBucket (used when AgentKind is hidsmon).',
    minLength: 1,
  });
  const bucketRef = s3.Bucket.fromBucketName(scope, 'ArtifactsBucketRef', bucket.valueAsString);
  return {
    lambdaCode: lambda.Code.fromBucket(bucketRef, lambdaKey.valueAsString),
    agentBundleUrl: Fn.join('', ['s3://', bucket.valueAsString, '/', agentKey.valueAsString]),
    agentBundleObjectArn: Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', bucket.valueAsString, '/', agentKey.valueAsString]),
  };
}

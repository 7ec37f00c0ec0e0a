/**
 * The committed template deployed into moto's CloudFormation (server mode, on loopback), then the
 * resources it made described with the AWS SDK v3 as a user would: hosts, roles, policies, security
 * group, log group, queues, function. moto cannot create some types (MOTO_UNSUPPORTED_TYPES are cut
 * out before the deploy; the others it skips are found after it and must be exactly the listed ones).
 */
import { readFileSync } from 'node:fs';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListStackResourcesCommand, type Output, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/artifacts.js';
import { COMMITTED_TEMPLATE } from '../../infra/lib/synth.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../src/testing/moto.js';
import { MOTO_SKIPPED_TYPES, MOTO_UNSUPPORTED_TYPES, templateForMoto } from './moto-template.js';

const REGION = 'us-east-1';
const STACK = 'HidsmonStack';
const BUCKET = 'hidsmon-artifacts';
const TRUSTED = '203.0.113.10/32';
const AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

let moto: MotoServer;
let config: { endpoint: string; region: string; credentials: typeof MOTO_CREDENTIALS; forcePathStyle: boolean };
let outputs: Record<string, string>;
let summaries: StackResourceSummary[];
let dropped: string[];
let subnetId: string;
let vpcId: string;
const vpcIdOf = () => vpcId;
const committed = JSON.parse(readFileSync(`${REPO_ROOT}${COMMITTED_TEMPLATE}`, 'utf8')) as { Resources: Record<string, { Type: string }> };
const physical = (logicalId: string): string => {
  const found = summaries.find((s) => s.LogicalResourceId === logicalId)?.PhysicalResourceId;
  if (!found) throw new Error(`moto has no ${logicalId}`);
  return found;
};

beforeAll(async () => {
  moto = await startMotoServer();
  config = { endpoint: moto.url, region: REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true };
  // The artifacts the template's parameters name: a zip for the function (moto reads it from S3).
  const s3 = new S3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hidsmon/lambda.zip', Body: emptyZip() }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hidsmon/hidsmon-agent.mjs', Body: '// agent' }));
  const ec2 = new EC2Client(config);
  vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
  subnetId = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets?.[0]?.SubnetId as string;
  const cut = templateForMoto(committed);
  dropped = cut.dropped;
  const cfn = new CloudFormationClient(config);
  await cfn.send(new CreateStackCommand({
    StackName: STACK,
    TemplateBody: JSON.stringify(cut.template),
    Capabilities: ['CAPABILITY_IAM'],
    Parameters: [
      { ParameterKey: 'VPCId', ParameterValue: vpcId },
      { ParameterKey: 'SubnetId', ParameterValue: subnetId },
      { ParameterKey: 'MyTrustedNetwork', ParameterValue: TRUSTED },
      { ParameterKey: 'ArtifactsBucket', ParameterValue: BUCKET },
    ],
  }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    if (stack && !stack.StackStatus?.endsWith('_IN_PROGRESS')) {
      if (stack.StackStatus !== 'CREATE_COMPLETE') throw new Error(`stack ${stack.StackStatus}: ${stack.StackStatusReason}`);
      outputs = Object.fromEntries((stack.Outputs ?? []).map((o: Output) => [o.OutputKey, o.OutputValue]));
      break;
    }
    if (Date.now() > deadline) throw new Error(`stack still ${stack?.StackStatus} after 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  summaries = (await cfn.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries ?? [];
}, 90_000);
afterAll(async () => {
  await moto?.stop();
});

describe('the template in moto\'s CloudFormation', () => {
  it('creates every resource of the types moto implements; the types it does not are exactly the listed ones', () => {
    expect(dropped).toEqual(Object.entries(committed.Resources).filter(([, r]) => (MOTO_UNSUPPORTED_TYPES as readonly string[]).includes(r.Type)).map(([id]) => id));
    const created = new Set(summaries.filter((s) => s.LogicalResourceId && s.ResourceStatus === 'CREATE_COMPLETE').map((s) => s.LogicalResourceId));
    // HIDSSshIngress has its condition false here (no KeyName), so nothing is expected of it.
    const expected = Object.entries(committed.Resources).filter(([id]) => id !== 'HIDSSshIngress' && !dropped.includes(id));
    const skipped = expected.filter(([id]) => !created.has(id)).map(([, r]) => r.Type);
    expect([...new Set(skipped)].sort()).toEqual([...MOTO_SKIPPED_TYPES].sort());
    expect(outputs['HIDSLinuxHost01']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(outputs['HIDSAlertsLogGroup']).toBe(`hids-alerts-${STACK}`);
  });

  it('runs two hosts of the AL2023 image from SSM, of HIDSInstanceSize, in the subnet, with the instance profile and the stack\'s user data', async () => {
    const ec2 = new EC2Client(config);
    const ami = (await new SSMClient(config).send(new GetParameterCommand({ Name: AMI_PARAMETER }))).Parameter?.Value;
    const ids = [physical('HIDSLinuxHost01'), physical('HIDSLinuxHost02')];
    const instances = ((await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations ?? []).flatMap((r) => r.Instances ?? []) as Instance[];
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      // MetadataOptions (IMDSv2) is one of MOTO_IGNORED_PROPERTIES: stack.test.ts asserts it on the template.
      expect(instance).toMatchObject({ ImageId: ami, InstanceType: 't3.micro', SubnetId: subnetId });
      expect(instance.NetworkInterfaces?.[0]?.SubnetId).toBe(subnetId);
      // The interface's GroupSet is one of MOTO_IGNORED_PROPERTIES (moto attaches the VPC's default group).
      expect(instance.NetworkInterfaces?.[0]?.Groups?.map((g) => g.GroupId)).not.toContain(undefined);
      expect(instance.IamInstanceProfile?.Arn).toContain(physical('HIDSInstanceProfile'));
      expect(instance.KeyName ?? '').toBe('');
      expect([outputs['HIDSLinuxHost01'], outputs['HIDSLinuxHost02']]).toContain(instance.PrivateIpAddress);
    }
    // The user data reached the host with the stack's values in place of its variables.
    const attribute = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: ids[0], Attribute: 'userData' }));
    const script = Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString('utf8');
    expect(script).toContain(`LOG_GROUP='hids-alerts-${STACK}'`);
    expect(script).toContain(`AGENT_BUNDLE='s3://${BUCKET}/hidsmon/hidsmon-agent.mjs'`);
    expect(script).toContain("RESOURCE='HIDSLinuxHost01'");
    expect(script).toContain("AGENT_KIND='hidsmon'");
    expect(script).not.toMatch(/\$\{[A-Za-z:]+\}/);
  });

  it('gives the security group no way in (without a key pair), in the VPC', async () => {
    const [group] = (await new EC2Client(config).send(new DescribeSecurityGroupsCommand({ GroupIds: [physical('HIDSSecurityGroup')] }))).SecurityGroups ?? [];
    expect(group?.IpPermissions ?? []).toEqual([]);
    expect(group?.VpcId).toBe(vpcIdOf());
    expect(group?.Tags).toContainEqual({ Key: 'Name', Value: 'hids-security-group' });
    // Its egress (HTTPS only) is one of MOTO_IGNORED_PROPERTIES: moto keeps the default allow-all.
  });

  it('lets the hosts\' role only create streams and put events in the alerts group, read the bundle, and use SSM', async () => {
    const iam = new IAMClient(config);
    const roleName = physical('HIDSInstanceRole');
    // ManagedPolicyArns (the SSM policy) is one of MOTO_IGNORED_PROPERTIES; the template test asserts it.
    const inline = await inlineStatements(iam, roleName);
    const account = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.Arn?.split(':')[4];
    expect(inline).toEqual([
      { Sid: 'CreateStreams', Effect: 'Allow', Action: 'logs:CreateLogStream', Resource: `arn:aws:logs:${REGION}:${account}:log-group:hids-alerts-${STACK}:*` },
      { Sid: 'PutEvents', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `arn:aws:logs:${REGION}:${account}:log-group:hids-alerts-${STACK}:log-stream:*` },
      { Sid: 'AgentBundle', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/hidsmon/hidsmon-agent.mjs` },
    ]);
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: physical('HIDSInstanceProfile') }));
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([roleName]);
  });

  it('keeps the alerts log group for 7 days', async () => {
    const groups = (await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `hids-alerts-${STACK}` }))).logGroups ?? [];
    expect(groups.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([[`hids-alerts-${STACK}`, 7]]);
  });

  it('makes the two dead-letter queues encrypted (SSE-SQS) and kept 14 days', async () => {
    const sqs = new SQSClient(config);
    for (const id of ['HIDSDeadLetters', 'HIDSFailedInvocations']) {
      const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: physical(id), AttributeNames: ['All'] }))).Attributes ?? {};
      expect(attributes).toMatchObject({ SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600' });
    }
  });

  it('runs the function on nodejs24.x from the artifacts bucket, with its role and environment (the dead-letter queue\'s URL); only the logs service of this group may invoke it', async () => {
    const lambda = new LambdaClient(config);
    const name = physical('HIDSLambdaConsumer');
    expect(outputs['HIDSLambdaConsumer']).toBe(name);
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const role = (await new IAMClient(config).send(new GetRoleCommand({ RoleName: physical('HIDSLambdaRole') }))).Role;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 512, Timeout: 300, Role: role?.Arn });
    // DeadLetterConfig is one of MOTO_IGNORED_PROPERTIES; the template test asserts it.
    expect(fn.Environment?.Variables).toMatchObject({ HIDSMON_OPENSEARCH_INDEX_PREFIX: 'cwl-', HIDSMON_OPENSEARCH_REPLICAS: '0', HIDSMON_DEAD_LETTER_QUEUE_URL: physical('HIDSDeadLetters') });
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: name }))).Policy ?? '{}') as { Statement: Array<Record<string, any>> };
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Principal: { Service: 'logs.amazonaws.com' } });
    expect(JSON.stringify(policy.Statement[0]!['Condition'])).toContain(`log-group:hids-alerts-${STACK}`);
  });

  it('lets the function\'s role write this domain only (POST/PUT), its own logs and its queues', async () => {
    const iam = new IAMClient(config);
    const statements = await inlineStatements(iam, physical('HIDSLambdaRole'));
    const domain = statements.find((s) => s['Sid'] === 'WriteThisDomain');
    expect(domain?.['Action']).toEqual(['es:ESHttpPost', 'es:ESHttpPut']);
    expect(domain?.['Resource']).toEqual([expect.stringMatching(/^arn:aws:es:us-east-1:\d{12}:domain\/hidsmon-alerts$/), expect.stringMatching(/^arn:aws:es:us-east-1:\d{12}:domain\/hidsmon-alerts\/\*$/)]);
    expect(statements.flatMap((s) => [s['Resource']].flat())).not.toContain('*');
  });
});

async function inlineStatements(iam: IAMClient, roleName: string): Promise<Array<Record<string, unknown>>> {
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const statements: Array<Record<string, unknown>> = [];
  for (const PolicyName of names) {
    const document = (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }))).PolicyDocument ?? '{}';
    statements.push(...(JSON.parse(decodeURIComponent(document)) as { Statement: Array<Record<string, unknown>> }).Statement);
  }
  return statements;
}

/** The smallest valid zip: its end-of-central-directory record (moto checks the code is a zip). */
function emptyZip(): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  return record;
}

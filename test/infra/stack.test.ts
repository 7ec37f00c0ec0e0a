/**
 * The CDK stack, synthesized once (artifacts as parameters, the committed form): every resource and
 * property the issue names, asserted on the template; and the committed template is that synthesis.
 */
import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/artifacts.js';
import { ENGINE_VERSION, TLS_POLICY } from '../../infra/lib/hids-stack.js';
import { COMMITTED_TEMPLATE, REGENERATE_COMMAND, synthesizeTemplate, templateText } from '../../infra/lib/synth.js';
import { OSSEC_SIGNING_KEY, OSSEC_VERSION, USER_DATA_VARIABLES } from '../../infra/lib/user-data.js';

const json = synthesizeTemplate({ artifacts: 'parameters' });
const template = Template.fromJSON(json);
type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; CreationPolicy?: unknown; Condition?: string };
const resources = json['Resources'] as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]![1];
};
const policyOf = (roleId: string) => Object.values(resources).find((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']) === JSON.stringify([{ Ref: roleId }]))!;
const domainArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':es:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':domain/', { Ref: 'DomainName' }]] };
const domainArnStar = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':es:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':domain/', { Ref: 'DomainName' }, '/*']] };

describe('the committed template', () => {
  it(`is a fresh synthesis (else run: ${REGENERATE_COMMAND})`, () => {
    const committed = readFileSync(`${REPO_ROOT}${COMMITTED_TEMPLATE}`, 'utf8');
    expect(committed === templateText(json), `${COMMITTED_TEMPLATE} is stale: run \`${REGENERATE_COMMAND}\` and commit it`).toBe(true);
  });

  it('names nothing of the machine that made it (no asset hashes, paths or CDK metadata)', () => {
    const text = templateText(json);
    expect(text).not.toContain(REPO_ROOT);
    expect(text).not.toMatch(/aws:cdk:|AWS::CDK::Metadata|BootstrapVersion|cdk-hnb659fds/);
  });
});

describe('parameters and outputs (the blog\'s)', () => {
  it('has the blog\'s parameters with its defaults, the key pair optional', () => {
    const p = json['Parameters'] as Record<string, any>;
    expect(p['HIDSInstanceSize']).toMatchObject({ Type: 'String', Default: 't3.micro' });
    expect(p['OpenSearchInstanceSize']).toMatchObject({ Type: 'String', Default: 't3.small.search' });
    expect(p['VPCId']).toMatchObject({ Type: 'AWS::EC2::VPC::Id' });
    expect(p['SubnetId']).toMatchObject({ Type: 'AWS::EC2::Subnet::Id' });
    expect(p['AssignPublicIP']).toMatchObject({ Type: 'String', Default: 'false', AllowedValues: ['true', 'false'] });
    expect(p['MyTrustedNetwork']).toMatchObject({ Type: 'String' });
    expect(p['MyTrustedNetwork'].Default).toBeUndefined();
    expect(new RegExp(p['MyTrustedNetwork'].AllowedPattern).test('203.0.113.10/32')).toBe(true);
    expect(new RegExp(p['MyTrustedNetwork'].AllowedPattern).test('0.0.0.0/0 ')).toBe(false);
    expect(p['KeyName']).toMatchObject({ Type: 'String', Default: '' });
    expect(p['AgentKind']).toMatchObject({ Default: 'hidsmon', AllowedValues: ['hidsmon', 'cloudwatch-agent'] });
    expect(p['LatestAmiId']).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' });
  });

  it('outputs the Dashboards URL, the hosts\' private IPs, the function and the security group', () => {
    template.hasOutput('HIDSESKibanaURL', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['HIDSOpenSearchDomain', 'DomainEndpoint'] }, '/_dashboards/']] } });
    template.hasOutput('HIDSLinuxHost01', { Value: { 'Fn::GetAtt': ['HIDSLinuxHost01', 'PrivateIp'] } });
    template.hasOutput('HIDSLinuxHost02', { Value: { 'Fn::GetAtt': ['HIDSLinuxHost02', 'PrivateIp'] } });
    template.hasOutput('HIDSLambdaConsumer', { Value: { Ref: 'HIDSLambdaConsumer' } });
    template.hasOutput('HIDSSecurityGroup', { Value: { 'Fn::GetAtt': ['HIDSSecurityGroup', 'GroupId'] } });
  });
});

describe('the test hosts', () => {
  const hosts = ofType('AWS::EC2::Instance');

  it('are two Amazon Linux 2023 instances with IMDSv2 required, encrypted disks, the SSM role, in SubnetId', () => {
    expect(hosts.map(([id]) => id)).toEqual(['HIDSLinuxHost01', 'HIDSLinuxHost02']);
    for (const [, host] of hosts) {
      expect(host.Properties).toMatchObject({
        ImageId: { Ref: 'LatestAmiId' },
        InstanceType: { Ref: 'HIDSInstanceSize' },
        IamInstanceProfile: { Ref: 'HIDSInstanceProfile' },
        KeyName: { 'Fn::If': ['HasKeyPair', { Ref: 'KeyName' }, { Ref: 'AWS::NoValue' }] },
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
        NetworkInterfaces: [{ DeviceIndex: '0', SubnetId: { Ref: 'SubnetId' }, GroupSet: [{ 'Fn::GetAtt': ['HIDSSecurityGroup', 'GroupId'] }], AssociatePublicIpAddress: { 'Fn::If': ['AssignPubIp', true, false] } }],
      });
      expect(host.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT25M' } });
    }
    template.hasCondition('AssignPubIp', { 'Fn::Equals': [{ Ref: 'AssignPublicIP' }, 'true'] });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
  });

  it('may only create streams and put events in the alerts log group (and read the agent bundle)', () => {
    const statements = policyOf('HIDSInstanceRole').Properties['PolicyDocument'].Statement;
    expect(statements).toEqual([
      { Sid: 'CreateStreams', Effect: 'Allow', Action: 'logs:CreateLogStream', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: 'HIDSAlerts' }, ':*']] } },
      { Sid: 'PutEvents', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: 'HIDSAlerts' }, ':log-stream:*']] } },
      { Sid: 'AgentBundle', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'ArtifactsBucket' }, '/', { Ref: 'AgentBundleKey' }]] } },
    ]);
  });

  it('have a security group with HTTPS out only, and SSH in from MyTrustedNetwork only when a key pair is given', () => {
    const sg = one('AWS::EC2::SecurityGroup');
    expect(sg.Properties['SecurityGroupIngress']).toBeUndefined();
    expect(sg.Properties['SecurityGroupEgress']).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' })]);
    const ssh = one('AWS::EC2::SecurityGroupIngress');
    expect(ssh).toMatchObject({ Condition: 'HasKeyPair', Properties: { FromPort: 22, ToPort: 22, CidrIp: { Ref: 'MyTrustedNetwork' } } });
  });

  it('boot a script that verifies OSSEC\'s signature by its key\'s fingerprint, installs the chosen agent following alerts.json and the generator timer', () => {
    const userData = hosts[0]![1].Properties['UserData']['Fn::Base64']['Fn::Sub'] as [string, Record<string, unknown>];
    const [script, vars] = userData;
    expect(Object.keys(vars).sort()).toEqual(['AgentBundleUrl', 'AgentKind', 'HostResource', 'LogGroupName']);
    expect(vars['LogGroupName']).toEqual({ Ref: 'HIDSAlerts' });
    expect(vars['HostResource']).toBe('HIDSLinuxHost01');
    expect(hosts[1]![1].Properties['UserData']['Fn::Base64']['Fn::Sub'][1]['HostResource']).toBe('HIDSLinuxHost02');
    // CloudFormation substitutes exactly the declared names; bash's variables never use ${...}.
    const subs = [...script.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
    expect(new Set(subs)).toEqual(new Set(USER_DATA_VARIABLES));
    expect(script).toContain('set -Eeuo pipefail');
    expect(script).toContain(`OSSEC_VERSION='${OSSEC_VERSION}'`);
    expect(script).toContain(OSSEC_SIGNING_KEY);
    // verify_release itself is run against real signatures in user-data.test.ts.
    expect(script).toContain('verify_release ossec.tar.gz ossec.tar.gz.asc ossec-key.asc "$OSSEC_SIGNING_KEY"\ntar xzf ossec.tar.gz\n');
    expect(script.indexOf('verify_release ossec.tar.gz')).toBeLessThan(script.indexOf('./install.sh'));
    expect(script).toContain('<jsonout_output>yes');
    expect(script).toContain('/var/ossec/logs/alerts/alerts.json');
    expect(script).toContain(readFileSync(`${REPO_ROOT}packaging/hidsmon-agent.service`, 'utf8').trimEnd());
    expect(script).toMatch(/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2/);
    expect(script).toMatch(/OnUnitActiveSec=7min/);
    expect(script).toContain('systemctl enable --now hidsmon-genalerts.timer');
    expect(script.trimEnd().endsWith('cfn-signal -e 0 --stack "$STACK" --resource "$RESOURCE" --region "$REGION"')).toBe(true);
    // EC2 takes at most 16 KB of user data before base64.
    expect(Buffer.byteLength(script)).toBeLessThan(16 * 1024);
  });
});

describe('the log group, the function and its subscription', () => {
  it('keeps the alerts for a week', () => {
    template.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: { 'Fn::Join': ['', ['hids-alerts-', { Ref: 'AWS::StackName' }]] }, RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
  });

  it('runs the forwarder from the built zip on a current Node.js runtime, with its dead letters', () => {
    const fn = resources['HIDSLambdaConsumer']!;
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Code: { S3Bucket: { Ref: 'ArtifactsBucket' }, S3Key: { Ref: 'LambdaCodeKey' } },
      Role: { 'Fn::GetAtt': ['HIDSLambdaRole', 'Arn'] },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['HIDSFailedInvocations', 'Arn'] } },
      LoggingConfig: { LogGroup: { Ref: 'HIDSLambdaLogs' }, LogFormat: 'JSON' },
      Environment: { Variables: {
        HIDSMON_OPENSEARCH_URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['HIDSOpenSearchDomain', 'DomainEndpoint'] }]] },
        HIDSMON_OPENSEARCH_INDEX_PREFIX: 'cwl-',
        HIDSMON_OPENSEARCH_REPLICAS: '0',
        HIDSMON_DEAD_LETTER_QUEUE_URL: { Ref: 'HIDSDeadLetters' },
      } },
    });
    expect(fn.DependsOn).toEqual(['HIDSLambdaPolicy']);
    // Lambda's own retries of a failed delivery (the handler fails only on what is still retryable), then the queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: 'HIDSLambdaConsumer' }, MaximumRetryAttempts: 2, Qualifier: '$LATEST' });
  });

  it('has encrypted SQS dead-letter queues that refuse plain HTTP', () => {
    for (const id of ['HIDSDeadLetters', 'HIDSFailedInvocations']) {
      expect(resources[id]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] } });
  });

  it('gives the function\'s role its own logs, POST/PUT on this domain only and SendMessage on its queues: no wildcard resources', () => {
    const statements = policyOf('HIDSLambdaRole').Properties['PolicyDocument'].Statement as Array<Record<string, unknown>>;
    expect(statements).toEqual([
      { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['HIDSLambdaLogs', 'Arn'] } },
      { Sid: 'WriteThisDomain', Effect: 'Allow', Action: ['es:ESHttpPost', 'es:ESHttpPut'], Resource: [domainArn, domainArnStar] },
      { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: [{ 'Fn::GetAtt': ['HIDSDeadLetters', 'Arn'] }, { 'Fn::GetAtt': ['HIDSFailedInvocations', 'Arn'] }] },
      // CDK's grant for the function's dead-letter config: the same queue.
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['HIDSFailedInvocations', 'Arn'] } },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"|arn:aws:es:\*|"es:\*"|"es:ESHttp\*"/);
    const role = resources['HIDSLambdaRole']!;
    expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
    expect(role.Properties['Policies']).toBeUndefined();
  });

  it('subscribes the function to the whole alerts log group; only the logs service of this account may invoke it', () => {
    expect(resources['HIDSFilter']).toMatchObject({
      Properties: { LogGroupName: { Ref: 'HIDSAlerts' }, FilterPattern: '', DestinationArn: { 'Fn::GetAtt': ['HIDSLambdaConsumer', 'Arn'] } },
      DependsOn: ['HIDSLambdaInvoke'],
    });
    expect(resources['HIDSLambdaInvoke']!.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['HIDSLambdaConsumer', 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['HIDSAlerts', 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });
});

describe('the OpenSearch domain', () => {
  const domain = one('AWS::OpenSearchService::Domain');

  it('is HTTPS only with TLS 1.2+, encrypted at rest and node to node, on a current engine', () => {
    expect(domain.Properties).toMatchObject({
      DomainName: { Ref: 'DomainName' },
      EngineVersion: ENGINE_VERSION,
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: TLS_POLICY },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      ClusterConfig: { InstanceType: { Ref: 'OpenSearchInstanceSize' }, InstanceCount: 1, DedicatedMasterEnabled: false },
      EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 10 },
    });
    expect(TLS_POLICY).toMatch(/^Policy-Min-TLS-1-2/);
    expect(ENGINE_VERSION).toMatch(/^OpenSearch_(2\.(19|[2-9]\d)|[3-9]\.\d+)$/);
  });

  it('publishes its error log to a log group that only the OpenSearch service of this account may write', () => {
    expect(domain.Properties['LogPublishingOptions']).toEqual({ ES_APPLICATION_LOGS: { Enabled: true, CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': ['HIDSOpenSearchLogs', 'Arn'] } } });
    expect(resources['HIDSOpenSearchLogs']!.Properties['RetentionInDays']).toBe(30);
    const policy = resources['HIDSOpenSearchLogsPolicy']!.Properties['PolicyDocument']['Fn::Join'][1] as unknown[];
    expect(policy.filter((p) => typeof p === 'string').join('|')).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"es.amazonaws.com"},"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"|","Condition":{"StringEquals":{"aws:SourceAccount":"|"}}}]}',
    );
    expect(policy.filter((p) => typeof p !== 'string')).toEqual([{ 'Fn::GetAtt': ['HIDSOpenSearchLogs', 'Arn'] }, { Ref: 'AWS::AccountId' }]);
    expect(one('AWS::OpenSearchService::Domain').DependsOn).toEqual(['HIDSOpenSearchLogsPolicy']);
  });

  it('admits the function\'s role (POST/PUT) and, unsigned, only MyTrustedNetwork', () => {
    expect(domain.Properties['AccessPolicies']).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ForwarderWrites', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['HIDSLambdaRole', 'Arn'] } }, Action: ['es:ESHttpPost', 'es:ESHttpPut'], Resource: domainArnStar },
        { Sid: 'TrustedNetworkOnly', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'es:ESHttp*', Resource: domainArnStar, Condition: { IpAddress: { 'aws:SourceIp': [{ Ref: 'MyTrustedNetwork' }] } } },
      ],
    });
  });

  it('has one data node, so the forwarder is told to give indices no replica', () => {
    expect(domain.Properties['ClusterConfig'].InstanceCount).toBe(1);
    expect(resources['HIDSLambdaConsumer']!.Properties['Environment'].Variables.HIDSMON_OPENSEARCH_REPLICAS).toBe('0');
  });
});

/**
 * @module The blog's HIDS stack, done right: two Amazon Linux 2023 test hosts running OSSEC and an
 * agent, the alerts log group, the hidsmon forwarder as a Lambda function subscribed to it, its dead
 * letters, and the Amazon OpenSearch Service domain it writes to. Parameters and outputs keep the
 * blog's names (HIDSInstanceSize, OpenSearchInstanceSize, VPCId, SubnetId, AssignPublicIP,
 * MyTrustedNetwork; HIDSESKibanaURL and the rest).
 */
import { readFileSync } from 'node:fs';
import { Aws, CfnCondition, CfnOutput, CfnParameter, CfnResource, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { REPO_ROOT, stackArtifacts, type ArtifactSource } from './artifacts.js';
import { hostUserData } from './user-data.js';

/** The engine hidsmon's index template, sink and saved objects are tested against (OpenSearch 2.19.6 here). */
export const ENGINE_VERSION = 'OpenSearch_2.19';
/** TLS 1.2 at least, forward-secret ciphers only. */
export const TLS_POLICY = 'Policy-Min-TLS-1-2-PFS-2023-10';
/** The daily indices' prefix, the blog's (`cwl-YYYY.MM.DD`, with no year bound into a pattern). */
export const INDEX_PREFIX = 'cwl-';
export const HOSTS = ['HIDSLinuxHost01', 'HIDSLinuxHost02'] as const;

export interface HidsStackProps extends StackProps {
  /** `assets` for `cdk deploy`; `parameters` for the committed template (see artifacts.ts). */
  artifacts: ArtifactSource;
  /** Data nodes in the domain (default 1, the blog's). Indices get a replica only when there are more. */
  openSearchInstanceCount?: number;
  /** Days the alerts log group keeps events (default 7, the blog's; the index is the long-term store). */
  alertsRetentionDays?: logs.RetentionDays;
}

export class HidsStack extends Stack {
  constructor(scope: Construct, id: string, props: HidsStackProps) {
    super(scope, id, props);
    this.templateOptions.description =
      'hidsmon: HIDS alerts from two OSSEC test hosts -> CloudWatch Logs -> the hidsmon forwarder (Lambda) -> Amazon OpenSearch Service. ' +
      'WARNING: creates 2 EC2 instances, an OpenSearch domain, a Lambda function, SQS queues and log groups, which are billed.';
    const nodeCount = props.openSearchInstanceCount ?? 1;
    if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new Error(`openSearchInstanceCount must be a positive integer, not ${nodeCount}`);

    // ---- Parameters (the blog's, then ours) ----
    const hidsInstanceSize = new CfnParameter(this, 'HIDSInstanceSize', {
      type: 'String', default: 't3.micro', allowedValues: ['t3.micro', 't3.small', 't3.medium'],
      description: 'Instance size for the two OSSEC test hosts.',
    });
    const openSearchInstanceSize = new CfnParameter(this, 'OpenSearchInstanceSize', {
      type: 'String', default: 't3.small.search',
      allowedValues: ['t3.small.search', 't3.medium.search', 'm5.large.search', 'm5.xlarge.search', 'm5.2xlarge.search', 'm6g.large.search', 'r6g.large.search'],
      description: 'Instance size for the OpenSearch data node(s) (the blog\'s ESInstanceSize).',
    });
    const keyName = new CfnParameter(this, 'KeyName', {
      type: 'String', default: '',
      description: 'Optional EC2 key pair for SSH from MyTrustedNetwork. Leave empty and use SSM Session Manager (preferred: no open port).',
    });
    const vpcId = new CfnParameter(this, 'VPCId', { type: 'AWS::EC2::VPC::Id', description: 'The VPC to deploy the test hosts into.' });
    const subnetId = new CfnParameter(this, 'SubnetId', {
      type: 'AWS::EC2::Subnet::Id',
      description: 'A subnet of VPCId with outbound connectivity (the hosts download packages and OSSEC, and reach CloudWatch Logs and SSM).',
    });
    const assignPublicIp = new CfnParameter(this, 'AssignPublicIP', {
      type: 'String', default: 'false', allowedValues: ['true', 'false'],
      description: 'Assign a public IP to the hosts? true if the subnet reaches out through an Internet Gateway, false through a NAT Gateway.',
    });
    const trustedNetwork = new CfnParameter(this, 'MyTrustedNetwork', {
      type: 'String',
      allowedPattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$',
      constraintDescription: 'an IPv4 CIDR such as 203.0.113.10/32',
      description: 'The only network that may reach OpenSearch Dashboards (and SSH, with a key pair). An IP or CIDR, e.g. 203.0.113.10/32.',
    });
    const agentKind = new CfnParameter(this, 'AgentKind', {
      type: 'String', default: 'hidsmon', allowedValues: ['hidsmon', 'cloudwatch-agent'],
      description: 'What ships alerts.json to the log group: the hidsmon agent bundle, or the unified CloudWatch agent.',
    });
    const domainName = new CfnParameter(this, 'DomainName', {
      type: 'String', default: 'hidsmon-alerts', allowedPattern: '^[a-z][a-z0-9-]{2,27}$',
      description: 'The OpenSearch domain\'s name (3-28 lower-case letters, digits, hyphens): named so that its access policy can name it.',
    });
    const amiId = new CfnParameter(this, 'LatestAmiId', {
      type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      description: 'The Amazon Linux 2023 image, from its public SSM parameter (the blog looked it up with a Lambda function).',
    });
    const artifacts = stackArtifacts(this, props.artifacts);
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Instance Configuration' }, Parameters: ['HIDSInstanceSize', 'OpenSearchInstanceSize', 'KeyName', 'AgentKind', 'DomainName'] },
          { Label: { default: 'Network Configuration' }, Parameters: ['VPCId', 'SubnetId', 'AssignPublicIP', 'MyTrustedNetwork'] },
        ],
      },
    };

    const hasKeyPair = new CfnCondition(this, 'HasKeyPair', { expression: Fn.conditionNot(Fn.conditionEquals(keyName.valueAsString, '')) });
    const assignPublic = new CfnCondition(this, 'AssignPubIp', { expression: Fn.conditionEquals(assignPublicIp.valueAsString, 'true') });

    // ---- The alerts log group ----
    const alerts = new logs.LogGroup(this, 'HIDSAlerts', {
      logGroupName: `hids-alerts-${Aws.STACK_NAME}`,
      retention: props.alertsRetentionDays ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logicalId(alerts, 'HIDSAlerts');

    // ---- Dead letters: documents the mapping rejects; and invocations that still failed after Lambda's retries ----
    const deadLetters = new sqs.Queue(this, 'HIDSDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14),
    });
    logicalId(deadLetters, 'HIDSDeadLetters');
    const failedInvocations = new sqs.Queue(this, 'HIDSFailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14),
    });
    logicalId(failedInvocations, 'HIDSFailedInvocations');

    // ---- The forwarder's role: its own logs, this domain's POST/PUT, its two queues; nothing else ----
    const functionLogs = new logs.LogGroup(this, 'HIDSLambdaLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    logicalId(functionLogs, 'HIDSLambdaLogs');
    const functionRole = new iam.Role(this, 'HIDSLambdaRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'hidsmon forwarder: write its own logs, POST/PUT to this OpenSearch domain, send dead letters.',
    });
    logicalId(functionRole, 'HIDSLambdaRole');
    const domainArn = `arn:${Aws.PARTITION}:es:${Aws.REGION}:${Aws.ACCOUNT_ID}:domain/${domainName.valueAsString}`;
    functionRole.addToPolicy(new iam.PolicyStatement({ sid: 'OwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [functionLogs.logGroupArn] }));
    functionRole.addToPolicy(new iam.PolicyStatement({ sid: 'WriteThisDomain', actions: ['es:ESHttpPost', 'es:ESHttpPut'], resources: [domainArn, `${domainArn}/*`] }));
    functionRole.addToPolicy(new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn, failedInvocations.queueArn] }));
    logicalId(functionRole.node.findChild('DefaultPolicy'), 'HIDSLambdaPolicy');

    // ---- The OpenSearch domain, its error log published to a log group of its own ----
    const replicas = nodeCount > 1 ? 1 : 0;
    const domainLogs = new logs.LogGroup(this, 'HIDSOpenSearchLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    logicalId(domainLogs, 'HIDSOpenSearchLogs');
    const domainLogsPolicy = new logs.CfnResourcePolicy(this, 'HIDSOpenSearchLogsPolicy', {
      policyName: Fn.join('-', [Aws.STACK_NAME, 'opensearch-logs']),
      policyDocument: Fn.toJsonString({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: 'es.amazonaws.com' },
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: domainLogs.logGroupArn,
          Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }],
      }),
    });
    domainLogsPolicy.overrideLogicalId('HIDSOpenSearchLogsPolicy');
    const domain = new opensearch.CfnDomain(this, 'HIDSOpenSearchDomain', {
      domainName: domainName.valueAsString,
      engineVersion: ENGINE_VERSION,
      clusterConfig: { instanceType: openSearchInstanceSize.valueAsString, instanceCount: nodeCount, dedicatedMasterEnabled: false, zoneAwarenessEnabled: false },
      ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: 10 },
      encryptionAtRestOptions: { enabled: true },
      nodeToNodeEncryptionOptions: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: TLS_POLICY },
      softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
      advancedOptions: { 'rest.action.multi.allow_explicit_index': 'true' },
      logPublishingOptions: { ES_APPLICATION_LOGS: { enabled: true, cloudWatchLogsLogGroupArn: domainLogs.logGroupArn } },
      accessPolicies: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ForwarderWrites',
            Effect: 'Allow',
            Principal: { AWS: functionRole.roleArn },
            Action: ['es:ESHttpPost', 'es:ESHttpPut'],
            Resource: `${domainArn}/*`,
          },
          {
            // Dashboards in a browser sends unsigned requests: admitted only from the trusted network.
            Sid: 'TrustedNetworkOnly',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'es:ESHttp*',
            Resource: `${domainArn}/*`,
            Condition: { IpAddress: { 'aws:SourceIp': [trustedNetwork.valueAsString] } },
          },
        ],
      },
    });
    domain.overrideLogicalId('HIDSOpenSearchDomain');
    domain.addResourceDependency(domainLogsPolicy);
    domain.applyRemovalPolicy(RemovalPolicy.DESTROY);

    // ---- The forwarder ----
    const fn = new lambda.Function(this, 'HIDSLambdaConsumer', {
      description: 'hidsmon forwarder: CloudWatch Logs subscription -> hidsmon transform -> OpenSearch bulk (SigV4), dead letters to SQS.',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: artifacts.lambdaCode,
      role: functionRole,
      memorySize: 512,
      timeout: Duration.minutes(5),
      logGroup: functionLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      deadLetterQueue: failedInvocations,
      retryAttempts: 2,
      environment: {
        HIDSMON_OPENSEARCH_URL: `https://${domain.attrDomainEndpoint}`,
        HIDSMON_OPENSEARCH_INDEX_PREFIX: INDEX_PREFIX,
        // Given, so that the function never asks the cluster (GET _cluster/health): its role may only POST and PUT.
        HIDSMON_OPENSEARCH_REPLICAS: String(replicas),
        HIDSMON_DEAD_LETTER_QUEUE_URL: deadLetters.queueUrl,
        HIDSMON_LOG_LEVEL: 'info',
      },
    });
    logicalId(fn, 'HIDSLambdaConsumer');
    // CDK makes the function depend on its role, which its Role attribute already does (cfn-lint W3005).
    (fn.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', ['HIDSLambdaPolicy']);

    const invoke = new lambda.CfnPermission(this, 'HIDSLambdaInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: 'logs.amazonaws.com',
      sourceArn: alerts.logGroupArn,
      sourceAccount: Aws.ACCOUNT_ID,
    });
    invoke.overrideLogicalId('HIDSLambdaInvoke');
    const filter = new logs.CfnSubscriptionFilter(this, 'HIDSFilter', {
      logGroupName: alerts.logGroupName,
      filterPattern: '',
      destinationArn: fn.functionArn,
    });
    filter.overrideLogicalId('HIDSFilter');
    filter.addResourceDependency(invoke);

    // ---- The hosts: only this log group's streams and events, the agent bundle, SSM ----
    const hostRole = new iam.Role(this, 'HIDSInstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
      description: 'hidsmon test hosts: create streams and put events in the alerts log group; read the agent bundle; SSM Session Manager.',
    });
    logicalId(hostRole, 'HIDSInstanceRole');
    // Spelled out rather than the group's Arn attribute, whose form (with or without `:*`) differs between implementations.
    const group = Fn.join('', ['arn:', Aws.PARTITION, ':logs:', Aws.REGION, ':', Aws.ACCOUNT_ID, ':log-group:', alerts.logGroupName]);
    const streams = Fn.join('', [group, ':log-stream:*']);
    hostRole.addToPolicy(new iam.PolicyStatement({ sid: 'CreateStreams', actions: ['logs:CreateLogStream'], resources: [Fn.join('', [group, ':*'])] }));
    hostRole.addToPolicy(new iam.PolicyStatement({ sid: 'PutEvents', actions: ['logs:PutLogEvents'], resources: [streams] }));
    hostRole.addToPolicy(new iam.PolicyStatement({ sid: 'AgentBundle', actions: ['s3:GetObject'], resources: [artifacts.agentBundleObjectArn] }));
    logicalId(hostRole.node.findChild('DefaultPolicy'), 'HIDSInstancePolicy');
    const profile = new iam.CfnInstanceProfile(this, 'HIDSInstanceProfile', { roles: [hostRole.roleName] });
    profile.overrideLogicalId('HIDSInstanceProfile');

    const sg = new ec2.CfnSecurityGroup(this, 'HIDSSecurityGroup', {
      groupDescription: 'hidsmon test hosts: HTTPS out only; SSH in from MyTrustedNetwork only with a key pair',
      vpcId: vpcId.valueAsString,
      securityGroupEgress: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0', description: 'HTTPS: packages, OSSEC release, CloudWatch Logs, SSM, S3' }],
      tags: [{ key: 'Name', value: 'hids-security-group' }],
    });
    sg.overrideLogicalId('HIDSSecurityGroup');
    const ssh = new ec2.CfnSecurityGroupIngress(this, 'HIDSSshIngress', {
      groupId: sg.attrGroupId, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: trustedNetwork.valueAsString,
      description: 'SSH from MyTrustedNetwork (only when KeyName is set)',
    });
    ssh.overrideLogicalId('HIDSSshIngress');
    ssh.cfnOptions.condition = hasKeyPair;

    const agentUnit = readFileSync(`${REPO_ROOT}packaging/hidsmon-agent.service`, 'utf8');
    const script = hostUserData({ agentUnit });
    const hosts = HOSTS.map((name, index) => {
      const host = new ec2.CfnInstance(this, name, {
        imageId: amiId.valueAsString,
        instanceType: hidsInstanceSize.valueAsString,
        iamInstanceProfile: profile.ref,
        keyName: Fn.conditionIf(hasKeyPair.logicalId, keyName.valueAsString, Aws.NO_VALUE).toString(),
        ebsOptimized: true,
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 10, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
        networkInterfaces: [{
          deviceIndex: '0',
          subnetId: subnetId.valueAsString,
          groupSet: [sg.attrGroupId],
          associatePublicIpAddress: Fn.conditionIf(assignPublic.logicalId, true, false) as unknown as boolean,
        }],
        userData: Fn.base64(Fn.sub(script, {
          LogGroupName: alerts.logGroupName,
          AgentKind: agentKind.valueAsString,
          AgentBundleUrl: artifacts.agentBundleUrl,
          HostResource: name,
        })),
        tags: [{ key: 'Name', value: `hids-linux-test-host0${index + 1}` }],
      });
      host.overrideLogicalId(name);
      // Building OSSEC on a t3.micro takes minutes; the host signals when OSSEC, the agent and the timer run.
      host.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: 'PT25M' } };
      // The agent must find its group (and the function its subscription) when the first alert arrives.
      host.addResourceDependency(filter);
      return host;
    });

    // ---- Outputs (the blog's names) ----
    new CfnOutput(this, 'HIDSESKibanaURL', { description: 'OpenSearch Dashboards (from MyTrustedNetwork).', value: `https://${domain.attrDomainEndpoint}/_dashboards/` });
    hosts.forEach((host, i) => new CfnOutput(this, `${HOSTS[i]}Output`, { description: `Test host ${i + 1}'s private IP address.`, value: host.attrPrivateIp }).overrideLogicalId(HOSTS[i] as string));
    new CfnOutput(this, 'HIDSLambdaConsumerOutput', { description: 'The hidsmon forwarder function.', value: fn.functionName }).overrideLogicalId('HIDSLambdaConsumer');
    new CfnOutput(this, 'HIDSSecurityGroupOutput', { description: 'The test hosts\' security group.', value: sg.attrGroupId }).overrideLogicalId('HIDSSecurityGroup');
    new CfnOutput(this, 'HIDSAlertsLogGroup', { description: 'The log group agents ship to (point existing hosts here).', value: alerts.logGroupName });
    new CfnOutput(this, 'HIDSDeadLetterQueue', { description: 'Documents the index refused for good (one SQS message each).', value: deadLetters.queueUrl });
    new CfnOutput(this, 'Region', { description: 'Region of the stack.', value: Aws.REGION });
  }
}

/** Keeps the blog's (and readable) logical ids instead of CDK's hashed ones. */
function logicalId(construct: Construct, id: string): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`${construct.node.path} has no CloudFormation resource to name ${id}`);
  resource.overrideLogicalId(id);
}

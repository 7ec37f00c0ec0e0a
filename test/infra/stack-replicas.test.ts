/** With more than one data node the domain's indices get one replica (and with one, none: stack.test.ts). Synthesized once. */
import { describe, expect, it } from 'vitest';
import { synthesizeTemplate } from '../../infra/lib/synth.js';

const resources = synthesizeTemplate({ artifacts: 'parameters', openSearchInstanceCount: 3 })['Resources'] as Record<string, { Properties: Record<string, any> }>;

describe('a domain of three data nodes', () => {
  it('has three nodes, and the forwarder gives indices one replica', () => {
    expect(resources['HIDSOpenSearchDomain']!.Properties['ClusterConfig']).toMatchObject({ InstanceCount: 3 });
    expect(resources['HIDSLambdaConsumer']!.Properties['Environment'].Variables.HIDSMON_OPENSEARCH_REPLICAS).toBe('1');
  });
});

/**
 * @module The CDK app (`npx cdk deploy`, cdk.json): the stack with its function and agent bundle
 * uploaded as assets. HIDSMON_CDK_ARTIFACTS=parameters synthesizes the committed template's form instead.
 */
import type { ArtifactSource } from '../lib/artifacts.js';
import { buildApp } from '../lib/synth.js';

const requested = process.env['HIDSMON_CDK_ARTIFACTS'] ?? 'assets';
if (requested !== 'assets' && requested !== 'parameters') throw new Error(`HIDSMON_CDK_ARTIFACTS=${requested}: use assets or parameters`);
const { app } = buildApp({ artifacts: requested as ArtifactSource });
app.synth();

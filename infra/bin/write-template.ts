/** @module `npm run infra:template`: writes deploy/hids-stack.template.json from a fresh synthesis (artifacts as parameters). */
import { writeFileSync } from 'node:fs';
import { REPO_ROOT } from '../lib/artifacts.js';
import { COMMITTED_TEMPLATE, synthesizeTemplate, templateText } from '../lib/synth.js';

writeFileSync(`${REPO_ROOT}${COMMITTED_TEMPLATE}`, templateText(synthesizeTemplate({ artifacts: 'parameters' })));
process.stdout.write(`${COMMITTED_TEMPLATE} written\n`);

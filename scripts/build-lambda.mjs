// Builds the forwarder function: src/apps/lambda/index.ts bundled by esbuild into one ES module,
// zipped as dist/lambda.zip with `index.mjs` at its root (handler `index.handler`, nodejs24.x).
// Every dependency is inlined, the AWS SDK v3 too, although the runtime provides one: the function
// then runs the SDK version it was tested with, and the zip loads with nothing but Node.js (see
// src/apps/lambda/bundle.test.ts). `--external-sdk` leaves @aws-sdk/* out, to compare sizes only
// (written to dist/lambda-external-sdk.zip, never deployed). `--out <file>` writes the zip elsewhere
// (the bundle test). `npm run build:lambda`; `npm run build` runs it.
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const externalSdk = process.argv.includes('--external-sdk');
const outAt = process.argv.indexOf('--out');
const zipPath = outAt > 0 ? resolve(process.argv[outAt + 1]) : `${root}dist/${externalSdk ? 'lambda-external-sdk' : 'lambda'}.zip`;
const started = Date.now();
const result = await build({
  entryPoints: [`${root}src/apps/lambda/index.ts`],
  write: false,
  outfile: 'index.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: externalSdk ? ['@aws-sdk/*', '@smithy/*'] : [],
  // CommonJS dependencies (pino, the SDK's parts) call require() for Node's built-ins: give the ES module one.
  banner: { js: "import { createRequire as __hidsmonRequire } from 'node:module';\nconst require = __hidsmonRequire(import.meta.url);" },
});
const [bundle] = result.outputFiles;
// A fixed time: the same sources make the same zip (CDK hashes the asset).
const mtime = new Date('2024-01-01T00:00:00Z');
const zipped = zipSync({ 'index.mjs': [bundle.contents, { level: 9, mtime }] });
mkdirSync(dirname(zipPath), { recursive: true });
writeFileSync(zipPath, zipped);
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB (${n} bytes)`;
process.stdout.write(`${relative(root, zipPath)}: ${mb(statSync(zipPath).size)}; index.mjs ${mb(bundle.contents.length)}${externalSdk ? ', @aws-sdk/* external' : ''}; built in ${Date.now() - started} ms\n`);

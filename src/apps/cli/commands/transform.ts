/** @module `hidsmon transform [FILE]`: a CloudWatch Logs subscription event → NDJSON of {index, id, document}. */
import { isPlainObject } from '../../../core/paths.js';
import { checkPayload, transformPayload, transformSubscriptionEvent, type TransformOutput } from '../../../transforms/transform-subscription.js';
import { CliError } from '../cli-error.js';
import { parseCommandLine, stringOption } from '../args.js';
import { readTextChunks, writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const transformHelp = `Usage: hidsmon transform [FILE] [options]

Runs the forwarder transform (what the Lambda function does) on a CloudWatch Logs
subscription event from FILE or stdin: {"awslogs":{"data":"<base64 gzip JSON>"}},
or an already decoded payload {"messageType":"DATA_MESSAGE",...}. Several events
may follow each other as JSON lines. Writes one {"index","id","document"} per line.

Options:
  --index-prefix P   daily index prefix (default: cwl-)
  -h, --help         show this help

A CONTROL_MESSAGE (CloudWatch Logs' reachability check) produces no documents;
that is said on stderr and is not a failure.

Exit status: 0 when every event became a document, 1 when the input could not be
decoded or some log events were rejected (each is reported on stderr).
`;

export async function transformCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandLine('transform', argv, { 'index-prefix': { type: 'string' } }, 1);
  if (values['help']) {
    await writeOut(ctx.stdout, transformHelp);
    return 0;
  }
  const indexPrefix = stringOption(values, 'index-prefix') ?? 'cwl-';
  let text = '';
  for await (const chunk of readTextChunks(positionals[0], ctx.stdin)) text += chunk;
  const inputs = parseJsonInputs(text);
  let failed = false;
  for (const [n, input] of inputs.entries()) {
    const where = inputs.length > 1 ? `input ${n + 1}: ` : '';
    let output: TransformOutput;
    if (isPlainObject(input) && 'messageType' in input) {
      const payload = checkPayload(input);
      if (!payload.ok) {
        ctx.stderr.write(`hidsmon transform: ${where}${payload.error.code}: ${payload.error.message}\n`);
        failed = true;
        continue;
      }
      output = transformPayload(payload.value, { indexPrefix });
    } else {
      const result = transformSubscriptionEvent(input, { indexPrefix });
      if (!result.ok) {
        ctx.stderr.write(`hidsmon transform: ${where}${result.error.code}: ${result.error.message}\n`);
        failed = true;
        continue;
      }
      output = result.value;
    }
    for (const rejected of output.rejected) {
      ctx.stderr.write(`hidsmon transform: ${where}log event ${rejected.index} rejected: ${rejected.reason}\n`);
      failed = true;
    }
    // CloudWatch Logs' health check carries no log events: say so, or an empty output looks like a failure.
    if (output.messageType === 'CONTROL_MESSAGE') ctx.stderr.write(`hidsmon transform: ${where}a CONTROL_MESSAGE (CloudWatch Logs checking that the destination is reachable) has no log events: no documents.\n`);
    let out = '';
    for (const doc of output.documents) out += `${JSON.stringify(doc)}\n`;
    if (out !== '') await writeOut(ctx.stdout, out);
  }
  return failed ? 1 : 0;
}

/** One JSON value, or JSON lines. */
function parseJsonInputs(text: string): unknown[] {
  if (text.trim() === '') throw new CliError('hidsmon transform: the input is empty; give a subscription event as a file or on stdin.');
  try {
    return [JSON.parse(text)];
  } catch {
    const values: unknown[] = [];
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch (e) {
        throw new CliError(`hidsmon transform: line ${i + 1} is not JSON (${(e as Error).message}); the input must be JSON or JSON lines.`);
      }
    }
    return values;
  }
}

/**
 * @module Test helper run as a child process: `hidsmon server` as the CLI runs it (same command,
 * same signal handling), with its index behind a FaultySink steered by a file: absent, the sink
 * works; containing `unavailable` or `hang`, it fails so. The file is $HIDSMON_TEST_FAULT_FILE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { serverCommand } from '../apps/cli/commands/server.js';
import { processContext } from '../apps/cli/main.js';
import { FaultySink, type Fault } from './faulty-sinks.js';

const faultFile = process.env['HIDSMON_TEST_FAULT_FILE'] as string;
const fault = (): Fault => (existsSync(faultFile) ? (readFileSync(faultFile, 'utf8').trim() as Fault) : 'none');
const argv = process.argv.slice(2);
process.exitCode = await serverCommand(argv[0] === 'server' ? argv.slice(1) : argv, processContext(), { wrapSink: (sink) => new FaultySink(sink, fault) });

/** @module Child process of the transform bench: measures under its own V8 flags and prints JSON rows. */
import { measureTransforms } from './transform.bench.js';

process.stdout.write(JSON.stringify(measureTransforms(process.argv[2] ?? 'defaults')));

/** @module OpenSearch JSON Query DSL input to the shared query AST. */

export { parseDsl, SUPPORTED_QUERY_TYPES, type DslError } from './parse-dsl.js';

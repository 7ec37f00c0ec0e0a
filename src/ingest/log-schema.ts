/** @module The durable log's tables in DuckDB. */

export const EVENTS = 'log_events';
export const GROUPS = 'log_groups';
export const STREAMS = 'log_streams';
export const FILTERS = 'subscription_filters';
export const CURSORS = 'forward_cursors';
export const DEAD_LETTERS = 'dead_letters';
export const META = 'log_meta';

/**
 * Events name their group and stream by small integer ids (one string per event crosses into
 * DuckDB, not three) and are appended in sequence order, so `seq` ranges prune row groups by their
 * min/max. Stream statistics are not stored: they are the aggregate of the events, computed when the
 * store opens. Metadata tables carry no key constraints: the store checks uniqueness itself, inside
 * its single writer lane.
 */
export function createLogStatements(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${META} (name VARCHAR, value BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${GROUPS} (id INTEGER, name VARCHAR, creation_time BIGINT, retention_days INTEGER, log_group_class VARCHAR, kms_key_id VARCHAR, tags VARCHAR, deletion_protection BOOLEAN)`,
    `CREATE TABLE IF NOT EXISTS ${STREAMS} (id INTEGER, group_id INTEGER, name VARCHAR, creation_time BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${EVENTS} (seq BIGINT, group_id INTEGER, stream_id INTEGER, ts BIGINT, ingestion_time BIGINT, bytes INTEGER, message VARCHAR USING COMPRESSION zstd)`,
    `CREATE TABLE IF NOT EXISTS ${FILTERS} (group_id INTEGER, name VARCHAR, pattern VARCHAR, destination_arn VARCHAR, role_arn VARCHAR, distribution VARCHAR, creation_time BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${CURSORS} (destination VARCHAR, seq BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${DEAD_LETTERS} (id BIGINT, time BIGINT, destination VARCHAR, reason VARCHAR, log_group VARCHAR, log_stream VARCHAR, event_id VARCHAR, ts BIGINT, message VARCHAR USING COMPRESSION zstd)`,
  ];
}

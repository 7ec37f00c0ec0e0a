/** @module The durable log's public shapes: groups, streams, filters, events, queries and dead letters. */
import type { RejectedLogEvents } from './classify-log-events.js';

/** CloudWatch counts 26 bytes of overhead per event against its 1 MB limits. */
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_SUBSCRIPTION_FILTERS_PER_GROUP = 2;

export type LogGroupClass = 'STANDARD' | 'INFREQUENT_ACCESS' | 'ESSENTIALS' | 'DELIVERY';
export type Distribution = 'ByLogStream' | 'Random';

export interface LogStoreOptions {
  /** The database file (e.g. `<dataDir>/log.duckdb`), or `:memory:` for tests. */
  path: string;
  /** Clock for creation and ingestion times and the age of incoming events (default Date.now). */
  now?: () => number;
  /** DuckDB worker threads (default: all cores). */
  threads?: number;
  /** Write-ahead log size that triggers a checkpoint (DuckDB syntax, default `128MB`). */
  checkpointThreshold?: string;
}

export interface LogGroupInfo {
  name: string;
  creationTime: number;
  /** Undefined: events never expire. */
  retentionInDays?: number;
  logGroupClass: LogGroupClass;
  kmsKeyId?: string;
  tags: Record<string, string>;
  deletionProtection: boolean;
  /** UTF-8 bytes of the messages held. */
  storedBytes: number;
}

export interface LogStreamInfo {
  logGroup: string;
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** Sequence number of the stream's last stored event. */
  lastSequence?: number;
  events: number;
  storedBytes: number;
}

export interface SubscriptionFilterInfo {
  logGroup: string;
  name: string;
  pattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: Distribution;
  creationTime: number;
}

export interface LogEventInput {
  timestamp: number;
  message: string;
}

export interface StoredEvent {
  /** The store's global sequence number: increases with every committed event, never reused. */
  sequence: number;
  /** `cloudWatchEventId(timestamp, sequence)`: 56 digits. */
  eventId: string;
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

/** A place in a stream's or group's time order: events sort by (timestamp, sequence). */
export interface EventPosition {
  timestamp: number;
  sequence: number;
}

export interface PutLogEventsResult {
  /** Events stored (the batch minus rejected ones). */
  stored: number;
  /** The sequence numbers given to the stored events, when any were stored. */
  firstSequence?: number;
  lastSequence?: number;
  rejected?: RejectedLogEvents;
}

export type LogStoreError =
  | { kind: 'group-not-found' }
  | { kind: 'stream-not-found' }
  | { kind: 'group-exists' }
  | { kind: 'stream-exists' }
  | { kind: 'filter-not-found' }
  | { kind: 'filter-limit'; limit: number }
  | { kind: 'span-too-long' };

export type NotFound = { kind: 'group-not-found' } | { kind: 'stream-not-found' };

export interface CreateLogGroupOptions {
  logGroupClass?: LogGroupClass;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  deletionProtection?: boolean;
}

export interface GetLogEventsQuery {
  logGroup: string;
  logStream: string;
  /** Inclusive. */
  startTime?: number;
  /** Exclusive. */
  endTime?: number;
  /** Continue after (forward) or before (backward) this position; without it, from the head or the tail. */
  from?: { direction: 'forward' | 'backward'; position: EventPosition };
  /** Without `from`: true = the oldest page, false = the newest page. */
  startFromHead: boolean;
  limit: number;
  /** Stop adding events once messages plus overhead reach this many bytes (at least one event is returned). */
  maxBytes: number;
}

export interface FilterLogEventsQuery {
  logGroup: string;
  /** Only these streams (names that do not exist are ignored). */
  logStreams?: readonly string[];
  logStreamPrefix?: string;
  /** Inclusive. */
  startTime?: number;
  /** Inclusive (GetLogEvents' is exclusive): AWS documents both so. */
  endTime?: number;
  matcher?: (message: string) => boolean;
  /** Substrings every match contains (pushed into SQL to skip rows early). */
  mustContain?: readonly string[];
  /** Continue after this position in the scan direction. */
  after?: EventPosition;
  descending: boolean;
  limit: number;
  maxBytes: number;
  /** Stop after scanning this many events and return a position to continue from. */
  maxScan: number;
}

export interface FilterLogEventsPage {
  events: StoredEvent[];
  /** Where to continue; absent when the scan reached the end. */
  next?: EventPosition;
}

export interface DeadLetterInput {
  timeMs: number;
  destination: string;
  reason: string;
  logGroup: string;
  logStream: string;
  eventId: string;
  timestamp: number;
  message: string;
}

export interface DeadLetter extends DeadLetterInput {
  id: number;
}

/** What one commit added: events, and their messages' UTF-8 bytes (without the 26-byte overhead). */
export interface Appended {
  events: number;
  bytes: number;
}

export interface LogStoreStats {
  groups: number;
  streams: number;
  events: number;
  storedBytes: number;
  lastSequence: number;
  /** Bytes of the database file and its write-ahead log (0 in memory). */
  fileBytes: number;
  streamsDetail: Array<{ logGroup: string; logStream: string; events: number; lastEventTimestamp?: number; lastIngestionTime?: number }>;
}

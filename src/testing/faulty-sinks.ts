/**
 * @module Sinks that fail on purpose, wrapped around a real one, for fault tests: an outage while a
 * condition holds, a write that never returns, documents refused or thrown on; and one that is
 * slow, for flow-control tests. Tests only.
 */
import type { IndexedDocument } from '../core/document.js';
import { UnavailableError } from '../pipeline/retry.js';
import type { DocumentSink, WriteResult } from '../query/search-api.js';

export type Fault = 'none' | 'unavailable' | 'hang';

/** Passes writes to `inner`, except while `fault()` says the sink is down (it throws, as a refused connection does) or hung. */
export class FaultySink implements DocumentSink {
  writes = 0;
  failedWrites = 0;
  constructor(
    private readonly inner: DocumentSink,
    private readonly fault: () => Fault,
    /** Changes a document before the inner sink sees it (e.g. breaks one so that the sink rejects it). */
    private readonly tamper: (doc: IndexedDocument) => IndexedDocument = (d) => d,
    /** Throws an unclassified error (a bug) when a batch holds such a document. */
    private readonly throwsOn: (doc: IndexedDocument) => boolean = () => false,
  ) {}

  async write(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    this.writes++;
    const fault = this.fault();
    if (fault === 'hang') return new Promise<never>(() => undefined);
    if (fault === 'unavailable') {
      this.failedWrites++;
      throw new UnavailableError('connect ECONNREFUSED 127.0.0.1:9200 (injected outage)');
    }
    if (documents.some(this.throwsOn)) throw new TypeError('injected: nested.has is not a function');
    return this.inner.write(documents.map(this.tamper));
  }
}

/** Passes writes to `inner` after a delay per document: an index slower than ingest, for flow-control tests. */
export class SlowSink implements DocumentSink {
  constructor(
    private readonly inner: DocumentSink,
    private readonly msPerDocument: number,
  ) {}

  async write(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    await new Promise((resolve) => setTimeout(resolve, documents.length * this.msPerDocument));
    return this.inner.write(documents);
  }
}

/**
 * @module A PostingsReader over plain token lists (tests and micro-benchmarks of the segment
 * matcher): what a text segment gives, built in memory without its codec. Two passes (count, then
 * fill), so that each term's documents and positions are typed arrays and no per-posting object
 * is kept.
 */
import { TEXT_INDEX_COLUMNS } from '../sinks/duckdb/text-index.js';
import { POSITIONAL_COLUMNS, type Postings, type PostingsReader } from '../sinks/duckdb/text-segment-postings.js';

interface TermLists {
  docs: Uint32Array;
  starts: Uint32Array;
  positions: Uint32Array;
  /** Fill cursors while building. */
  nDocs: number;
  nPositions: number;
}

const NO_POSITIONS: Postings = { docs: new Uint32Array(0), starts: new Uint32Array(1), positions: new Uint32Array(0) };
const NO_DOCS: Postings = { docs: new Uint32Array(0) };

export class ListsReader implements PostingsReader {
  readonly docCount: number;
  private readonly columns: Array<Map<string, TermLists>>;
  private readonly sortedTerms: Array<string[] | undefined>;
  /** Every postings call, when `record` was asked (what the matcher read). */
  readonly asked: Array<{ column: number; term: string; withPositions: boolean }> = [];

  /**
   * `tokensOf(doc, column)`: a document's tokens in a column (TEXT_INDEX_COLUMNS' positions), in
   * order, or null; called twice per document and column.
   */
  constructor(
    docCount: number,
    tokensOf: (doc: number, column: number) => readonly string[] | null,
    private readonly record = false,
  ) {
    this.docCount = docCount;
    this.columns = TEXT_INDEX_COLUMNS.map((_, column) => {
      const lists = new Map<string, TermLists>();
      const lastDoc = new Map<string, number>();
      for (let doc = 0; doc < docCount; doc++) {
        for (const term of tokensOf(doc, column) ?? []) {
          let list = lists.get(term);
          if (list === undefined) lists.set(term, (list = { docs: NO_DOCS.docs, starts: NO_DOCS.docs, positions: NO_DOCS.docs, nDocs: 0, nPositions: 0 }));
          if (lastDoc.get(term) !== doc) {
            lastDoc.set(term, doc);
            list.nDocs++;
          }
          list.nPositions++;
        }
      }
      for (const list of lists.values()) {
        list.docs = new Uint32Array(list.nDocs);
        list.starts = new Uint32Array(list.nDocs + 1);
        list.positions = new Uint32Array(list.nPositions);
        list.nDocs = 0;
        list.nPositions = 0;
      }
      for (let doc = 0; doc < docCount; doc++) {
        const tokens = tokensOf(doc, column) ?? [];
        for (let position = 0; position < tokens.length; position++) {
          const list = lists.get(tokens[position] as string) as TermLists;
          if (list.nDocs === 0 || list.docs[list.nDocs - 1] !== doc) {
            list.starts[list.nDocs] = list.nPositions;
            list.docs[list.nDocs++] = doc;
          }
          list.positions[list.nPositions++] = position;
        }
      }
      for (const list of lists.values()) list.starts[list.nDocs] = list.nPositions;
      return lists;
    });
    this.sortedTerms = TEXT_INDEX_COLUMNS.map(() => undefined);
  }

  /** A reader over documents given as token lists per column. */
  static of(docs: ReadonlyArray<ReadonlyArray<readonly string[] | null>>, record = false): ListsReader {
    return new ListsReader(docs.length, (doc, column) => docs[doc]?.[column] ?? null, record);
  }

  postings(column: number, term: string, withPositions: boolean): Postings {
    if (this.record) this.asked.push({ column, term, withPositions });
    if (withPositions && !POSITIONAL_COLUMNS.includes(column)) throw new Error(`Positions asked of column ${column}, which a segment keeps without them.`);
    const list = this.columns[column]?.get(term);
    if (list === undefined) return withPositions ? NO_POSITIONS : NO_DOCS;
    return withPositions ? { docs: list.docs, starts: list.starts, positions: list.positions } : { docs: list.docs };
  }

  termsWithPrefix(column: number, prefix: string): string[] {
    let terms = this.sortedTerms[column];
    if (terms === undefined) this.sortedTerms[column] = terms = [...(this.columns[column]?.keys() ?? [])].sort();
    // Binary search for the first term not below the prefix; the prefix's terms follow it.
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((terms[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < terms.length && (terms[i] as string).startsWith(prefix); i++) out.push(terms[i] as string);
    return out;
  }
}

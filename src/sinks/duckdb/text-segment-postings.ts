/**
 * @module What a text segment (a closed day of the text index, text-segment.ts) gives the matcher
 * (text-segment-match.ts): per column and term its documents in order and, for the columns kept
 * with positions, each document's token positions. Documents are the segment's ordinals (0 ..
 * docCount - 1, in rowid order, which is time order); columns are TEXT_INDEX_COLUMNS' positions
 * (full_log 0, comment 1, extra 2, missing 3). Types only: the segment reads, the matcher decides.
 */

/** The columns whose tokens a segment keeps with positions (phrases): full_log and comment. */
export const POSITIONAL_COLUMNS: readonly number[] = [0, 1];

/**
 * A term's postings in one column. `docs`: ascending, distinct ordinals. With positions asked
 * (a positional column only), `starts` has docs.length + 1 entries and the positions of docs[i]
 * are positions[starts[i] .. starts[i + 1]), ascending, each a token's index in the column's text.
 */
export interface Postings {
  docs: Uint32Array;
  starts?: Uint32Array;
  positions?: Uint32Array;
}

export interface PostingsReader {
  /** Documents in the segment. */
  readonly docCount: number;
  /** The term's postings in the column (empty docs when it has none); positions only when asked. */
  postings(column: number, term: string, withPositions: boolean): Postings;
  /** The column's terms that start with `prefix`, ascending (a prefix query's expansion). */
  termsWithPrefix(column: number, prefix: string): string[];
}

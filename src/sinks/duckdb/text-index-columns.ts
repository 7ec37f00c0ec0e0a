/**
 * @module The text index's FTS5 columns, in order: the two fields indexed as they are (with
 * positions), then `@message`'s delta against them. `@message ∋ t` ⟺ `extra ∋ t` ∨
 * (`{full_log comment} ∋ t` ∧ `missing ∌ t`); a phrase in `@message` is not known from the delta
 * alone (text-index-query.ts). A module of its own so that the segment codec and matcher, which
 * text-index.ts imports, need not import text-index.ts back (a cycle: the constant would not be
 * defined yet when they start).
 */
export const TEXT_INDEX_COLUMNS = ['full_log', 'comment', 'extra', 'missing'] as const;

/**
 * @module Between the view and a saved object: what a saved search or query keeps of the view, and
 * the view it opens. A saved search opens Discover as it was saved; a saved query sets the query and
 * the pills of the page shown (the dashboard too), keeping its time range. Pure.
 */
import type { SavedObjectInfo, SavedViewFields } from './api.js';
import type { ViewState } from './state.js';

/** The URL parameter that opens a page with a saved query applied: `/dashboard?saved_query=<id>`. */
export const SAVED_QUERY_PARAM = 'saved_query';

export function savedFieldsOf(state: ViewState, type: 'search' | 'query'): SavedViewFields {
  const fields: SavedViewFields = { query: state.query, filters: state.filters.map((f) => ({ ...f })) };
  if (type === 'query') return fields;
  return { ...fields, columns: [...state.columns], time: { ...state.time }, ...(state.sort ? { sort: state.sort.map((s) => ({ ...s })) } : {}) };
}

export function viewOfSaved(state: ViewState, saved: SavedObjectInfo): ViewState {
  const next: ViewState = { ...state, query: saved.query, filters: saved.filters.map((f) => ({ ...f })) };
  if (saved.type === 'query') return next;
  // The saved sort, or none (newest first) when it was saved without one; rows opened in another search stay closed.
  const { sort: _sort, expanded: _expanded, ...rest } = next;
  return {
    ...rest,
    page: 'discover',
    columns: saved.columns ? [...saved.columns] : next.columns,
    time: saved.time ? { ...saved.time } : next.time,
    ...(saved.sort && saved.sort.length > 0 ? { sort: saved.sort.map((s) => ({ ...s })) } : {}),
  };
}

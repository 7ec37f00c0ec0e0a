/**
 * @module Between the view and a saved object: what a saved search or query keeps of the view, and
 * the view it opens. A saved search opens Discover as it was saved; a saved query sets the query and
 * the pills of the page shown (the dashboard too), keeping its time range. Pure.
 */
import type { SavedObjectInfo, SavedViewFields } from './api.js';
import type { ViewState } from './state.js';

/** The URL parameter that opens a page with a saved query applied: `/dashboard?saved_query=<id>`. */
export const SAVED_QUERY_PARAM = 'saved_query';

type Sortable = { sort?: ReadonlyArray<{ field: string; order: 'asc' | 'desc' }> };

export function savedFieldsOf(state: ViewState, type: 'search' | 'query'): SavedViewFields {
  const fields: SavedViewFields = { query: state.query, filters: state.filters.map((f) => ({ ...f })) };
  if (type === 'query') return fields;
  const sort = (state as ViewState & Sortable).sort;
  return { ...fields, columns: [...state.columns], time: { ...state.time }, ...(sort ? { sort: sort.map((s) => ({ ...s })) } : {}) };
}

export function viewOfSaved(state: ViewState, saved: SavedObjectInfo): ViewState {
  const next: ViewState = { ...state, query: saved.query, filters: saved.filters.map((f) => ({ ...f })) };
  if (saved.type === 'query') return next;
  const opened: ViewState & Sortable = { ...next, page: 'discover', columns: saved.columns ? [...saved.columns] : next.columns, time: saved.time ? { ...saved.time } : next.time };
  if ('sort' in state || saved.sort) opened.sort = saved.sort ? saved.sort.map((s) => ({ ...s })) : [];
  return opened;
}

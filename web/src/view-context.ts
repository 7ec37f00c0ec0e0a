/** @module The view state and the actions that change it, for every component below the app. */
import { createContext, useContext } from 'react';
import type { FilterValue } from './filters.js';
import type { ViewState } from './state.js';

export interface ViewActions {
  state: ViewState;
  /** A new view: a history entry, and the URL says it. */
  update(change: (state: ViewState) => ViewState): void;
  /** Adds a pill (replacing one on the same field and value). */
  filter(field: string, value: FilterValue, negate: boolean): void;
  toggleColumn(field: string): void;
  /** Bumped by the Refresh button: queries run again without a new history entry. */
  nonce: number;
  reload(): void;
  /** The API said the session is gone. */
  authLost(): void;
}

export const ViewContext = createContext<ViewActions | null>(null);

export function useView(): ViewActions {
  const view = useContext(ViewContext);
  if (!view) throw new Error('useView outside the app');
  return view;
}

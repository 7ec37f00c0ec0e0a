/** @module React hooks shared by the pages: live queries with auto-refresh, element width, popovers. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { ApiError, isAbort } from './api.js';
import { useView } from './view-context.js';

export interface LiveResult<T> {
  data?: T;
  error?: ApiError;
  /** The data and error belong to the current key and nothing is in flight. */
  ready: boolean;
  /** A request for the current key (first load or an auto-refresh) is in flight. */
  loading: boolean;
  /** When the data was last received (ms). */
  updatedAt?: number;
}

/**
 * Runs `run` whenever `key` changes (or `nonce`, a manual refresh), and again `refreshMs` after each
 * answer while it is above 0. The next refresh is scheduled when the previous answer is in, so a
 * slow query over a large index never piles requests up. A newer key aborts the older request.
 * A 401 calls `onAuthLost`.
 */
export function useLiveQuery<T>(key: string | null, run: (signal: AbortSignal) => Promise<T>, refreshMs: number, nonce: number, onAuthLost: () => void): LiveResult<T> {
  const [result, setResult] = useState<{ key?: string; data?: T; error?: ApiError; loading: boolean; updatedAt?: number }>({ loading: false });
  const runRef = useRef(run);
  const authRef = useRef(onAuthLost);
  useLayoutEffect(() => {
    runRef.current = run;
    authRef.current = onAuthLost;
  });

  useEffect(() => {
    if (key === null) return undefined;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      setResult((r) => ({ ...r, loading: true }));
      try {
        const data = await runRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setResult({ key, data, loading: false, updatedAt: Date.now() });
      } catch (e) {
        if (controller.signal.aborted || isAbort(e)) return;
        const error = e instanceof ApiError ? e : new ApiError(0, 'internal', (e as Error).message ?? String(e));
        if (error.isAuth) authRef.current();
        // An auto-refresh that fails keeps the data it had for the same view, with the error shown.
        setResult((r) => ({ key, error, loading: false, ...(r.key === key && r.data !== undefined ? { data: r.data, updatedAt: r.updatedAt } : {}) }));
      } finally {
        if (!controller.signal.aborted && refreshMs > 0) timer = setTimeout(() => void load(), refreshMs);
      }
    };
    void load();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, refreshMs, nonce]);

  const current = result.key === key;
  return {
    ...(current && result.data !== undefined ? { data: result.data } : {}),
    ...(current && result.error ? { error: result.error } : {}),
    ...(current && result.updatedAt !== undefined ? { updatedAt: result.updatedAt } : {}),
    ready: current && !result.loading,
    loading: !current || result.loading,
  };
}

/** The last data of any key, for showing the previous answer dimmed while the next one loads. */
export function useLastDefined<T>(value: T | undefined): T | undefined {
  const last = useRef<T | undefined>(value);
  if (value !== undefined) last.current = value;
  return value ?? last.current;
}

/** An element's content width in CSS pixels, kept up to date. */
export function useElementWidth<E extends HTMLElement>(): [RefObject<E | null>, number] {
  const ref = useRef<E | null>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** Open/closed state for a popover that closes on Escape and on a click outside `ref`. */
export function usePopover<E extends HTMLElement>(): { open: boolean; setOpen: (open: boolean) => void; toggle: () => void; ref: RefObject<E | null> } {
  const [open, setOpen] = useState(false);
  const ref = useRef<E | null>(null);
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent): void => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const toggle = useCallback(() => setOpen((o) => !o), []);
  return { open, setOpen, toggle, ref };
}

/** Marks the first time a page shows its data (navigation start → data on screen), for the bench. */
export function useReadyMark(name: string, ready: boolean): void {
  useEffect(() => {
    if (ready && performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
  }, [name, ready]);
}

/** The words of a failed API call as a page shows them. */
export function apiErrorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

/**
 * A page's handler of a failed API call: an abort is nothing, a lost session goes back to sign-in,
 * anything else reaches `onError` in `describe`'s words. `onError` and `describe` must be stable
 * (a state setter, a module function), as the handler is.
 */
export function useApiFailure(onError: (message: string) => void, describe: (e: unknown) => string = apiErrorText): (e: unknown) => void {
  const view = useView();
  return useCallback(
    (e: unknown) => {
      if (isAbort(e)) return;
      if (e instanceof ApiError && e.isAuth) return view.authLost();
      onError(describe(e));
    },
    [view, onError, describe],
  );
}

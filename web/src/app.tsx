/**
 * @module The app: the session check, the view state kept in the URL (pushState on every change,
 * popstate to go back), the header, the search bar and filter pills both pages share, and the page.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type Role } from './api.js';
import { FilterBar } from './components/filter-bar.js';
import { HealthBanner } from './components/health-banner.js';
import { IndicesPanel } from './components/indices-panel.js';
import { SearchBar } from './components/search-bar.js';
import { SignIn } from './components/sign-in.js';
import { AuditPage } from './audit.js';
import { DetectionsPage } from './detections.js';
import { Dashboard } from './dashboard.js';
import { IngestPage } from './ingest.js';
import { FleetPage } from './fleet.js';
import { DocPage } from './doc-page.js';
import { Discover } from './discover.js';
import { addFilter, type FilterValue } from './filters.js';
import { stateFromUrl, urlFromState, type Page, type ViewState } from './state.js';
import { ViewContext, type ViewActions } from './view-context.js';

type Session = { kind: 'checking' } | { kind: 'ok'; role: Role } | { kind: 'signed-out'; reason?: string } | { kind: 'forbidden'; message: string } | { kind: 'unreachable'; message: string };

function currentState(): ViewState {
  return stateFromUrl(window.location.pathname, window.location.search);
}

export function App(): React.JSX.Element {
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const [state, setState] = useState<ViewState>(currentState);
  const [nonce, setNonce] = useState(0);
  const [showIndices, setShowIndices] = useState(false);
  const stateRef = useRef(state);
  stateRef.current = state;

  // The address bar always holds the whole view, defaults included, so that it can be copied.
  useEffect(() => {
    const url = urlFromState(stateRef.current);
    if (url !== window.location.pathname + window.location.search) window.history.replaceState(null, '', url);
    const onPop = (): void => setState(currentState());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    api.session(controller.signal).then(
      (info) => setSession({ kind: 'ok', role: info.role }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        const error = e instanceof ApiError ? e : new ApiError(0, 'network', String(e));
        if (error.status === 401) setSession({ kind: 'signed-out' });
        else if (error.status === 403) setSession({ kind: 'forbidden', message: error.message });
        else setSession({ kind: 'unreachable', message: error.message });
      },
    );
    return () => controller.abort();
  }, []);

  useEffect(() => {
    const titles: Record<Page, string> = { dashboard: 'HIDS Alerts', discover: 'Discover', audit: 'Audit log', ingest: 'Ingest', fleet: 'Fleet', doc: 'Alert', detections: 'Detections' };
    document.title = `${titles[state.page]}${state.query && (state.page === 'discover' || state.page === 'dashboard') ? ` · ${state.query}` : ''} · hidsmon`;
  }, [state.page, state.query]);

  const update = useCallback((change: (s: ViewState) => ViewState) => {
    const next = change(stateRef.current);
    const url = urlFromState(next);
    if (url !== window.location.pathname + window.location.search) window.history.pushState(null, '', url);
    stateRef.current = next;
    setState(next);
  }, []);

  const actions = useMemo<ViewActions>(
    () => ({
      state,
      update,
      filter: (field: string, value: FilterValue, negate: boolean) => update((s) => ({ ...s, filters: addFilter(s.filters, field, value, negate) })),
      toggleColumn: (field: string) => update((s) => ({ ...s, columns: s.columns.includes(field) ? s.columns.filter((c) => c !== field) : [...s.columns, field] })),
      nonce,
      reload: () => setNonce((n) => n + 1),
      authLost: () => setSession({ kind: 'signed-out', reason: 'Your session ended.' }),
    }),
    [state, update, nonce],
  );

  if (session.kind === 'checking') return <div className="boot" aria-busy="true" />;
  if (session.kind !== 'ok') return <SignIn session={session} />;

  const go = (page: Page) => (e: React.MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    update((s) => ({ ...s, page }));
  };
  const signOut = (): void => {
    void api.logout().finally(() => setSession({ kind: 'signed-out', reason: 'You signed out.' }));
  };

  return (
    <ViewContext.Provider value={actions}>
      <div className="app" data-page={state.page}>
        <header className="top-nav">
          <span className="brand" aria-label="hidsmon">
            <img src="/favicon.svg" alt="" width={20} height={20} />
            hidsmon
          </span>
          <nav className="tabs" aria-label="Pages">
            <a href={urlFromState({ ...state, page: 'discover' })} className={state.page === 'discover' ? 'active' : ''} aria-current={state.page === 'discover' ? 'page' : undefined} onClick={go('discover')} data-testid="nav-discover">
              Discover
            </a>
            <a href={urlFromState({ ...state, page: 'dashboard' })} className={state.page === 'dashboard' ? 'active' : ''} aria-current={state.page === 'dashboard' ? 'page' : undefined} onClick={go('dashboard')} data-testid="nav-dashboard">
              HIDS Alerts dashboard
            </a>
            <a href={urlFromState({ ...state, page: 'detections' })} className={state.page === 'detections' ? 'active' : ''} aria-current={state.page === 'detections' ? 'page' : undefined} onClick={go('detections')} data-testid="nav-detections">
              Detections
            </a>
            <a href={urlFromState({ ...state, page: 'fleet' })} className={state.page === 'fleet' ? 'active' : ''} aria-current={state.page === 'fleet' ? 'page' : undefined} onClick={go('fleet')} data-testid="nav-fleet">
              Fleet
            </a>
            <a href={urlFromState({ ...state, page: 'ingest' })} className={state.page === 'ingest' ? 'active' : ''} aria-current={state.page === 'ingest' ? 'page' : undefined} onClick={go('ingest')} data-testid="nav-ingest">
              Ingest
            </a>
            <a href={urlFromState({ ...state, page: 'audit' })} className={state.page === 'audit' ? 'active' : ''} aria-current={state.page === 'audit' ? 'page' : undefined} onClick={go('audit')} data-testid="nav-audit">
              Audit
            </a>
          </nav>
          <span className="spacer" />
          <button type="button" className="link-button on-dark" onClick={() => setShowIndices(true)} data-testid="open-indices">
            Indices and keys
          </button>
          <span className={`role-badge ${session.role}`} data-testid="role" title={session.role === 'admin' ? 'Signed in as admin: may also delete indices' : 'Signed in as viewer: may search, not change'}>
            {session.role}
          </span>
          <button type="button" className="link-button on-dark" onClick={signOut}>
            Sign out
          </button>
        </header>
        <HealthBanner />
        {state.page === 'detections' ? (
          <DetectionsPage role={session.role} />
        ) : state.page === 'audit' ? (
          <AuditPage />
        ) : state.page === 'ingest' ? (
          <IngestPage />
        ) : state.page === 'fleet' ? (
          <FleetPage role={session.role} />
        ) : state.page === 'doc' ? (
          <DocPage />
        ) : (
          <>
            <SearchBar />
            <FilterBar />
            {state.page === 'discover' ? <Discover /> : <Dashboard />}
          </>
        )}
        {showIndices && <IndicesPanel role={session.role} onClose={() => setShowIndices(false)} onChanged={actions.reload} />}
      </div>
    </ViewContext.Provider>
  );
}

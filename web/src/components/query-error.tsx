/**
 * @module A query the server refused, shown under the search bar: the message, the query with a
 * caret under the position of a syntax error, and the hint.
 */
import type { ApiError } from '../api.js';

export function QueryError({ error, query }: { error: ApiError; query: string }): React.JSX.Element {
  const at = error.position;
  const hasPosition = error.kind === 'syntax' && at !== undefined && at >= 0 && at <= query.length;
  const title = error.kind === 'syntax' ? 'Syntax error' : error.kind === 'query' ? 'The query does not fit the data' : error.kind === 'network' ? 'No connection' : 'The search failed';
  return (
    <div className="query-error" role="alert" data-testid="query-error" data-kind={error.kind} {...(hasPosition ? { 'data-position': String(at) } : {})}>
      <div className="query-error-title">
        {title}
        {hasPosition && <span className="query-error-where"> at character {(at as number) + 1}</span>}: <span data-testid="query-error-message">{error.message}</span>
      </div>
      {hasPosition && (
        <pre className="query-error-caret" data-testid="query-error-caret">
          <span className="query-error-text">{query.slice(0, at)}</span>
          <mark className="query-error-at">{query.slice(at, (at as number) + 1) || ' '}</mark>
          <span className="query-error-text">{query.slice((at as number) + 1)}</span>
          {'\n'}
          <span className="query-error-pointer">{`${' '.repeat(at as number)}^`}</span>
        </pre>
      )}
      {error.hint && (
        <div className="query-error-hint" data-testid="query-error-hint">
          {error.hint}
        </div>
      )}
    </div>
  );
}

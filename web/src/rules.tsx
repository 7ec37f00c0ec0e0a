/**
 * @module The Rules section of the Detections page: every rule in force (id, name, kind, severity,
 * source, enabled or why not, query) and, for admins, a YAML form to validate (problems at their
 * line and column, each a button that puts the caret there) and add a rule, and Delete on rules
 * added through the API (confirmed in place). Rule text comes from files and admins: it is put in
 * the page as text nodes, never as HTML.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type Role, type RuleListJson, type RuleProblemJson } from './api.js';
import { useApiFailure } from './hooks.js';
import { useView } from './view-context.js';

/** A small threshold rule, so that the form starts from something that validates. */
export const EXAMPLE_RULE = [
  'id: team.sudo-burst',
  'name: Many sudo to root',
  'severity: medium',
  "query: 'rule.sidid:5402'",
  'condition:',
  '  kind: threshold',
  '  count: 5',
  '  window: 10m',
  '  group_by: [dstuser]',
  '',
].join('\n');

const SOURCE_LABEL: Record<string, string> = { builtin: 'Built-in', file: 'File', api: 'API' };

/** The offset in `text` of a 1-based line and column (clamped to the text). */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  return Math.min(offset + Math.max(column - 1, 0), end < 0 ? text.length : end);
}

type Verdict = { kind: 'valid'; id: string } | { kind: 'invalid'; problems: RuleProblemJson[] } | { kind: 'added'; id: string } | { kind: 'error'; message: string };

export function RulesSection({ role }: { role: Role }): React.JSX.Element {
  const view = useView();
  const [list, setList] = useState<RuleListJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [reload, setReload] = useState(0);
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const fail = useApiFailure(setError);

  useEffect(() => {
    const controller = new AbortController();
    api.rules(controller.signal).then((l) => (setError(undefined), setList(l)), fail);
    return () => controller.abort();
  }, [reload, view.nonce, fail]);

  const remove = (id: string): void => {
    setBusy(true);
    api.deleteRule(id).then(
      () => {
        setBusy(false);
        setConfirming(undefined);
        setReload((n) => n + 1);
      },
      (e: unknown) => {
        setBusy(false);
        setConfirming(undefined);
        fail(e);
      },
    );
  };

  return (
    <section className="rules-section" aria-labelledby="rules-heading" data-testid="rules-section" data-ready={list !== undefined ? 'true' : 'false'}>
      <h2 id="rules-heading">Rules</h2>
      {error && (
        <p className="audit-error" role="alert" data-testid="rules-error">
          {`Rules: ${error}`}
        </p>
      )}
      {list !== undefined && (
        <>
          <p className="audit-count" data-testid="rules-count">
            {`${list.rules.length} rule${list.rules.length === 1 ? '' : 's'} in force`}
          </p>
          <table className="doc-table audit-table detections-table rules-table" data-testid="rules-table">
            <thead>
              <tr>
                <th>Id</th>
                <th>Name</th>
                <th>Kind</th>
                <th className="col-severity">Severity</th>
                <th>Source</th>
                <th className="col-status">State</th>
                <th>Query</th>
                {role === 'admin' && <th className="col-actions">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.rules.map(({ rule, source, editable, engine_error }) => {
                const state = engine_error !== undefined ? 'disabled by the engine' : rule.enabled ? 'enabled' : 'disabled';
                return (
                  <tr key={rule.id} data-testid="rule-row" data-id={rule.id}>
                    <td className="mono" data-testid="rule-id">
                      {rule.id}
                    </td>
                    <td data-testid="rule-name">{rule.name}</td>
                    <td className="mono">{rule.condition.kind}</td>
                    <td>
                      <span className={`severity-badge ${rule.severity}`}>{rule.severity}</span>
                    </td>
                    <td data-testid="rule-source">{SOURCE_LABEL[source] ?? source}</td>
                    <td data-testid="rule-state">
                      <span className={`outcome-badge rule-${engine_error !== undefined ? 'failed' : rule.enabled ? 'enabled' : 'disabled'}`}>{state}</span>
                      {engine_error !== undefined && <span className="rule-reason">{`: ${engine_error}`}</span>}
                    </td>
                    <td className="mono" data-testid="rule-query">
                      {rule.query}
                    </td>
                    {role === 'admin' && (
                      <td className="detection-actions">
                        {editable && confirming !== rule.id && (
                          <button type="button" className="button small" onClick={() => setConfirming(rule.id)} aria-label={`Delete rule ${rule.id}`} data-testid="rule-delete">
                            Delete
                          </button>
                        )}
                        {editable && confirming === rule.id && (
                          <ConfirmDelete id={rule.id} busy={busy} onConfirm={() => remove(rule.id)} onCancel={() => setConfirming(undefined)} />
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {role === 'admin' && <NewRuleForm onAdded={() => setReload((n) => n + 1)} />}
    </section>
  );
}

/** Kibana asks before deleting; here in the row, its confirm button focused so that Enter or Escape answers. */
function ConfirmDelete(props: { id: string; busy: boolean; onConfirm: () => void; onCancel: () => void }): React.JSX.Element {
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => confirm.current?.focus(), []);
  return (
    <div
      className="detection-actions-inner"
      role="group"
      aria-label={`Delete rule ${props.id}?`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <span>Delete?</span>
      <button ref={confirm} type="button" className="button small danger" disabled={props.busy} onClick={props.onConfirm} data-testid="rule-delete-confirm">
        Delete
      </button>
      <button type="button" className="button small" onClick={props.onCancel} data-testid="rule-delete-cancel">
        Cancel
      </button>
    </div>
  );
}

function NewRuleForm({ onAdded }: { onAdded: () => void }): React.JSX.Element {
  const view = useView();
  const [text, setText] = useState(EXAMPLE_RULE);
  const [verdict, setVerdict] = useState<Verdict | undefined>();
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);

  const failed = (e: unknown): void => {
    setBusy(false);
    if (e instanceof ApiError && e.isAuth) return view.authLost();
    setVerdict({ kind: 'error', message: e instanceof ApiError ? e.message : String(e) });
  };

  const validate = (): void => {
    setBusy(true);
    api.validateRule(text).then((v) => {
      setBusy(false);
      setVerdict(v.valid ? { kind: 'valid', id: v.rule.id } : { kind: 'invalid', problems: v.problems });
    }, failed);
  };

  const add = (): void => {
    setBusy(true);
    api.addRule(text).then(
      (r) => {
        setBusy(false);
        setVerdict({ kind: 'added', id: r.rule.id });
        onAdded();
      },
      (e: unknown) => {
        // A 400 names its problems: ask for them with positions, as Validate shows them.
        if (e instanceof ApiError && e.status === 400) return validate();
        failed(e);
      },
    );
  };

  const goTo = (p: RuleProblemJson): void => {
    const el = area.current;
    if (!el) return;
    const at = offsetOf(text, p.line, p.column);
    el.focus();
    el.setSelectionRange(at, at);
  };

  const problems = verdict?.kind === 'invalid' ? verdict.problems : [];
  const problemLines = new Set(problems.map((p) => p.line).filter((l) => l > 0));
  const lineCount = text.split('\n').length;
  return (
    <form
      className="rule-form"
      aria-labelledby="new-rule-heading"
      data-testid="rule-form"
      onSubmit={(e) => {
        e.preventDefault();
        add();
      }}
    >
      <h3 id="new-rule-heading">New rule</h3>
      <label htmlFor="rule-yaml" className="rule-yaml-label">
        Rule (YAML)
      </label>
      <div className="rule-editor">
        {/* The gutter marks the lines with a problem; the list below says what and where. */}
        <div className="rule-gutter mono" aria-hidden="true" data-testid="rule-gutter">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} className={problemLines.has(i + 1) ? 'rule-gutter-line problem' : 'rule-gutter-line'} data-problem={problemLines.has(i + 1) ? 'true' : undefined}>
              {problemLines.has(i + 1) ? `! ${i + 1}` : String(i + 1)}
            </div>
          ))}
        </div>
        <textarea
          id="rule-yaml"
          ref={area}
          className="rule-yaml mono"
          rows={Math.max(lineCount, 10)}
          spellCheck={false}
          value={text}
          aria-invalid={problems.length > 0 ? true : undefined}
          aria-describedby="rule-verdict"
          onChange={(e) => {
            setText(e.target.value);
            setVerdict(undefined);
          }}
          data-testid="rule-yaml"
        />
      </div>
      <div className="rule-buttons">
        <button type="button" className="button" disabled={busy} onClick={validate} data-testid="rule-validate">
          Validate
        </button>
        <button type="submit" className="button primary" disabled={busy} data-testid="rule-add">
          Add
        </button>
      </div>
      <div id="rule-verdict" role="status" aria-live="polite" data-testid="rule-verdict">
        {verdict?.kind === 'valid' && <p className="rule-ok">{`Valid: rule ${verdict.id}.`}</p>}
        {verdict?.kind === 'added' && <p className="rule-ok">{`Added rule ${verdict.id}.`}</p>}
        {verdict?.kind === 'error' && <p className="audit-error">{verdict.message}</p>}
        {verdict?.kind === 'invalid' && (
          <ul className="rule-problems" aria-label="Problems">
            {verdict.problems.map((p, i) => (
              <li key={i} data-testid="rule-problem" data-line={p.line} data-column={p.column}>
                {p.line > 0 ? (
                  <button type="button" className="link-button" onClick={() => goTo(p)} title="Put the caret there" data-testid="rule-problem-position">
                    {`Line ${p.line}, column ${p.column}`}
                  </button>
                ) : (
                  <span>{p.path || 'Rule'}</span>
                )}
                <span>{`: ${p.message}`}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </form>
  );
}

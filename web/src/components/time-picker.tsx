/** @module The time picker: Kibana's quick ranges, and an absolute from/to (local time, ISO 8601 or date math). */
import { useEffect, useState } from 'react';
import { usePopover } from '../hooks.js';
import { formatBound, parseTimeInput, QUICK_RANGES, timeLabel } from '../time.js';
import { useView } from '../view-context.js';

export function TimePicker(): React.JSX.Element {
  const { state, update } = useView();
  const popover = usePopover<HTMLDivElement>();
  const [from, setFrom] = useState(formatBound(state.time.from));
  const [to, setTo] = useState(formatBound(state.time.to));
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    if (!popover.open) return;
    setFrom(formatBound(state.time.from));
    setTo(formatBound(state.time.to));
    setProblem(undefined);
  }, [popover.open, state.time.from, state.time.to]);

  const apply = (e: React.FormEvent): void => {
    e.preventDefault();
    const f = parseTimeInput(from);
    const t = parseTimeInput(to);
    if (!f || !t) {
      setProblem(`Not a time: ${!f ? from : to}. Write 2024-03-02 14:00 (local), 2024-03-02T14:00:00Z or now-1h.`);
      return;
    }
    if (!f.startsWith('now') && !t.startsWith('now') && Date.parse(f) > Date.parse(t)) {
      setProblem('"From" is after "to".');
      return;
    }
    popover.setOpen(false);
    update((s) => ({ ...s, time: { from: f, to: t } }));
  };

  return (
    <div className="time-picker" ref={popover.ref}>
      <button type="button" className="button time-button" data-testid="time-picker" aria-haspopup="dialog" aria-expanded={popover.open} onClick={popover.toggle}>
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" className="clock">
          <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
        <span data-testid="time-label">{timeLabel(state.time)}</span>
      </button>
      {popover.open && (
        <div className="popover time-popover" role="dialog" aria-label="Time range">
          <div className="popover-section">
            <div className="popover-title">Quick ranges</div>
            <ul className="quick-ranges">
              {QUICK_RANGES.map((q) => (
                <li key={q.label}>
                  <button
                    type="button"
                    className={`link-button${q.from === state.time.from && q.to === state.time.to ? ' current' : ''}`}
                    data-testid={`quick-${q.from}`}
                    onClick={() => {
                      popover.setOpen(false);
                      update((s) => ({ ...s, time: { from: q.from, to: q.to } }));
                    }}
                  >
                    {q.label}
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <form className="popover-section absolute-range" onSubmit={apply}>
            <div className="popover-title">Absolute range</div>
            <label>
              From
              <input type="text" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="time-from" spellCheck={false} />
            </label>
            <label>
              To
              <input type="text" value={to} onChange={(e) => setTo(e.target.value)} data-testid="time-to" spellCheck={false} />
            </label>
            <div className="hint">Local time (2024-03-02 14:00:00), ISO 8601 or date math (now-7d).</div>
            {problem && (
              <div className="form-problem" role="alert">
                {problem}
              </div>
            )}
            <button type="submit" className="button primary" data-testid="time-apply">
              Apply
            </button>
          </form>
        </div>
      )}
    </div>
  );
}

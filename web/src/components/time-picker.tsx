/**
 * @module The time picker: Kibana's quick ranges, a relative range (last N minutes, hours, days…),
 * an absolute from/to (in the chosen zone, ISO 8601 or date math), and the time-zone setting.
 */
import { useEffect, useState } from 'react';
import { usePopover } from '../hooks.js';
import { BROWSER_ZONE, browserTimeZone, formatBound, parseTimeInput, QUICK_RANGES, relativeParts, relativeSpan, RELATIVE_UNITS, timeLabel, timeZoneSetting, zoneAbbreviation } from '../time.js';
import { saveTimeZoneSetting } from '../time-zone-setting.js';
import { useView } from '../view-context.js';

/** Zones offered in the list; any other IANA zone can be typed. */
const COMMON_ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'America/St_Johns', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'];

export function TimePicker(): React.JSX.Element {
  const { state, update, reload } = useView();
  const popover = usePopover<HTMLDivElement>();
  const [from, setFrom] = useState(formatBound(state.time.from));
  const [to, setTo] = useState(formatBound(state.time.to));
  const [problem, setProblem] = useState<string | undefined>();
  const relative = relativeParts(state.time);
  const [amount, setAmount] = useState(String(relative?.amount ?? 15));
  const [unit, setUnit] = useState(relative?.unit ?? 'm');
  const [zone, setZone] = useState(timeZoneSetting());
  const [zoneProblem, setZoneProblem] = useState<string | undefined>();

  useEffect(() => {
    if (!popover.open) return;
    setFrom(formatBound(state.time.from));
    setTo(formatBound(state.time.to));
    setProblem(undefined);
    setZone(timeZoneSetting());
    setZoneProblem(undefined);
  }, [popover.open, state.time.from, state.time.to]);

  const applyRelative = (e: React.FormEvent): void => {
    e.preventDefault();
    const n = Number(amount);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) {
      setProblem('The number of units is a whole number from 1.');
      return;
    }
    popover.setOpen(false);
    update((s) => ({ ...s, time: relativeSpan(n, unit) }));
  };

  const applyZone = (e: React.FormEvent): void => {
    e.preventDefault();
    if (!saveTimeZoneSetting(zone)) {
      setZoneProblem(`Not a time zone: ${zone}. Use an IANA name such as Europe/Berlin, or UTC.`);
      return;
    }
    popover.setOpen(false);
    // Every time on the page is shown again, and queries run again with the new time_zone.
    reload();
  };

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
        <span className="zone-badge" data-testid="time-zone-badge" title={`Times are shown in ${timeZoneSetting() === BROWSER_ZONE ? `the browser's zone (${browserTimeZone()})` : timeZoneSetting()}`}>
          {zoneAbbreviation()}
        </span>
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
          <form className="popover-section relative-range" onSubmit={applyRelative}>
            <div className="popover-title">Relative range</div>
            <label>
              Last
              <input type="number" min={1} step={1} value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="relative-amount" aria-label="Number of units" />
            </label>
            <select value={unit} onChange={(e) => setUnit(e.target.value)} data-testid="relative-unit" aria-label="Unit">
              {RELATIVE_UNITS.map((u) => (
                <option key={u.unit} value={u.unit}>
                  {u.many}
                </option>
              ))}
            </select>
            <button type="submit" className="button" data-testid="relative-apply">
              Apply
            </button>
          </form>
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
            <div className="hint">Time in {zoneAbbreviation()} (2024-03-02 14:00:00), ISO 8601 or date math (now-7d).</div>
            {problem && (
              <div className="form-problem" role="alert">
                {problem}
              </div>
            )}
            <button type="submit" className="button primary" data-testid="time-apply">
              Apply
            </button>
          </form>
          <form className="popover-section time-zone" onSubmit={applyZone}>
            <div className="popover-title">Time zone</div>
            <label>
              Show times in
              <input type="text" list="time-zone-choices" value={zone} onChange={(e) => setZone(e.target.value)} data-testid="time-zone-input" spellCheck={false} />
            </label>
            <datalist id="time-zone-choices">
              <option value={BROWSER_ZONE}>{`The browser's (${browserTimeZone()})`}</option>
              {COMMON_ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            <div className="hint">browser ({browserTimeZone()}), UTC, or any IANA zone. Kept in this browser.</div>
            {zoneProblem && (
              <div className="form-problem" role="alert">
                {zoneProblem}
              </div>
            )}
            <button type="submit" className="button" data-testid="time-zone-apply">
              Apply
            </button>
          </form>
        </div>
      )}
    </div>
  );
}

/** @module A banner while the server says it is degraded (/healthz): a sink down, the forwarder restarting, indexing behind. */
import { useEffect, useState } from 'react';
import { api, type Health } from '../api.js';

/** How often the banner asks; degraded states last seconds to hours, so a few seconds' delay is fine. */
const POLL_MS = 5000;

export function HealthBanner(): React.JSX.Element | null {
  const [health, setHealth] = useState<Health | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = (): void => {
      api.health(controller.signal).then(
        (h) => setHealth(h),
        () => undefined, // unreachable is shown by the requests that fail; the banner keeps its last word
      ).finally(() => {
        if (!controller.signal.aborted) timer = setTimeout(poll, POLL_MS);
      });
    };
    poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, []);
  if (health?.status !== 'degraded') return null;
  return (
    <div className="health-banner" role="status" data-testid="health-banner">
      <strong>Indexing is degraded.</strong> New alerts are kept and indexed once this clears; searches may miss the latest.
      <ul>
        {(health.reasons ?? []).map((reason, i) => (
          <li key={i}>{reason}</li>
        ))}
      </ul>
    </div>
  );
}

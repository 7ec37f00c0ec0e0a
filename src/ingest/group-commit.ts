/**
 * @module Group commit: requests that arrive while a commit is running wait and are committed
 * together in the next one (one transaction, one log sync), each caller then gets its own result.
 */
import type { SerialQueue } from '../storage/duckdb-support.js';

interface Waiter<Req, Res> {
  request: Req;
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Req, Res> {
  private pending: Array<Waiter<Req, Res>> = [];
  private scheduled = false;
  private commitCount = 0;

  /**
   * @param lane the queue the commits run on (shared with the store's other writes, so they are
   *   ordered with them)
   * @param commit commits a batch and returns one result per request, in order; a throw fails
   *   every request of the batch
   */
  constructor(
    private readonly lane: SerialQueue,
    private readonly commit: (requests: Req[]) => Promise<Res[]>,
  ) {}

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      void this.lane.run(() => this.flush());
    });
  }

  /** Commits run so far (for tests and metrics). */
  get commits(): number {
    return this.commitCount;
  }

  private async flush(): Promise<void> {
    // Everything submitted until this moment goes into this commit; later arrivals schedule the next.
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.commitCount++;
    let results: Res[];
    try {
      results = await this.commit(batch.map((w) => w.request));
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i] as Res));
  }
}

/**
 * @module A few DuckDB connections for reads, so that searches run side by side: one slow search
 * holds one connection, the others keep answering. A search can be given a deadline, at which its
 * connection's running statement is interrupted (DuckDB stops it and the connection stays usable).
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Thrown by `use` when the deadline interrupted the work. */
export class ReadTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The read ran longer than ${timeoutMs} ms and was interrupted.`);
  }
}

/** Whether a read's time is up; work checks it before each statement. */
export interface Deadline {
  expired: boolean;
  readonly timeoutMs: number;
}

const INTERRUPT_REPEAT_MS = 20;

export class ReadPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(connection: DuckDBConnection) => void> = [];
  private busy = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly connections: readonly DuckDBConnection[]) {
    this.idle = [...connections];
  }

  get size(): number {
    return this.connections.length;
  }

  /**
   * Runs `work` on a connection of its own. With `timeoutMs` > 0, once the time is up the
   * connection's statement is interrupted, again every few milliseconds until the work ends (an
   * interrupt that lands while DuckDB binds or plans is not seen by the execution that follows),
   * `deadline.expired` turns true so that the work starts no further statement, and `use` rejects
   * with ReadTimeoutError once the work has ended and the connection is idle again.
   */
  async use<T>(work: (connection: DuckDBConnection, deadline: Deadline) => Promise<T>, timeoutMs = 0): Promise<T> {
    const connection = await this.acquire();
    const deadline: Deadline = { expired: false, timeoutMs };
    let repeat: ReturnType<typeof setInterval> | undefined;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            deadline.expired = true;
            connection.interrupt();
            repeat = setInterval(() => connection.interrupt(), INTERRUPT_REPEAT_MS);
          }, timeoutMs)
        : undefined;
    try {
      const result = await work(connection, deadline);
      if (deadline.expired) throw new ReadTimeoutError(timeoutMs);
      return result;
    } catch (e) {
      if (deadline.expired) throw new ReadTimeoutError(timeoutMs);
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      if (repeat) clearInterval(repeat);
      this.release(connection);
    }
  }

  /** Resolves once no read is running or waiting. */
  drain(): Promise<void> {
    if (this.busy === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  closeAll(): void {
    for (const c of this.connections) c.closeSync();
  }

  private acquire(): Promise<DuckDBConnection> {
    const connection = this.idle.pop();
    if (connection) {
      this.busy++;
      return Promise.resolve(connection);
    }
    return new Promise((resolve) =>
      this.waiting.push((c) => {
        this.busy++;
        resolve(c);
      }),
    );
  }

  private release(connection: DuckDBConnection): void {
    this.busy--;
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.idle.push(connection);
    if (this.busy === 0 && this.waiting.length === 0 && this.drained) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }
}

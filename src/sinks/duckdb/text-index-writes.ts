/**
 * @module How the text index (text-index.ts) is written: rows as DuckDB took them (their raw
 * texts), analysed and inserted either on the calling thread, or by a worker thread of the
 * index's own (text-index-worker.ts, its own SQLite connection to the WAL file), so that the
 * analysis and FTS5's inserts (~55 µs an alert, more than DuckDB's commit) overlap DuckDB's work
 * and the next batch. Requests are applied in the order given, each acknowledged (or failed) on its
 * own, and every wait for an acknowledgement is bounded in time.
 */
import { Worker } from 'node:worker_threads';
import { indexedTextsOf } from './index-analyzer.js';
import { TextIndex, writeSegment, type PreparedSegment, type TextIndexRow } from './text-index.js';

const DAY_MS = 86_400_000;

/**
 * Rows to index as flat columns (cheap to copy to a worker: three typed arrays and the strings):
 * each row's time, index day, `level` column (NaN for none) and, three per row, its `full_log`,
 * `@message` and `rule.comment` as stored.
 */
export interface RawTextRows {
  ts: Float64Array;
  day: Float64Array;
  level: Float64Array;
  texts: Array<string | null>;
}

/** Collects rows into RawTextRows (`size` at most). */
export class RawTextRowsBuilder {
  private readonly rows: RawTextRows;
  private n = 0;

  constructor(size: number) {
    this.rows = { ts: new Float64Array(size), day: new Float64Array(size), level: new Float64Array(size), texts: new Array<string | null>(size * 3) };
  }

  get length(): number {
    return this.n;
  }

  /** A row: its time, `dedup_ts` (which names its index day), its level column (null or undefined: none) and its texts. */
  push(ts: number, dedupTs: number, level: unknown, fullLog: string | null, message: string | null, comment: string | null): void {
    const i = this.n++;
    this.rows.ts[i] = ts;
    this.rows.day[i] = Math.floor(dedupTs / DAY_MS);
    this.rows.level[i] = level === null || level === undefined ? Number.NaN : Number(level);
    this.rows.texts[3 * i] = fullLog;
    this.rows.texts[3 * i + 1] = message;
    this.rows.texts[3 * i + 2] = comment;
  }

  /** The rows pushed (the arrays cut to them). */
  build(): RawTextRows {
    const n = this.n;
    const r = this.rows;
    if (n === r.ts.length) return r;
    return { ts: r.ts.slice(0, n), day: r.day.slice(0, n), level: r.level.slice(0, n), texts: r.texts.slice(0, 3 * n) };
  }
}

/** The rows of `rows` but those at `skip`. */
export function withoutRows(rows: RawTextRows, skip: ReadonlySet<number>): RawTextRows {
  const out = new RawTextRowsBuilder(rows.ts.length);
  for (let i = 0; i < rows.ts.length; i++) {
    if (skip.has(i)) continue;
    const level = rows.level[i] as number;
    out.push(rows.ts[i] as number, (rows.day[i] as number) * DAY_MS, Number.isNaN(level) ? null : level, rows.texts[3 * i] ?? null, rows.texts[3 * i + 1] ?? null, rows.texts[3 * i + 2] ?? null);
  }
  return out.build();
}

/** The rows as the index takes them: their texts analysed (index-analyzer.ts's indexedTextsOf). */
export function analysedRows(rows: RawTextRows): TextIndexRow[] {
  const out = new Array<TextIndexRow>(rows.ts.length);
  for (let i = 0; i < rows.ts.length; i++) {
    const level = rows.level[i] as number;
    out[i] = { ts: rows.ts[i] as number, day: rows.day[i] as number, level: Number.isNaN(level) ? null : level, texts: indexedTextsOf(rows.texts[3 * i], rows.texts[3 * i + 1], rows.texts[3 * i + 2]) };
  }
  return out;
}

/**
 * What the writer is asked, in order. `compact`: one chunk of ALL the rows of index day `day` (as
 * DuckDB holds them), `first` to `last`, sent one after another with nothing between; on the last
 * chunk the day becomes a segment (TextIndex.compactDay). Its answer `n`: rows taken so far.
 */
export type TextIndexWrite =
  | { op: 'add'; rows: RawTextRows }
  | { op: 'delete'; fromDay: number; toDay: number }
  | { op: 'compact'; day: number; rows: RawTextRows; first: boolean; last: boolean }
  /** A segment written apart (an encoder's, `EncodeChunk`): recorded if its day still counts its rows (TextIndex.commitSegment). */
  | { op: 'commit'; prepared: PreparedSegment }
  /** One bounded step of giving back the pages compactions freed (TextIndex.reclaimStep); answers 1 once nothing is left to do, else 0. */
  | { op: 'reclaim' };

/**
 * What an encoder thread is asked (text-index-worker.ts with `encoder`): like `compact`'s chunks,
 * but on the last one the segment is only written (writeSegment) and given back, for the writer
 * to commit: the encoding (~100 µs a row) is then not spent on the writer's thread.
 */
export interface EncodeChunk {
  op: 'encode';
  day: number;
  rows: RawTextRows;
  first: boolean;
  last: boolean;
}

/** A request as posted to the worker, and its answer (`n`: rows added or removed; `prepared`: an encoder's segment; `code`: the failure's stable code, when it had one). */
export type WorkerRequest = ({ id: number } & (TextIndexWrite | EncodeChunk)) | { id: number; op: 'close' };
export type WorkerReply = ({ id: number; ok: true; n: number; prepared?: PreparedSegment } | { id: number; ok: false; message: string; code?: string }) & { cpuUs: number };

/** A compaction's chunks out of order (a chunk after another request, or of another day): nothing is compacted. */
export class TextIndexCompactionError extends Error {
  readonly code = 'TEXT_INDEX_COMPACTION_INTERRUPTED';
  constructor(message: string) {
    super(message);
    this.name = 'TextIndexCompactionError';
  }
}

/** A day's rows given in chunks (`first` to `last`, nothing between), kept analysed until the last. */
class StagedDay {
  private staged: { day: number; rows: TextIndexRow[] } | undefined;

  /** Takes a chunk: the day's rows so far, all of them once `last`. */
  take(chunk: { day: number; rows: RawTextRows; first: boolean }): TextIndexRow[] {
    if (chunk.first) this.staged = { day: chunk.day, rows: [] };
    const staged = this.staged;
    if (staged === undefined || staged.day !== chunk.day) {
      this.staged = undefined;
      throw new TextIndexCompactionError(`A chunk of day ${chunk.day}'s compaction came without its first chunk; nothing compacted.`);
    }
    for (const row of analysedRows(chunk.rows)) staged.rows.push(row);
    return staged.rows;
  }

  drop(): void {
    this.staged = undefined;
  }
}

/**
 * Applies requests to the index in the order given (on whichever thread holds it); keeps the
 * chunks of a compaction until its last one, analysed (the day's rows are encoded at once).
 */
export class TextIndexApplier {
  private readonly staged = new StagedDay();

  constructor(private readonly index: TextIndex) {}

  /** Returns the rows added or removed (for a compaction's chunk: the day's rows taken so far). */
  apply(write: TextIndexWrite): number {
    if (write.op !== 'compact') {
      this.staged.drop();
      if (write.op === 'delete') return this.index.deleteDays(write.fromDay, write.toDay);
      if (write.op === 'commit') return this.index.commitSegment(write.prepared).docs;
      if (write.op === 'reclaim') return this.index.reclaimStep() ? 1 : 0;
      this.index.add(analysedRows(write.rows));
      return write.rows.ts.length;
    }
    const rows = this.staged.take(write);
    if (!write.last) return rows.length;
    this.staged.drop();
    return this.index.compactDay(write.day, rows).docs;
  }
}

/** An encoder thread's work: a day's chunks analysed, and on the last its segment written (writeSegment) for the writer to commit. */
export class SegmentEncoder {
  private readonly staged = new StagedDay();

  constructor(private readonly indexPath: string) {}

  apply(chunk: EncodeChunk): { n: number; prepared?: PreparedSegment } {
    const rows = this.staged.take(chunk);
    if (!chunk.last) return { n: rows.length };
    this.staged.drop();
    return { n: rows.length, prepared: writeSegment(this.indexPath, chunk.day, rows) };
  }
}

/** The stable code of an error, when it has one (`code`, a string). */
export function errorCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The index's writer: requests applied in the order given; each promise settles when its request did. */
export interface TextIndexWriter {
  apply(write: TextIndexWrite): Promise<number>;
  /** Stops the writer once the requests given are done (bounded); never rejects. */
  close(): Promise<void>;
}

/** Writes on the calling thread, synchronously: for an index in memory (a worker cannot share it), and as the reference. */
export class InlineTextIndexWriter implements TextIndexWriter {
  private readonly applier: TextIndexApplier;

  constructor(index: TextIndex) {
    this.applier = new TextIndexApplier(index);
  }

  apply(write: TextIndexWrite): Promise<number> {
    try {
      return Promise.resolve(this.applier.apply(write));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Errors of the worker writer, with stable codes. */
export class TextIndexWriterError extends Error {
  constructor(
    readonly code: 'TEXT_INDEX_WORKER_TIMEOUT' | 'TEXT_INDEX_WORKER_EXITED' | 'TEXT_INDEX_WRITE_FAILED',
    message: string,
    /** For TEXT_INDEX_WRITE_FAILED: the stable code of the worker's error, when it had one (TEXT_SEGMENT_COUNT_MISMATCH, say). */
    readonly writeCode?: string,
  ) {
    super(message);
    this.name = 'TextIndexWriterError';
  }
}

/**
 * How long a request may go unanswered: generous (a rebuild's 10,000 rows take ~1 s on a loaded
 * machine), it is against a stuck worker, which is then stopped and the index reported failed.
 */
const ACK_TIMEOUT_MS = 120_000;
/** How long close waits for the worker to finish and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 30_000;

/** The worker module beside this one: the compiled .js, or the .ts source under the test runner (through tsx's loader). */
function workerModule(): { url: URL; execArgv?: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./text-index-worker.js', import.meta.url) };
  // Given execArgv replace the inherited ones and must not hold per-process options (a worker
  // refuses --min-semi-space-size, say): tsx's loader, and a --cpu-prof to profile the worker too.
  return { url: new URL('./text-index-worker.ts', import.meta.url), execArgv: ['--import', 'tsx', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))] };
}

/** What the worker thread is started with. */
export interface TextIndexWorkerData {
  path: string;
  segments: boolean;
  encoder: boolean;
}

interface Waiting {
  resolve: (reply: { n: number; prepared?: PreparedSegment }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Writes through a worker thread holding its own connection to the index file. A worker that
 * exits, fails or leaves a request unanswered past ACK_TIMEOUT_MS fails every request given and
 * every later one (the keeper then stops the index answering): nothing waits forever.
 */
export class WorkerTextIndexWriter implements TextIndexWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private failure: TextIndexWriterError | undefined;
  private exited: Promise<void>;
  /** The worker thread's CPU time (µs, user and system) as of its last answer. */
  cpuMicros = 0;

  /**
   * `segments`: the worker opens the index with closed days as segment files (TextIndex.open's
   * option), as the reading connection does. `encoder`: the thread opens no connection and only
   * encodes segments (`encode`).
   */
  constructor(path: string, segments = false, encoder = false) {
    const { url, execArgv } = workerModule();
    this.worker = new Worker(url, { workerData: { path, segments, encoder } satisfies TextIndexWorkerData, ...(execArgv ? { execArgv } : {}) });
    // Idle, the worker keeps no process alive; a request waiting for its answer does (its timer).
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (e) => this.fail(new TextIndexWriterError('TEXT_INDEX_WORKER_EXITED', `The text index worker failed: ${e.message}`)));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new TextIndexWriterError('TEXT_INDEX_WORKER_EXITED', `The text index worker exited (code ${code}).`));
        resolve();
      });
    });
  }

  apply(write: TextIndexWrite): Promise<number> {
    return this.request({ id: this.nextId++, ...write }).then((reply) => reply.n);
  }

  /** An encoder's chunk (started with `encoder`): the rows taken so far, and on the last chunk the segment written. */
  encode(chunk: EncodeChunk): Promise<{ n: number; prepared?: PreparedSegment }> {
    return this.request({ id: this.nextId++, ...chunk });
  }

  private request(message: WorkerRequest): Promise<{ n: number; prepared?: PreparedSegment }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TextIndexWriterError('TEXT_INDEX_WORKER_TIMEOUT', `The text index worker did not answer within ${ACK_TIMEOUT_MS / 1000} s.`));
        void this.worker.terminate();
      }, ACK_TIMEOUT_MS);
      this.waiting.set(message.id, { resolve, reject, timer });
      this.worker.postMessage(message);
    });
  }

  private settle(reply: WorkerReply): void {
    this.cpuMicros = reply.cpuUs;
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(new TextIndexWriterError('TEXT_INDEX_WRITE_FAILED', reply.message, reply.code));
  }

  private fail(error: TextIndexWriterError): void {
    this.failure ??= error;
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(this.failure);
    }
  }

  async close(): Promise<void> {
    if (!this.failure) {
      // The worker answers 'close' after every request before it, closes its connection and ends.
      await this.request({ id: this.nextId++, op: 'close' }).catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS)));
    const ended = await Promise.race([this.exited.then(() => 'exited' as const), late]);
    clearTimeout(timer);
    if (ended === 'late') await this.worker.terminate();
  }
}

/**
 * The writer for the index at `path`: a worker for a file, unless `worker` is false; inline for
 * `:memory:`, and when no worker can be started (the index is then written as before, slower).
 */
/**
 * A writer on another connection whose every write, once it settled, is told to `index`'s kept
 * counts (text-index-counts.ts): the times it added, or a deletion. The index then keeps the counts
 * of days no write touched instead of dropping them all on every commit it sees from the writer's
 * connection. Told on failure too (the write may have partly landed before it failed).
 */
function announcedTo(index: TextIndex, writer: TextIndexWriter): TextIndexWriter {
  index.writesAnnounced();
  // A compaction moves rows without changing any answer: the kept counts stay (text-index.ts).
  const told = (write: TextIndexWrite): void => {
    if (write.op === 'add' || write.op === 'delete') index.wroteElsewhere(write.op === 'add' ? write.rows.ts : 'deleted');
  };
  return {
    apply: (write) =>
      writer.apply(write).then(
        (n) => {
          told(write);
          return n;
        },
        (e: unknown) => {
          told(write);
          throw e;
        },
      ),
    close: () => writer.close(),
  };
}

export function textIndexWriter(index: TextIndex, path: string, worker: boolean, segments = false): TextIndexWriter {
  if (!worker || path === ':memory:') return new InlineTextIndexWriter(index);
  try {
    return announcedTo(index, new WorkerTextIndexWriter(path, segments));
  } catch {
    return new InlineTextIndexWriter(index);
  }
}

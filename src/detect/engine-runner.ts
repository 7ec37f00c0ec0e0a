/**
 * @module Runs the rule engine beside indexing: documents the forwarder indexed are queued (bounded;
 * `offer` never blocks nor throws) and evaluated in slices between other work, detections are put
 * in the DetectionStore and, when new, told to listeners (the notification dispatcher); the
 * engine's state is written to `<data>/detections-state.json` atomically every second while it
 * changes (less often when it is large: see persist) and on stop, and read back on start. A detection is put before the state that records it
 * is written, so a crash between the two makes the detection again (same id: `exists`), never loses it.
 *
 * Durability window: documents evaluated since the last state write (at most about a second) are
 * not in the saved state after a kill -9; the forwarder redelivers only what its cursor had not
 * passed, so such documents can be missing from their windows. A stop (SIGTERM) writes the state.
 */
import { readFileSync } from 'node:fs';
import type { Detection, DetectionStore } from '../core/detection.js';
import type { IndexedDocument } from '../core/document.js';
import { DetectionEngine, type EngineSnapshot, type RuleStatus } from './engine.js';
import type { RuleSet } from './rule-set.js';
import { writeAtomically } from './rule-files.js';

export const DEFAULT_MAX_QUEUED = 100_000;
/** A slice of evaluation takes at most this long before it yields to indexing and requests. */
const SLICE_MS = 8;
const SLICE_DOCUMENTS = 2000;

export type DetectionListener = (detection: Detection) => void;

export interface RunnerOptions {
  rules: RuleSet;
  store: DetectionStore;
  /** Where the engine's state is kept; undefined keeps it in memory only (tests of pure behaviour). */
  statePath?: string;
  now?: () => number;
  maxQueued?: number;
  /** How often silent hosts are looked for (default 5 s). */
  tickMs?: number;
  /** How often a changed state is written (default 1 s). */
  persistMs?: number;
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
  /** Documents not evaluated because the queue was full. */
  onDropped?: (count: number) => void;
}

export class DetectionRunner {
  readonly engine: DetectionEngine;
  private readonly queue: IndexedDocument[] = [];
  private queueHead = 0;
  private scheduled = false;
  private readonly listeners = new Set<DetectionListener>();
  private puts: Promise<void> = Promise.resolve();
  private pendingPuts = 0;
  private dirty = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private droppedCount = 0;
  private detectionsCreated = 0;
  private idleWaiters: Array<() => void> = [];
  private nextPersistAt = 0;

  constructor(private readonly options: RunnerOptions) {
    const now = options.now ?? Date.now;
    this.engine = new DetectionEngine({
      now,
      emit: (d) => this.put(d),
      onRuleError: (ruleId, error) => options.log?.('error', { ruleId, err: error.message }, 'A detection rule failed on a document; it is disabled until it is changed or the server restarts.'),
      onStateDropped: (ruleId, count) => options.log?.('warn', { ruleId, count }, 'A detection rule held too many groups; the least recently active were forgotten.'),
    });
  }

  /** Loads the saved state, applies the rules, and starts the timers. */
  start(): void {
    this.engine.setRules(this.options.rules.rules());
    const saved = this.readState();
    if (saved) this.engine.restore(saved);
    this.unsubscribe = this.options.rules.onChange(() => {
      this.engine.setRules(this.options.rules.rules());
      this.dirty = true;
    });
    const tick = setInterval(() => {
      this.engine.tick();
      this.dirty = true;
    }, this.options.tickMs ?? 5000);
    const persist = setInterval(() => void this.persist().catch((e: unknown) => this.options.log?.('error', { err: (e as Error).message }, 'The detection engine state could not be written; it is tried again.')), this.options.persistMs ?? 1000);
    tick.unref();
    persist.unref();
    this.timers = [tick, persist];
  }

  /** Told of each new detection (not of one a restart made again). Returns the unsubscribe. */
  onDetection(listener: DetectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Documents a sink took; evaluated soon, never here. Never throws, never waits. */
  offer(documents: readonly IndexedDocument[]): void {
    if (this.stopped || documents.length === 0) return;
    const room = (this.options.maxQueued ?? DEFAULT_MAX_QUEUED) - (this.queue.length - this.queueHead);
    const taken = documents.length <= room ? documents : documents.slice(0, Math.max(0, room));
    if (taken.length < documents.length) {
      const dropped = documents.length - taken.length;
      this.droppedCount += dropped;
      this.options.onDropped?.(dropped);
      this.options.log?.('error', { dropped, queued: this.queue.length - this.queueHead }, 'Detection queue full: documents indexed but not evaluated by the rules.');
    }
    for (const d of taken) this.queue.push(d);
    this.schedule();
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get created(): number {
    return this.detectionsCreated;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  status(): RuleStatus[] {
    return this.engine.status();
  }

  /** Resolves when every document offered so far is evaluated and its detections are stored (tests, bench). */
  async idle(): Promise<void> {
    if (this.queued > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.puts;
  }

  /** Evaluates what is queued (within `deadlineMs`), writes the state, stops the timers. */
  async stop(deadlineMs = 2000): Promise<void> {
    if (this.stopped) return;
    const end = performance.now() + deadlineMs;
    while (this.queued > 0 && performance.now() < end) this.slice();
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    this.dirty = true;
    await this.persist(true);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Whether indexing is behind now (the server asks the forwarder's lag). While it is, and the
   * queue is less than half full, the engine gives way: a pause of three slices after each slice,
   * so that it takes at most about a quarter of a core from indexing and catches up afterwards.
   */
  busy: () => boolean = () => false;

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      const started = performance.now();
      this.slice();
      if (this.queued === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
        return;
      }
      const yieldMore = this.queued < (this.options.maxQueued ?? DEFAULT_MAX_QUEUED) / 2 && this.safeBusy();
      this.scheduled = true;
      if (yieldMore) setTimeout(run, Math.max(1, Math.round(3 * (performance.now() - started))));
      else setImmediate(run);
    };
    setImmediate(run);
  }

  private safeBusy(): boolean {
    try {
      return this.busy();
    } catch {
      return false;
    }
  }

  /** One bounded slice of evaluation. */
  private slice(): void {
    const started = performance.now();
    let n = 0;
    while (this.queueHead < this.queue.length && n < SLICE_DOCUMENTS) {
      const doc = this.queue[this.queueHead++] as IndexedDocument;
      this.engine.evaluate(doc);
      n++;
      if ((n & 63) === 0 && performance.now() - started > SLICE_MS) break;
    }
    if (n > 0) this.dirty = true;
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private put(detection: Detection): void {
    this.pendingPuts++;
    this.puts = this.puts.then(async () => {
      try {
        const outcome = await this.options.store.put(detection);
        if (outcome !== 'created') return;
        this.detectionsCreated++;
        for (const listener of this.listeners) {
          try {
            listener(detection);
          } catch (e) {
            this.options.log?.('error', { err: (e as Error).message, detection: detection.id }, 'A detection listener failed.');
          }
        }
      } catch (e) {
        this.options.log?.('error', { err: (e as Error).message, detection: detection.id, rule: detection.rule.id }, 'A detection could not be stored.');
      } finally {
        this.pendingPuts--;
      }
    });
  }

  /**
   * Writes the state once the detections it records are stored. A large state (many groups of
   * rules with high counts) takes a while to serialize on this thread: the next write waits at
   * least 20 times as long as this one took, so that saving never takes more than ~5% of the time.
   */
  private async persist(force = false): Promise<void> {
    if (!this.dirty || this.options.statePath === undefined) return;
    if (!force && performance.now() < this.nextPersistAt) return;
    this.dirty = false;
    const started = performance.now();
    const text = JSON.stringify(this.engine.snapshot());
    await this.puts;
    try {
      writeAtomically(this.options.statePath, text);
    } catch (e) {
      this.dirty = true;
      throw e;
    } finally {
      this.nextPersistAt = performance.now() + 20 * (performance.now() - started);
    }
  }

  private readState(): EngineSnapshot | undefined {
    if (this.options.statePath === undefined) return undefined;
    try {
      const value = JSON.parse(readFileSync(this.options.statePath, 'utf8')) as EngineSnapshot;
      return typeof value === 'object' && value !== null && typeof value.rules === 'object' ? value : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.options.log?.('error', { err: (e as Error).message, path: this.options.statePath }, 'The detection engine state could not be read; the rules start with empty windows.');
      return undefined;
    }
  }
}

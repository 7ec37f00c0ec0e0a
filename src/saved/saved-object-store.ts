/**
 * @module The saved searches and queries of a server: a table in their own DuckDB file
 * (`<data>/saved-objects.duckdb`), so that they survive a restart and do not depend on the index
 * (the same on the embedded store and on OpenSearch). There are few (SAVED_LIMITS.objects per
 * type), so all of them are kept in memory and read from there; a change is committed (DuckDB syncs
 * its WAL at each commit) before it is answered. Changes run one at a time, which is what keeps
 * names unique. SQL with parameters only.
 */
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { err, ok, type Result } from '../core/result.js';
import { SerialQueue, inTransaction } from '../storage/duckdb-support.js';
import { nameKey, SAVED_LIMITS, type SavedObject, type SavedObjectError, type SavedObjectType, type SavedView } from './saved-object.js';

const TABLE = 'saved_objects';

export interface SavedObjectStoreOptions {
  /** The DuckDB file, or `:memory:`. */
  path: string;
  now?: () => number;
}

export class SavedObjectStore {
  private readonly objects = new Map<string, SavedObject>();
  private readonly writes = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly now: () => number,
  ) {}

  static async open(options: SavedObjectStoreOptions): Promise<SavedObjectStore> {
    const instance = await DuckDBInstance.create(options.path, { threads: '1', memory_limit: '32MB' });
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE TABLE IF NOT EXISTS ${TABLE} (id VARCHAR, type VARCHAR, name VARCHAR, view VARCHAR, created_ms BIGINT, updated_ms BIGINT, owner VARCHAR, updated_by VARCHAR)`);
      const store = new SavedObjectStore(instance, connection, options.now ?? Date.now);
      const rows = (await connection.runAndReadAll(`SELECT id, type, name, view, created_ms, updated_ms, owner, updated_by FROM ${TABLE}`)).getRows();
      for (const [id, type, name, view, created, updated, owner, updatedBy] of rows) {
        store.objects.set(String(id), {
          id: String(id),
          type: type as SavedObjectType,
          name: String(name),
          view: JSON.parse(String(view)) as SavedView,
          createdMs: Number(created),
          updatedMs: Number(updated),
          owner: String(owner),
          updatedBy: String(updatedBy),
        });
      }
      return store;
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** Objects of a type, by name (case-insensitive), then id. */
  list(type: SavedObjectType): SavedObject[] {
    return [...this.objects.values()].filter((o) => o.type === type).sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)) || a.id.localeCompare(b.id));
  }

  get(type: SavedObjectType, id: string): SavedObject | undefined {
    const found = this.objects.get(id);
    return found?.type === type ? found : undefined;
  }

  create(type: SavedObjectType, name: string, view: SavedView, by: string): Promise<Result<SavedObject, SavedObjectError>> {
    return this.writes.run(async () => {
      if (this.list(type).length >= SAVED_LIMITS.objects) return err({ code: 'too_many', message: `There are already ${SAVED_LIMITS.objects} saved ${type === 'search' ? 'searches' : 'queries'}; delete some first.` });
      const taken = this.nameTaken(type, name, undefined);
      if (taken) return err(taken);
      const at = this.now();
      const object: SavedObject = { id: randomUUID(), type, name, view, createdMs: at, updatedMs: at, owner: by, updatedBy: by };
      await this.write(object);
      return ok(object);
    });
  }

  /**
   * Renames and/or changes the view of an object (`view` makes the new one from what is stored now); `allowed` is asked with the current object (the
   * caller's permission check sees what is stored now, not what was listed).
   */
  update(type: SavedObjectType, id: string, change: { name?: string; view?: (current: SavedView) => Result<SavedView, SavedObjectError> }, by: string, allowed: (current: SavedObject) => SavedObjectError | undefined): Promise<Result<SavedObject, SavedObjectError>> {
    return this.writes.run(async () => {
      const current = this.get(type, id);
      if (!current) return err(notFound(type, id));
      const refused = allowed(current);
      if (refused) return err(refused);
      if (change.name !== undefined) {
        const taken = this.nameTaken(type, change.name, id);
        if (taken) return err(taken);
      }
      const view = change.view ? change.view(current.view) : ok(current.view);
      if (!view.ok) return view;
      const next: SavedObject = { ...current, ...(change.name !== undefined ? { name: change.name } : {}), view: view.value, updatedMs: this.now(), updatedBy: by };
      await this.write(next);
      return ok(next);
    });
  }

  remove(type: SavedObjectType, id: string, allowed: (current: SavedObject) => SavedObjectError | undefined): Promise<Result<SavedObject, SavedObjectError>> {
    return this.writes.run(async () => {
      const current = this.get(type, id);
      if (!current) return err(notFound(type, id));
      const refused = allowed(current);
      if (refused) return err(refused);
      this.assertOpen();
      await this.connection.run(`DELETE FROM ${TABLE} WHERE id = $1`, [id]);
      this.objects.delete(id);
      return ok(current);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.run(async () => {
      this.closed = true;
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private nameTaken(type: SavedObjectType, name: string, except: string | undefined): SavedObjectError | undefined {
    const key = nameKey(name);
    const clash = this.list(type).find((o) => o.id !== except && nameKey(o.name) === key);
    return clash ? { code: 'duplicate_name', message: `A saved ${type} is already named "${clash.name}"; choose another name.` } : undefined;
  }

  /** Replaces the object's row in one transaction (delete then insert: no UPDATE of a row read in the same transaction). */
  private async write(o: SavedObject): Promise<void> {
    this.assertOpen();
    await inTransaction(this.connection, async () => {
      await this.connection.run(`DELETE FROM ${TABLE} WHERE id = $1`, [o.id]);
      await this.connection.run(`INSERT INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [o.id, o.type, o.name, JSON.stringify(o.view), BigInt(o.createdMs), BigInt(o.updatedMs), o.owner, o.updatedBy]);
    });
    this.objects.set(o.id, o);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The saved objects store is closed.');
  }
}

function notFound(type: SavedObjectType, id: string): SavedObjectError {
  return { code: 'not_found', message: `There is no saved ${type} with id ${id}.` };
}

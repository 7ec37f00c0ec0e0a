import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore } from './log-store.js';

const NOW = Date.UTC(2024, 5, 1, 12);
const DAY = 86_400_000;
const EMBEDDED = 'arn:hidsmon:sink:embedded';
const OTHER = 'arn:hidsmon:sink:other';

async function unwrap<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`unexpected ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('retention waits for destinations (real DuckDB log)', () => {
  let store: LogStore;
  const messages = async (): Promise<string[]> => (await store.readAfter(0, 100)).map((e) => `${e.logGroup}:${e.message}`);

  /** Three old events (seq 1..3) and one recent (seq 4) in each named group, in that order; retention 1 day. */
  async function seed(...groups: string[]): Promise<void> {
    for (const g of groups) {
      await unwrap(store.createLogGroup(g));
      await unwrap(store.createLogStream(g, 's'));
      await unwrap(store.putLogEvents(g, 's', [0, 1, 2].map((i) => ({ timestamp: NOW - 3 * DAY + i, message: `old${i}` }))));
      await unwrap(store.putLogEvents(g, 's', [{ timestamp: NOW - 1000, message: 'recent' }]));
      await unwrap(store.putRetentionPolicy(g, 1));
    }
  }

  beforeEach(async () => {
    store = await LogStore.open({ path: ':memory:', now: () => NOW });
  });
  afterEach(async () => store.close());

  it('keeps expired events a destination has not taken, and deletes them once its cursor passes', async () => {
    await seed('hids');
    const receivers = [{ logGroup: 'hids', destination: EMBEDDED }];
    // Never forwarded at all: nothing may go.
    expect(await store.expireEvents(NOW, receivers)).toEqual({ deleted: 0, heldEvents: 3, waitingOn: [{ destination: EMBEDDED, cursor: 0, heldEvents: 3 }] });
    expect(await messages()).toEqual(['hids:old0', 'hids:old1', 'hids:old2', 'hids:recent']);

    await store.setCursor(EMBEDDED, 1);
    expect(await store.expireEvents(NOW, receivers)).toEqual({ deleted: 1, heldEvents: 2, waitingOn: [{ destination: EMBEDDED, cursor: 1, heldEvents: 2 }] });
    expect(await messages()).toEqual(['hids:old1', 'hids:old2', 'hids:recent']);
    expect(store.getLogStream('hids', 's')).toMatchObject({ ok: true, value: { events: 3, firstEventTimestamp: NOW - 3 * DAY + 1 } });

    await store.setCursor(EMBEDDED, 4);
    expect(await store.expireEvents(NOW, receivers)).toEqual({ deleted: 2, heldEvents: 0, waitingOn: [] });
    expect(await messages()).toEqual(['hids:recent']);
    expect(store.lastSequence()).toBe(4);
  });

  it('waits on the slowest receiver of a group only, and only for the groups it receives', async () => {
    await seed('a', 'b', 'c');
    // a: seq 1-4, b: 5-8, c: 9-12. EMBEDDED receives a and b and has taken a; OTHER receives b and is done.
    await store.setCursor(EMBEDDED, 4);
    await store.setCursor(OTHER, 12);
    // A cursor left by a removed subscription (not a receiver now) holds nothing back.
    await store.setCursor('arn:hidsmon:sink:gone', 0);
    const receivers = [
      { logGroup: 'a', destination: EMBEDDED },
      { logGroup: 'b', destination: EMBEDDED },
      { logGroup: 'b', destination: OTHER },
    ];
    expect(await store.expireEvents(NOW, receivers)).toEqual({ deleted: 6, heldEvents: 3, waitingOn: [{ destination: EMBEDDED, cursor: 4, heldEvents: 3 }] });
    // c has no receiver: age alone decides.
    expect(await messages()).toEqual(['a:recent', 'b:old0', 'b:old1', 'b:old2', 'b:recent', 'c:recent']);
  });

  it('deletes by age alone when nobody receives the group, as before', async () => {
    await seed('hids');
    await store.setCursor(EMBEDDED, 0);
    expect(await store.expireEvents(NOW, [])).toEqual({ deleted: 3, heldEvents: 0, waitingOn: [] });
    expect(await messages()).toEqual(['hids:recent']);
  });
});

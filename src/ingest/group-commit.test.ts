import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';
import { SerialQueue } from '../storage/duckdb-support.js';

describe('GroupCommit', () => {
  it('gathers requests that arrive during a commit into the next one', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(new SerialQueue(), async (requests) => {
      batches.push(requests);
      await new Promise((r) => setTimeout(r, 5));
      return requests.map((n) => n * 10);
    });
    const first = group.submit(1);
    await Promise.resolve();
    const rest = [2, 3, 4, 5].map((n) => group.submit(n));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
    expect(group.commits).toBe(2);
  });

  it('fails every request of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>(new SerialQueue(), async (requests) => {
      if (calls++ === 0) throw new Error('disk full');
      return requests;
    });
    const a = group.submit(1);
    const b = group.submit(2);
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
    expect(await group.submit(3)).toBe(3);
  });

  it('orders commits with other work on the same lane', async () => {
    const lane = new SerialQueue();
    const log: string[] = [];
    const group = new GroupCommit<string, void>(lane, async (requests) => {
      log.push(`commit ${requests.join(',')}`);
      return requests.map(() => undefined);
    });
    const p1 = group.submit('a');
    const p2 = lane.run(async () => void log.push('other'));
    const p3 = group.submit('b');
    await Promise.all([p1, p2, p3]);
    expect(log).toEqual(['commit a,b', 'other']);
  });
});

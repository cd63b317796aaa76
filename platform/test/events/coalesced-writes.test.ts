import { describe, expect, it } from 'vitest';
import { CoalescedWrites } from '../../src/events/coalesced-writes';

/** A write that holds until the test lets it finish, and remembers what it carried. */
function heldWrites() {
  const batches: number[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const writes = new CoalescedWrites<number>(
    (items) =>
      new Promise<void>((resolve, reject) => {
        batches.push(items);
        finish.push((error) => (error ? reject(error) : resolve()));
      }),
  );
  return { writes, batches, finish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedWrites', () => {
  it('writes the first item at once and the items added meanwhile together in the next write', async () => {
    const { writes, batches, finish } = heldWrites();
    const settled: number[] = [];
    const first = writes.add(1).then(() => settled.push(1));
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((item) => writes.add(item).then(() => settled.push(item)));
    await tick();
    expect(batches).toEqual([[1]]);
    finish[0]?.();
    await first;
    await tick();
    expect(settled).toEqual([1]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]?.();
    await Promise.all(rest);
    expect(settled).toEqual([1, 2, 3, 4]);
  });

  it('rejects only the items of a failed write, and writes the next ones', async () => {
    const { writes, batches, finish } = heldWrites();
    const first = writes.add(1);
    const second = writes.add(2);
    finish[0]?.(new Error('database away'));
    await expect(first).rejects.toThrow('database away');
    await tick();
    expect(batches).toEqual([[1], [2]]);
    finish[1]?.();
    await expect(second).resolves.toBeUndefined();
    const third = writes.add(3);
    expect(batches).toEqual([[1], [2], [3]]);
    finish[2]?.();
    await expect(third).resolves.toBeUndefined();
  });
});

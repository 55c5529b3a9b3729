import { describe, expect, it } from 'vitest';
import { Busy, inLine } from '../src/in-line.ts';

/** A piece of work that ends when the test says, recording when it started. */
function gate(name: string, started: string[]) {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { work: async () => (started.push(name), await done, name), open };
}

describe('work for the log in line (in-line.ts)', () => {
  it('runs one at a time in the order asked, refuses what is past the line at once, and takes more once room is made', async () => {
    const started: string[] = [];
    const turn = inLine(2);
    const [a, b, c] = [gate('a', started), gate('b', started), gate('c', started)];
    const first = turn(a.work);
    const second = turn(b.work);
    await expect(turn(c.work)).rejects.toBeInstanceOf(Busy);
    await Promise.resolve();
    expect(started).toEqual(['a']);
    a.open();
    expect(await first).toBe('a');
    // a's place is free: c may wait behind b.
    const third = turn(c.work);
    b.open();
    c.open();
    expect([await second, await third]).toEqual(['b', 'c']);
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('goes on after a piece of work that failed', async () => {
    const turn = inLine(2);
    await expect(turn(() => Promise.reject(new Error('log unreadable')))).rejects.toThrow('log unreadable');
    expect(await turn(async () => 'next')).toBe('next');
  });
});

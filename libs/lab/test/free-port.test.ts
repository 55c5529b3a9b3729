import { describe, expect, it } from 'vitest';
import { freePort } from '#libs/lab';

describe('freePort', () => {
  it('hands out each port once in a process, though the OS gives a port just closed to a later ask', async () => {
    // 500 asks of ~28k ephemeral ports: the OS alone repeats one in nearly every run (birthday bound).
    const ports: number[] = [];
    for (let i = 0; i < 500; i++) ports.push(await freePort());
    const repeated = ports.filter((port, i) => ports.indexOf(port) !== i);
    expect(repeated).toEqual([]);
  });
});

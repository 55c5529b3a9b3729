/**
 * Polls a condition instead of sleeping a guessed time; fails with the last error after `ms`,
 * or at once when `gaveUp` says why waiting is pointless (the process being waited for died).
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { ms = 10_000, gaveUp = (): string | undefined => undefined } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const reason = gaveUp();
    if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A promise that must settle within `ms`; fails naming what hung rather than holding the test to its own timeout. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hung: waited ${ms} ms for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}

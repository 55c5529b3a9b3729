import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/initiator-client.ts';

describe('backoffDelay', () => {
  const backoff = { initialMs: 1_000, maxMs: 60_000 };

  it('doubles each failed attempt up to the maximum', () => {
    const ceilings = [0, 1, 2, 3, 5, 6, 7, 20].map((attempt) => backoffDelay(backoff, attempt, () => 1));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('draws between half and all of the ceiling, so speakers that lost a peer together spread out', () => {
    expect(backoffDelay(backoff, 3, () => 0)).toBe(4_000);
    expect(backoffDelay(backoff, 3, () => 0.5)).toBe(6_000);
    const draws = Array.from({ length: 200 }, () => backoffDelay(backoff, 2, Math.random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...draws)).toBeLessThanOrEqual(4_000);
    expect(new Set(draws).size).toBeGreaterThan(100);
  });
});

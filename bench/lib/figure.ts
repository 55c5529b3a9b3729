/**
 * One bench figure: several timed runs of the thing measured and of its baseline, taken in the
 * same process and interleaved so that both see the same machine noise, reported as medians and
 * their ratio. Figures are compared against targets only here, never in tests.
 */
export interface Series {
  readonly name: string;
  readonly runs: number[];
  readonly median: number;
}

export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly measured: Series;
  readonly baseline: Series;
  readonly ratio: number;
  /** `max` is a ceiling, for figures where lower is better (bytes per route, ms to restart). */
  readonly targets: { readonly min?: number; readonly max?: number; readonly minRatio?: number };
  readonly met: boolean;
  readonly notes: Record<string, number | string>;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function figure(
  spec: Omit<Figure, 'measured' | 'baseline' | 'ratio' | 'met'> & {
    measured: { name: string; runs: number[] };
    baseline: { name: string; runs: number[] };
  },
): Figure {
  const measured = { ...spec.measured, median: median(spec.measured.runs) };
  const baseline = { ...spec.baseline, median: median(spec.baseline.runs) };
  const ratio = measured.median / baseline.median;
  const met =
    (spec.targets.min === undefined || measured.median >= spec.targets.min) &&
    (spec.targets.max === undefined || measured.median <= spec.targets.max) &&
    (spec.targets.minRatio === undefined || ratio >= spec.targets.minRatio);
  return { ...spec, measured, baseline, ratio, met };
}

/** Operations per second of `body`, which performs `count` operations. */
export function rate(count: number, body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

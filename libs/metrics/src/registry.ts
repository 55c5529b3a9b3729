type Labels = Readonly<Record<string, string>>;

const escape = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
};
const key = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort());

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

/** A counter or a gauge: one value per label set. */
class Values {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  add(labels: Labels, n: number): void {
    const k = key(labels);
    const entry = this.#values.get(k);
    if (entry) entry.value += n;
    else this.#values.set(k, { labels, value: n });
  }

  set(labels: Labels, value: number): void {
    this.#values.set(key(labels), { labels, value });
  }

  clear(): void {
    this.#values.clear();
  }

  lines(name: string): string[] {
    return [...this.#values.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${value}`);
  }
}

export interface Counter {
  inc(labels?: Labels, n?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  /** Forgets every label set (a gauge refreshed whole at each scrape). */
  clear(): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

/**
 * Prometheus metrics of one service, in the text exposition format (version 0.0.4). Gauges that
 * are cheaper to read than to keep (a lag, a table size) are set by collectors run at each scrape.
 */
export class Registry {
  readonly #families: Family[] = [];
  readonly #collectors: (() => void | Promise<void>)[] = [];

  counter(name: string, help: string): Counter {
    const values = new Values();
    this.#families.push({ name, help, type: 'counter', lines: () => values.lines(name) });
    return { inc: (labels = {}, n = 1) => values.add(labels, n) };
  }

  gauge(name: string, help: string): Gauge {
    const values = new Values();
    this.#families.push({ name, help, type: 'gauge', lines: () => values.lines(name) });
    return { set: (value, labels = {}) => values.set(labels, value), clear: () => values.clear() };
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
    this.#families.push({
      name,
      help,
      type: 'histogram',
      lines: () =>
        [...series.values()].flatMap(({ labels, counts, sum, count }) => [
          ...buckets.map((le, i) => `${name}_bucket${labelText({ ...labels, le: String(le) })} ${counts[i]}`),
          `${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`,
          `${name}_sum${labelText(labels)} ${sum}`,
          `${name}_count${labelText(labels)} ${count}`,
        ]),
    });
    return {
      observe: (value, labels = {}) => {
        const k = key(labels);
        let s = series.get(k);
        if (!s) series.set(k, (s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 }));
        buckets.forEach((le, i) => value <= le && s.counts[i]!++);
        s.sum += value;
        s.count++;
      },
    };
  }

  /** A function run before each scrape, to set gauges from the state they describe. */
  collect(collector: () => void | Promise<void>): void {
    this.#collectors.push(collector);
  }

  async render(): Promise<string> {
    for (const collector of this.#collectors) await collector();
    return this.#families.map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines()].join('\n')).join('\n') + '\n';
  }
}

/** Seconds buckets for latencies from a millisecond to ten seconds. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

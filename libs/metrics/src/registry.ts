import client from 'prom-client';
import { DPP_VERSION } from '#libs/config';

type Labels = Readonly<Record<string, string>>;

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

/** dpp's version, as its package says. */

/**
 * The Prometheus metrics of one service, kept by prom-client (a registry of its own, so services
 * sharing a process in tests keep theirs apart): the process and Node.js metrics every Node
 * exporter has (`process_*`, `nodejs_*`), `dpp_build_info`, and the service's own. Gauges that are
 * cheaper to read than to keep (a lag, a table size) are set by collectors run at each scrape. A
 * metric asked for twice (one per gateway of a service, say) is the one metric: its label names
 * are declared with it.
 */
export class Registry {
  readonly #registry = new client.Registry();
  readonly #collectors: (() => void | Promise<void>)[] = [];

  constructor() {
    client.collectDefaultMetrics({ register: this.#registry });
    new client.Gauge({ name: 'dpp_build_info', help: 'dpp build: its version and the Node.js it runs on (always 1)', labelNames: ['version', 'node'], registers: [this.#registry] }).set({ version: DPP_VERSION, node: process.versions.node }, 1);
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const counter = this.#existing(name) ?? new client.Counter({ name, help, labelNames, registers: [this.#registry] });
    if (!(counter instanceof client.Counter)) throw new Error(`metric ${name} is already registered, and not as a counter`);
    return { inc: (labels = {}, n = 1) => counter.inc(labels, n) };
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const gauge = this.#existing(name) ?? new client.Gauge({ name, help, labelNames, registers: [this.#registry] });
    if (!(gauge instanceof client.Gauge)) throw new Error(`metric ${name} is already registered, and not as a gauge`);
    return { set: (value, labels = {}) => gauge.set(labels, value), clear: () => gauge.reset() };
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    const histogram = this.#existing(name) ?? new client.Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.#registry] });
    if (!(histogram instanceof client.Histogram)) throw new Error(`metric ${name} is already registered, and not as a histogram`);
    return { observe: (value, labels = {}) => histogram.observe(labels, value) };
  }

  /** A function run before each scrape, to set gauges from the state they describe. */
  collect(collector: () => void | Promise<void>): void {
    this.#collectors.push(collector);
  }

  /** The text exposition format's content type. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  async render(): Promise<string> {
    for (const collector of this.#collectors) await collector();
    return this.#registry.metrics();
  }

  #existing(name: string): client.Metric | undefined {
    return this.#registry.getSingleMetric(name);
  }
}

/** Seconds buckets for latencies from a millisecond to ten seconds. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

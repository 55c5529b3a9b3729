import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { parsePattern } from '#libs/eid';
import { Fib } from '#libs/fib';
import { decodeFibEntry, type FibEntry } from '#libs/fib-export';
import { followTable, patternOfKey, tableBucket, type TableEntry } from '#libs/tables';

export interface GatewayFibOptions {
  /** The gateway's name in the FIB-export config. */
  readonly gateway: string;
  /** The FIB-export `bucket_prefix` (default `dpp-fib`). */
  readonly bucketPrefix?: string;
  /** Called after each delta is applied, with the revision it brought the FIB to. */
  readonly onChange?: (change: { readonly pattern: string; readonly entry: FibEntry | undefined; readonly revision: number }) => void;
  /** Where a value that does not decode is reported (it is skipped). */
  readonly onError?: (error: string) => void;
}

/**
 * A gateway's forwarding table, kept current from NATS (design.md property 6): the snapshot (the
 * last value of every pattern in the gateway's KV bucket), then every delta after it, in order;
 * on a gap or a reconnect it resyncs from the last revision applied + 1 (libs/tables followTable).
 * Give it a connection that reconnects for ever (`maxReconnectAttempts: -1`).
 *
 * ```ts
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222', maxReconnectAttempts: -1 });
 * const fib = await GatewayFib.open(nc, { gateway: 'goldstone' });
 * fib.lookup('ipn:100.7')?.nextHop; // 'dtn://dsn.example.org/'
 * await fib.close();
 * ```
 */
export class GatewayFib {
  readonly #fib = new Fib<FibEntry>();
  readonly #options: GatewayFibOptions;
  #revision = 0;
  #close: () => Promise<void> = async () => undefined;
  #ended: Promise<void> = Promise.resolve();

  private constructor(options: GatewayFibOptions) {
    this.#options = options;
  }

  /** Resolves once the snapshot is loaded. */
  static async open(nc: NatsConnection, options: GatewayFibOptions): Promise<GatewayFib> {
    const fib = new GatewayFib(options);
    const follower = await followTable(nc, tableBucket(options.bucketPrefix ?? 'dpp-fib', options.gateway), (entry) => fib.#apply(entry));
    fib.#ended = follower.ended;
    fib.#close = () => follower.close();
    await follower.ready.catch(() => Promise.reject(new Error(`the FIB of gateway ${options.gateway} ended before its snapshot was read`)));
    return fib;
  }

  /**
   * Settles when the FIB stops following its bucket: closed, or its connection gone for good (a
   * connection that reconnects for ever only ends when closed).
   */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** The most specific entry for an EID (§4.2), or undefined. */
  lookup(eid: string): FibEntry | undefined {
    return this.#fib.lookup(eid)?.value;
  }

  /** The last revision applied: the bucket stream's sequence, the gateway's delta number. */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#fib.size;
  }

  /** Every entry, by pattern. */
  entries(): FibEntry[] {
    return [...this.#fib.entries()].map((m) => m.value).sort((a, b) => (a.pattern < b.pattern ? -1 : 1));
  }

  async close(): Promise<void> {
    await this.#close();
  }

  #apply({ key, value, revision }: TableEntry): void {
    this.#revision = revision;
    const pattern = patternOfKey(key);
    const parsed = pattern === undefined ? undefined : parsePattern(pattern);
    if (!parsed?.ok) return this.#options.onError?.(`revision ${revision}: key ${key} names no pattern`);
    if (value === undefined) {
      this.#fib.delete(parsed.value);
      return this.#options.onChange?.({ pattern: pattern!, entry: undefined, revision });
    }
    const entry = decodeFibEntry(value);
    if (Result.isFailure(entry)) return this.#options.onError?.(`revision ${revision}: ${entry.failure}`);
    this.#fib.set(parsed.value, entry.success);
    this.#options.onChange?.({ pattern: pattern!, entry: entry.success, revision });
  }
}

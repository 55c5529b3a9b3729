import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { Fib } from '#libs/fib';
import { decodeFibValue, type FibEntry, type FibValue } from '#libs/fib-export';
import { byWindowStart, inWindow } from '#libs/rib';
import { canonicalKeys, followTable, keyOf, routeOfKey, tableBucket, type TableEntry } from '#libs/tables';
import { entriesOf, entryAt, entryCount, replaced, type HeldEntries } from './held-entries.ts';

export interface GatewayFibOptions {
  /** The gateway's name in the FIB-export config. */
  readonly gateway: string;
  /** The FIB-export `bucket_prefix` (default `dpp-fib`). */
  readonly bucketPrefix?: string;
  /** Called after each delta is applied, with the revision it brought the FIB to: the entry of that pattern and window start, or undefined (it went). */
  readonly onChange?: (change: { readonly pattern: string; readonly validFrom: number | undefined; readonly entry: FibEntry | undefined; readonly revision: number }) => void;
  /** Where a value that does not decode is reported (it is skipped). */
  readonly onError?: (error: string) => void;
}

/**
 * A gateway's forwarding table, kept current from NATS (design.md property 6): the latest
 * snapshot of the gateway's table, then every delta after it, in order; on a gap or a reconnect it
 * resyncs from the last message applied + 1, and after an absence longer than the table keeps
 * its deltas it loads the latest snapshot over what it holds (libs/tables followTable), so
 * lookups never see an empty table meanwhile.
 * Give it a connection that reconnects for ever (`maxReconnectAttempts: -1`).
 *
 * ```ts
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222', maxReconnectAttempts: -1 });
 * const fib = await GatewayFib.open(nc, { gateway: 'goldstone' });
 * fib.lookup('ipn:100.7.0')?.nextHop; // 'dtn://dsn.example.org/'
 * fib.lookup('ipn:100.7.0', Date.parse('2027-01-01T06:00Z')); // the contact that will carry it then
 * await fib.close();
 * ```
 *
 * A pattern has an entry for each interval of its timeline, current and future (a contact that
 * starts tomorrow is here today, with its window): a lookup answers for an instant.
 */
export class GatewayFib {
  /** Each pattern's entries (held-entries.ts). */
  readonly #fib = new Fib<HeldEntries>();
  #size = 0;
  readonly #options: GatewayFibOptions;
  #revision = 0;
  /** The last value decoded: the patterns of one advertisement share one value (FibEntry v2), decoded once for all of them and held once. */
  #decoded: { readonly value: string; readonly entry: Result.Result<FibValue, string> } | undefined;
  #close: () => Promise<void> = async () => undefined;
  #ended: Promise<void> = Promise.resolve();

  private constructor(options: GatewayFibOptions) {
    this.#options = options;
  }

  /** Resolves once the snapshot is loaded. */
  static async open(nc: NatsConnection, options: GatewayFibOptions): Promise<GatewayFib> {
    const fib = new GatewayFib(options);
    const follower = await followTable(nc, tableBucket(options.bucketPrefix ?? 'dpp-fib', options.gateway), (entry) => fib.#apply(entry), { onResync: (keys) => fib.#keepOnly(keys), onCorrupt: (seq, error) => options.onError?.(`message ${seq}: ${error}`) });
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

  /**
   * The entry that forwards an EID at the instant `at` (default: now): the most specific pattern
   * (§4.2) with an entry whose window holds that instant (§6.5), or undefined.
   */
  lookup(eid: string, at: number = Date.now()): FibEntry | undefined {
    const match = this.#fib.lookup(eid, (entries) => entryAt(entries, at) !== undefined);
    const value = match && entryAt(match.value, at);
    return value && { pattern: match.text, ...value };
  }

  /** The last revision applied: the sequence of the table message that brought it, the gateway's delta number. */
  get revision(): number {
    return this.#revision;
  }

  /** Entries held, current and future. */
  get size(): number {
    return this.#size;
  }

  /** Every entry, current and future, by pattern and window start; with `at`, those whose window holds that instant. */
  entries(at?: number): FibEntry[] {
    const all = [...this.#fib.entries()].flatMap((m) => entriesOf(m.value).map((value): FibEntry => ({ pattern: m.text, ...value }))).sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : byWindowStart(a, b)));
    return at === undefined ? all : all.filter((e) => inWindow(e, at));
  }

  async close(): Promise<void> {
    await this.#close();
  }

  /** After a resync: every entry whose route the snapshot does not hold is gone (its keys may be of an older layout). */
  #keepOnly(keys: ReadonlySet<string>): void {
    const held = canonicalKeys(keys);
    for (const entry of this.entries()) {
      const key = keyOf(entry.pattern, entry.validFrom);
      if (!held.has(key)) this.#apply({ key, value: undefined, revision: this.#revision, pending: 0 });
    }
  }

  #apply({ key, value, revision }: TableEntry): void {
    this.#revision = revision;
    const held = value === undefined ? undefined : this.#valueOf(value);
    if (typeof held === 'string') return this.#options.onError?.(`revision ${revision}: ${held}`);
    const route = routeOfKey(key);
    const named =
      route !== undefined &&
      this.#fib.updateText(route.pattern, (was) => {
        const next = replaced(was, route.validFrom, held);
        this.#size += entryCount(next) - entryCount(was);
        return next;
      });
    if (!named) return this.#options.onError?.(`revision ${revision}: key ${key} names no pattern`);
    this.#options.onChange?.({ pattern: route.pattern, validFrom: route.validFrom, entry: held && { pattern: route.pattern, ...held }, revision });
  }

  /** What a table value holds, or why it is not one; one object for a run of the same value. */
  #valueOf(value: string): FibValue | string {
    if (this.#decoded?.value !== value) this.#decoded = { value, entry: decodeFibValue(value) };
    const { entry } = this.#decoded;
    return Result.isFailure(entry) ? entry.failure : entry.success;
  }
}

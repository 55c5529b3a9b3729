import {
  Cursor,
  formatPattern,
  isDtnAny,
  isIpnNodeText,
  parsePattern,
  scanEid,
  specificityScore,
  splitDtnWildcard,
  type DtnPattern,
  type EidPattern,
  type IpnAllocatorPattern,
} from '#libs/eid';
import { DtnWildcards } from './dtn-wildcards.ts';
import { better, FibEntry, type FibMatch } from './fib-entry.ts';
import { RangeIndex } from './range-index.ts';
import { flatKey, RegionTable } from './region-table.ts';

/** The wildcard and ranges of one ipn allocator (its exact nodes are in the FIB's node table). */
interface AllocatorTable<V> {
  wildcard: FibEntry<V> | undefined;
  ranges: RangeIndex<V> | undefined;
}

/** The service-specific patterns of one ipn node: `ipn:A.N.S` and `ipn:A.N.[min-max]`. */
interface ServiceTable<V> {
  readonly exact: Map<number, FibEntry<V>>;
  ranges: RangeIndex<V> | undefined;
}

const nodeOf = (pattern: IpnAllocatorPattern) => pattern.node;
const serviceOf = (pattern: IpnAllocatorPattern) => pattern.service;
/** The score of every `ipn:A.N.*` (§4.2). */
const IPN_NODE_SCORE = specificityScore({ scheme: 'ipn', allocator: 0, node: { kind: 'exact', value: 0 }, service: { kind: 'wildcard' } });

/**
 * A forwarding table: EID patterns → values, answering which pattern is the most specific match
 * for a concrete EID (§4.2; equal scores go to the smaller canonical text). Every operation costs
 * a few hash probes whatever the table's size: exact patterns are keys of tables probed with the
 * EID's own characters; the kinds of pattern are ranked so that a lookup stops at the first kind
 * that matches, each nested in the next (draft -01 scores: an ipn endpoint 352, a service range
 * 65–95, a node 64, a node range 33–63, an allocator 32, `ipn:**` 0; a dtn name with its path
 * 256 + length, a name with every path its length + 1, a wildcard name up to that, `dtn:**` 0).
 * An exact name and a wildcard whose '*' it fills with nothing score alike under -01
 * (`dtn://rover.x/**` and `dtn://rover*.x/**`); the name, nested in the wildcard, is taken first.
 */
export class Fib<V> {
  #size = 0;
  #ipnAny: FibEntry<V> | undefined;
  #dtnAny: FibEntry<V> | undefined;
  /** `ipn:A.N.*` entries keyed by `A.N`, and `dtn://name/**` entries keyed by the name. */
  readonly #ipnExact = new RegionTable<FibEntry<V>>('ipn:'.length, '.*'.length);
  readonly #dtnExact = new RegionTable<FibEntry<V>>('dtn://'.length, '/**'.length);
  readonly #allocators = new Map<number, AllocatorTable<V>>();
  /**
   * `A.N` → the node's service-specific patterns, and `name/path` → a dtn pattern with a path:
   * local routes only (they have no wire form), so a lookup builds their key only when some exist.
   */
  readonly #endpoints = new Map<string, ServiceTable<V>>();
  readonly #dtnPaths = new Map<string, FibEntry<V>>();
  /** domain under the wildcard label → its wildcard patterns */
  readonly #dtnDomains = new RegionTable<DtnWildcards<V>>(0);
  /** Reused by every lookup, which therefore allocates nothing. */
  readonly #cursor = new Cursor('', 0);

  get size(): number {
    return this.#size;
  }

  /**
   * The most specific route for an EID given as text; undefined when none matches or the text is
   * no EID. With `usable`, the most specific whose value it accepts: a pattern with no route at
   * some instant is passed over for a less specific one that has (§6.5 windows).
   */
  lookup(eid: string, usable?: (value: V) => boolean): FibMatch<V> | undefined {
    const c = this.#cursor.reset(eid);
    switch (scanEid(c)) {
      case 'ipn':
        return this.#lookupNode(c, usable);
      case 'dtn':
        return this.#lookupName(c, usable);
      default:
        return undefined;
    }
  }

  #lookupNode(c: Cursor, usable: ((value: V) => boolean) | undefined): FibMatch<V> | undefined {
    // RFC 9758's `ipn:N.S` is `ipn:0.N.S`, whose `0.N` the text lacks for the node table's probe.
    if (c.twoPart) return scanEid(c.reset(`ipn:0.${c.text.slice('ipn:'.length)}`)) === 'ipn' ? this.#lookupNode(c, usable) : undefined;
    const found = this.#ipnExact.get(c.text, c.regionStart, c.regionEnd, c.hash);
    const node = found !== undefined && (!usable || usable(found.value)) ? found : undefined;
    if (this.#endpoints.size > 0) {
      const services = this.#endpoints.get(`${c.allocator}.${c.node}`);
      const exact = services?.exact.get(c.service);
      if (exact !== undefined && (!usable || usable(exact.value))) return exact;
      // A range of over 2^31 services scores 64, as the node's own pattern does: the tie is ranked, not assumed.
      const range = better(services?.ranges?.best(c.service, usable), node);
      if (range !== undefined) return range;
    }
    if (node !== undefined) return node;
    const any = this.#ipnAny && (!usable || usable(this.#ipnAny.value)) ? this.#ipnAny : undefined;
    const table = this.#allocators.get(c.allocator);
    if (table === undefined) return any;
    const wildcard = table.wildcard && (!usable || usable(table.wildcard.value)) ? table.wildcard : undefined;
    // A range of over 2^31 nodes scores 32, as the allocator wildcard does: the tie is ranked, not assumed.
    return better(table.ranges?.best(c.node, usable), wildcard) ?? any;
  }

  #lookupName(c: Cursor, usable: ((value: V) => boolean) | undefined): FibMatch<V> | undefined {
    const { text, regionStart, regionEnd, labelEnd } = c;
    if (this.#dtnPaths.size > 0 && regionEnd < text.length) {
      const withPath = this.#dtnPaths.get(c.name() + text.slice(regionEnd));
      if (withPath !== undefined && (!usable || usable(withPath.value))) return withPath;
    }
    const exact = this.#dtnExact.get(text, regionStart, regionEnd, c.hash);
    if (exact !== undefined && (!usable || usable(exact.value))) return exact;
    const domainStart = labelEnd === regionEnd ? regionEnd : labelEnd + 1;
    const wildcards = this.#dtnDomains.get(text, domainStart, regionEnd, c.domainHash);
    return wildcards?.best(text, regionStart, labelEnd, usable) ?? (this.#dtnAny && (!usable || usable(this.#dtnAny.value)) ? this.#dtnAny : undefined);
  }

  /** The value stored for exactly this pattern (not a lookup). */
  get(pattern: EidPattern): V | undefined {
    return this.#find(pattern, formatPattern(pattern))?.value;
  }

  set(pattern: EidPattern, value: V): void {
    this.update(pattern, () => value);
  }

  delete(pattern: EidPattern): boolean {
    let held = false;
    this.update(pattern, (value) => ((held = value !== undefined), undefined));
    return held;
  }

  /**
   * The value of exactly this pattern replaced by what `next` makes of it (undefined: none), in one
   * lookup: a gateway following its table changes the entries of a pattern a million times in a load.
   */
  update(pattern: EidPattern, next: (value: V | undefined) => V | undefined): void {
    const text = formatPattern(pattern);
    const exact = this.#exactTable(pattern);
    if (exact !== undefined) return this.#updateExact(exact, text, () => specificityScore(pattern), next);
    const existing = this.#find(pattern, text);
    const value = next(existing?.value);
    if (existing !== undefined && value !== undefined) existing.value = value;
    else if (existing !== undefined) {
      this.#remove(pattern, text);
      this.#size--;
    } else if (value !== undefined) {
      this.#insert(pattern, new FibEntry(flatKey(text), specificityScore(pattern), value));
      this.#size++;
    }
  }

  /**
   * `update` for a pattern given as text: the canonical text of an exact ipn node (`ipn:A.N.*`,
   * nearly every route of a full table, and the key a gateway's table names it by) goes to its
   * table with no parse and no format; any other text is parsed. False when the text names no
   * pattern (nothing changes).
   */
  updateText(text: string, next: (value: V | undefined) => V | undefined): boolean {
    if (isIpnNodeText(text)) {
      this.#updateExact(this.#ipnExact, text, () => IPN_NODE_SCORE, next);
      return true;
    }
    const parsed = parsePattern(text);
    if (parsed.ok) this.update(parsed.value, next);
    return parsed.ok;
  }

  /** One probe of an exact node's or name's table, whatever the change; `score` is asked only of a new entry. */
  #updateExact(table: RegionTable<FibEntry<V>>, text: string, score: () => number, next: (value: V | undefined) => V | undefined): void {
    table.update(text, (entry) => {
      const value = next(entry?.value);
      if (entry !== undefined && value !== undefined) entry.value = value;
      else if (entry !== undefined) this.#size--;
      else if (value !== undefined) this.#size++;
      return value === undefined ? undefined : (entry ?? new FibEntry(flatKey(text), score(), value));
    });
  }

  *entries(): IterableIterator<FibMatch<V>> {
    if (this.#ipnAny) yield this.#ipnAny;
    for (const services of this.#endpoints.values()) {
      yield* services.exact.values();
      if (services.ranges) yield* services.ranges.values();
    }
    yield* this.#dtnPaths.values();
    yield* this.#ipnExact.values();
    for (const table of this.#allocators.values()) {
      if (table.ranges) yield* table.ranges.values();
      if (table.wildcard) yield table.wildcard;
    }
    if (this.#dtnAny) yield this.#dtnAny;
    yield* this.#dtnExact.values();
    for (const wildcards of this.#dtnDomains.values()) yield* wildcards.values();
  }

  /** The table of an exact node (`ipn:A.N.*`) or name (`dtn://name/**`), which holds it by its text alone. */
  #exactTable(pattern: EidPattern): RegionTable<FibEntry<V>> | undefined {
    if (pattern.scheme === 'dtn') return pattern.path === undefined && pattern.wildcardAt < 0 ? this.#dtnExact : undefined;
    return pattern.allocator !== '*' && pattern.node.kind === 'exact' && pattern.service.kind === 'wildcard' ? this.#ipnExact : undefined;
  }

  #find(pattern: EidPattern, text: string): FibEntry<V> | undefined {
    const exact = this.#exactTable(pattern);
    if (exact !== undefined) return exact.find(text);
    if (pattern.scheme === 'dtn') {
      if (pattern.path !== undefined) return this.#dtnPaths.get(pathKey(text));
      if (isDtnAny(pattern)) return this.#dtnAny;
      const wildcard = splitDtnWildcard(pattern);
      return this.#dtnDomains.find(wildcard.domain)?.find(wildcard, text);
    }
    if (pattern.allocator === '*') return this.#ipnAny;
    const { node, service } = pattern;
    if (node.kind === 'exact' && service.kind !== 'wildcard') {
      const services = this.#endpoints.get(endpointKey(pattern.allocator, node.value));
      return service.kind === 'exact' ? services?.exact.get(service.value) : services?.ranges?.find(text);
    }
    const table = this.#allocators.get(pattern.allocator);
    return node.kind === 'wildcard' ? table?.wildcard : table?.ranges?.find(text);
  }

  /** Adds the entry of a pattern that is no exact node or name (those are in their tables, #exactTable). */
  #insert(pattern: EidPattern, entry: FibEntry<V>): void {
    if (pattern.scheme === 'dtn') return this.#insertName(pattern, entry);
    if (pattern.allocator === '*') {
      this.#ipnAny = entry;
      return;
    }
    const { node, service } = pattern;
    if (node.kind === 'exact' && service.kind !== 'wildcard') {
      const key = endpointKey(pattern.allocator, node.value);
      let services = this.#endpoints.get(key);
      if (services === undefined) this.#endpoints.set(key, (services = { exact: new Map(), ranges: undefined }));
      if (service.kind === 'exact') services.exact.set(service.value, entry);
      else (services.ranges ??= new RangeIndex(serviceOf)).insert(entry);
    } else if (node.kind === 'wildcard') this.#table(pattern).wildcard = entry;
    else (this.#table(pattern).ranges ??= new RangeIndex(nodeOf)).insert(entry);
  }

  #insertName(pattern: DtnPattern, entry: FibEntry<V>): void {
    if (pattern.path !== undefined) {
      this.#dtnPaths.set(pathKey(entry.text), entry);
    } else if (isDtnAny(pattern)) {
      this.#dtnAny = entry;
    } else {
      const wildcard = splitDtnWildcard(pattern);
      let wildcards = this.#dtnDomains.find(wildcard.domain);
      if (wildcards === undefined) this.#dtnDomains.put((wildcards = new DtnWildcards(wildcard.domain)));
      wildcards.insert(wildcard, entry);
    }
  }

  #table(pattern: IpnAllocatorPattern): AllocatorTable<V> {
    let table = this.#allocators.get(pattern.allocator);
    if (table === undefined) this.#allocators.set(pattern.allocator, (table = { wildcard: undefined, ranges: undefined }));
    return table;
  }

  /** Removes the entry of a pattern the table holds, no exact node or name (#insert). */
  #remove(pattern: EidPattern, text: string): void {
    if (pattern.scheme === 'dtn') {
      if (pattern.path !== undefined) this.#dtnPaths.delete(pathKey(text));
      else if (isDtnAny(pattern)) this.#dtnAny = undefined;
      else this.#removeWildcardName(pattern, text);
      return;
    }
    if (pattern.allocator === '*') {
      this.#ipnAny = undefined;
      return;
    }
    const { node, service } = pattern;
    if (node.kind === 'exact' && service.kind !== 'wildcard') {
      const key = endpointKey(pattern.allocator, node.value);
      const services = this.#endpoints.get(key)!;
      if (service.kind === 'exact') services.exact.delete(service.value);
      else services.ranges?.remove(text);
      if (services.exact.size === 0 && !services.ranges?.size) this.#endpoints.delete(key);
      return;
    }
    const table = this.#table(pattern);
    if (node.kind === 'wildcard') table.wildcard = undefined;
    else table.ranges?.remove(text);
    if (table.wildcard === undefined && !table.ranges?.size) this.#allocators.delete(pattern.allocator);
  }

  #removeWildcardName(pattern: DtnPattern, text: string): void {
    const wildcard = splitDtnWildcard(pattern);
    const wildcards = this.#dtnDomains.find(wildcard.domain);
    wildcards?.remove(wildcard, text);
    if (wildcards?.size === 0) this.#dtnDomains.delete(wildcard.domain);
  }
}

const endpointKey = (allocator: number, node: number): string => `${allocator}.${node}`;

/** A dtn pattern with a path is keyed by its name and path: the canonical text after `dtn://`. */
const pathKey = (text: string): string => text.slice('dtn://'.length);

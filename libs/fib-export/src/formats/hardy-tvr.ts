import type { FibEntry } from '../fib-entry.ts';

/**
 * Hardy's TVR contact lines, as Hardy's own parser takes them (ricktaylor/hardy tvr/src/parser.rs
 * and its EID and pattern parsers; the grammar restated in ../shared/formats/README.md). One bad
 * line fails Hardy's whole file, so the export writes only lines this grammar accepts and says
 * why it left a route out.
 */

/** What a TVR line says of a route. Times are ms since the epoch, durations ms. */
export interface TvrRoute {
  readonly pattern: string;
  /** The next hop, or undefined for `drop`. */
  readonly via: string | undefined;
  readonly dropReason: number | undefined;
  readonly priority: number | undefined;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly cron: string | undefined;
  readonly duration: number | undefined;
  readonly until: number | undefined;
  /** bits/s, decimal text (u64). */
  readonly bandwidthBps: string | undefined;
  readonly delayUs: number | undefined;
}

/** A FIB entry as Hardy takes it: a route via a next hop, in a window or always, at a bandwidth. */
export interface HardyRoute {
  readonly pattern: string;
  readonly via: string;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly bandwidthBps: string | undefined;
}

/** A FIB entry as a Hardy route, or why Hardy would refuse it. Shared by the TVR file and the live feed. */
export function hardyRouteOf(e: FibEntry): { route: HardyRoute } | { why: string } {
  const via = hardyVia(e.nextHop);
  const why =
    hardyPatternError(e.pattern) ??
    (via === undefined ? `next hop ${e.nextHop} is no EID Hardy takes (ipn:A.N.S, ipn:N.S with N > 0, dtn://name/service)` : undefined) ??
    (e.validFrom !== undefined && e.validUntil !== undefined && e.validUntil <= e.validFrom ? 'its window ends before it starts' : undefined);
  if (why !== undefined) return { why: `not expressible in Hardy TVR: ${e.pattern} via ${e.nextHop}: ${why}` };
  return { route: { pattern: e.pattern, via: via!, start: e.validFrom, end: e.validUntil, bandwidthBps: e.bandwidthBps } };
}

/** One route per entry: `<pattern> via <eid> [start <RFC3339>] [end <RFC3339>] [bandwidth <bits/s>]`; what Hardy would refuse is left out, with why. */
export function toHardyTvr(entries: readonly FibEntry[]): { text: string; notes: string[] } {
  const notes: string[] = [];
  const lines: string[] = [];
  for (const e of entries) {
    const mapped = hardyRouteOf(e);
    if ('why' in mapped) {
      notes.push(mapped.why);
      continue;
    }
    const { route } = mapped;
    lines.push(
      [
        `${route.pattern} via ${route.via}`,
        ...(route.start === undefined ? [] : [`start ${new Date(route.start).toISOString()}`]),
        ...(route.end === undefined ? [] : [`end ${new Date(route.end).toISOString()}`]),
        ...(route.bandwidthBps === undefined ? [] : [`bandwidth ${route.bandwidthBps}`]),
      ].join(' '),
    );
  }
  return { text: lines.map((line) => `${line}\n`).join(''), notes };
}

/**
 * A next hop as Hardy's EID parser wants it, or undefined. A dtn node ID without its `/`
 * (`dtn://gw`) gets it: Hardy requires the `/` after the authority, and `dtn://gw/` names the
 * same node.
 */
function hardyVia(eid: string): string | undefined {
  const withSlash = /^dtn:\/\/[^/]+$/i.test(eid) ? `${eid}/` : eid;
  return hardyEidError(withSlash) === undefined ? withSlash : undefined;
}

const U32 = /^(0|[1-9]\d{0,9})$/;
const isU32 = (text: string) => U32.test(text) && Number(text) <= 0xffff_ffff;
const U64_MAX = 2n ** 64n - 1n;
const isU64 = (text: string) => /^\d{1,20}$/.test(text) && BigInt(text) <= U64_MAX;

/** Why Hardy's EID parser refuses a next hop, or undefined. */
function hardyEidError(eid: string): string | undefined {
  if (eid === 'dtn:none') return undefined;
  const ipn = /^ipn:(.*)$/.exec(eid);
  if (ipn) {
    const parts = ipn[1]!.split('.');
    if (parts.length === 2 && parts[0] === '!') return isU64(parts[1]!) ? undefined : 'the service of ipn:!.S is no number';
    if (parts.length !== 2 && parts.length !== 3) return 'an ipn EID has two or three numbers';
    if (!parts.slice(0, -1).every(isU32) || !isU64(parts.at(-1)!)) return 'an ipn EID holds decimal numbers (allocator and node up to 2^32-1, service up to 2^64-1)';
    // RFC 9758: node 0 of allocator 0 is the null endpoint, ipn:0.0 alone.
    const [node, service] = parts.length === 2 ? [parts[0], parts[1]] : parts[0] === '0' ? [parts[1], parts[2]] : ['1', '0'];
    if (node === '0' && service !== '0') return `node 0 is the null endpoint (Hardy refuses ${eid}); write ipn:N.0 for node N`;
    return node === '0' ? 'ipn:0.0 is the null endpoint' : undefined;
  }
  const dtn = /^dtn:\/\/([^/]+)\/(.*)$/.exec(eid);
  if (!dtn) return 'expected ipn:A.N.S, ipn:N.S, dtn://name/service or dtn:none (the "/" after a dtn name is required)';
  return /^[A-Za-z0-9._~!$&'()*+,;=%-]+$/.test(dtn[1]!) ? undefined : `"${dtn[1]}" is no dtn node name`;
}

/** Why Hardy's pattern parser refuses a pattern, or undefined. */
function hardyPatternError(pattern: string): string | undefined {
  if (/^(\*|[a-z][a-z0-9+.-]*):\*\*$/i.test(pattern) || pattern === 'dtn:none') return undefined;
  if (pattern.includes('|')) return pattern.split('|').map(hardyPatternError).find((e) => e !== undefined);
  const ipn = /^ipn:(.*)$/.exec(pattern);
  if (ipn) {
    if (ipn[1] === '*') return 'ipn:* is no Hardy pattern: write ipn:**';
    const parts = ipn[1]!.split('.');
    if (parts.length === 2 && parts[0] === '!') return ipnPartError(parts[1]!);
    if (parts.length !== 2 && parts.length !== 3) return 'an ipn pattern has two or three parts (two are NODE.SERVICE of allocator 0)';
    return parts.map(ipnPartError).find((e) => e !== undefined);
  }
  const dtn = /^dtn:\/\/([^/]+)\/(.*)$/.exec(pattern);
  if (!dtn) return 'expected ipn:..., dtn://authority/path, dtn:** or dtn:none (the "/" after a dtn authority is required)';
  return [dtn[1]!, ...dtn[2]!.split('/')].map(globError).find((e) => e !== undefined);
}

function ipnPartError(part: string): string | undefined {
  if (part === '*' || isU32(part)) return undefined;
  const set = /^\[(.*)\]$/.exec(part);
  if (!set) return `"${part}" is no ipn pattern part (*, a number, or [intervals])`;
  for (const interval of set[1]!.split(',')) {
    const m = /^(\d+)(?:-(\d+)|(\+))?$/.exec(interval);
    if (!m || !isU32(m[1]!) || (m[2] !== undefined && (!isU32(m[2]) || Number(m[2]) < Number(m[1])))) return `"${interval}" is no interval (n, n-m with m >= n, or n+)`;
  }
  return undefined;
}

/** A glob segment: `**` alone, or characters with `*` standing inside one segment. */
function globError(segment: string): string | undefined {
  if (segment === '**' || segment === '') return undefined;
  if (segment.includes('**')) return `"**" must be a whole segment, not part of "${segment}"`;
  return /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/.test(segment) ? undefined : `"${segment}" holds a character no glob segment takes`;
}

const FIELDS = new Set(['priority', 'start', 'end', 'cron', 'duration', 'until', 'bandwidth', 'delay']);

/**
 * TVR lines read back as Hardy reads them; `#` comments and blank lines are skipped. Hardy fails
 * the whole file on one bad line, so every bad line is reported, as `line N: why`.
 */
export function fromHardyTvr(text: string): { routes: TvrRoute[]; errors: string[] } {
  const routes: TvrRoute[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') errors.push(`line ${i + 1}: ${parsed}`);
    else routes.push(parsed);
  });
  return { routes, errors };
}

/** What Hardy's parser says of a file we wrote: every line it would refuse (Hardy then refuses the file). */
export const checkHardyTvr = (text: string): string[] => fromHardyTvr(text).errors;

function parseLine(line: string): TvrRoute | string {
  const words = tokens(line);
  if (typeof words === 'string') return words;
  const [pattern, action, ...rest] = words;
  const patternError = hardyPatternError(pattern!);
  if (patternError !== undefined) return `pattern ${pattern}: ${patternError}`;
  let via: string | undefined;
  let dropReason: number | undefined;
  if (action?.toLowerCase() === 'via') {
    via = rest.shift();
    if (via === undefined) return 'via needs an EID';
    const eidError = hardyEidError(via);
    if (eidError !== undefined) return `via ${via}: ${eidError}`;
  } else if (action?.toLowerCase() === 'drop') {
    if (rest[0] !== undefined && /^\d+$/.test(rest[0])) {
      if (!isU64(rest[0])) return `drop reason ${rest[0]} is over 2^64-1`;
      dropReason = Number(rest.shift());
    }
  } else {
    return `expected "via <EID>" or "drop" after the pattern, found ${action === undefined ? 'the end' : `"${action}"`}`;
  }
  const fields = new Map<string, string>();
  while (rest.length > 0) {
    const key = rest.shift()!.toLowerCase();
    const value = rest.shift();
    if (!FIELDS.has(key)) return `unknown field "${key}"`;
    if (fields.has(key)) return `field ${key} given twice`;
    if (value === undefined) return `field ${key} needs a value`;
    fields.set(key, value);
  }
  return fieldsOf(pattern!, via, dropReason, fields);
}

function fieldsOf(pattern: string, via: string | undefined, dropReason: number | undefined, fields: Map<string, string>): TvrRoute | string {
  const time = (key: string): number | string | undefined => {
    const text = fields.get(key);
    if (text === undefined) return undefined;
    const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
    return Number.isNaN(ms) ? `${key} ${text}: expected an RFC 3339 time (2026-03-27T08:00:00Z)` : ms;
  };
  const [start, end, until] = [time('start'), time('end'), time('until')];
  for (const t of [start, end, until]) if (typeof t === 'string') return t;
  const priority = fields.get('priority');
  if (priority !== undefined && !isU32(priority)) return `priority ${priority}: expected a number up to 2^32-1`;
  const duration = fields.has('duration') ? humantime(fields.get('duration')!) : undefined;
  if (duration !== undefined && (Number.isNaN(duration) || duration <= 0)) return `duration ${fields.get('duration')}: expected a time span above 0 (90m, 2h, 4h30m)`;
  const delay = fields.has('delay') ? humantime(fields.get('delay')!) : undefined;
  if (delay !== undefined && (Number.isNaN(delay) || delay * 1000 > 0xffff_ffff)) return `delay ${fields.get('delay')}: expected a time span of at most 2^32-1 µs (500ms, 4m)`;
  const bandwidth = fields.has('bandwidth') ? bitsPerSecond(fields.get('bandwidth')!) : undefined;
  if (bandwidth === null) return `bandwidth ${fields.get('bandwidth')}: expected bits/s up to 2^64-1, with K, M, G or T (x1000) and an optional "bps"`;
  const cron = fields.get('cron');
  const oneShot = start !== undefined || end !== undefined;
  if (oneShot && (cron !== undefined || duration !== undefined || until !== undefined)) return 'start/end and cron/duration/until do not go together';
  if ((cron === undefined) !== (duration === undefined)) return 'cron and duration go together';
  if (until !== undefined && cron === undefined) return 'until needs cron';
  if (cron !== undefined && !/^"[^"]+"$/.test(cron)) return 'cron takes a quoted expression ("0 8 * * *" or "@daily")';
  if (typeof start === 'number' && typeof end === 'number' && end <= start) return 'end must be after start';
  return {
    pattern,
    via,
    dropReason,
    priority: priority === undefined ? undefined : Number(priority),
    start: start as number | undefined,
    end: end as number | undefined,
    cron: cron?.slice(1, -1),
    duration,
    until: until as number | undefined,
    bandwidthBps: bandwidth ?? undefined,
    delayUs: delay === undefined ? undefined : Math.round(delay * 1000),
  };
}

/** Words split on white space, a quoted cron expression kept whole. */
function tokens(line: string): string[] | string {
  const words: string[] = [];
  for (const m of line.matchAll(/"[^"]*"|\S+/g)) words.push(m[0]);
  if (words.some((w) => w.startsWith('"') && !w.endsWith('"'))) return 'an unclosed quote';
  return words;
}

const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

const UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000, w: 604_800_000, week: 604_800_000 };

/** A humantime span (`90m`, `4h30m`, `500ms`, `1day`) in ms, or NaN. */
function humantime(text: string): number {
  const parts = [...text.matchAll(/(\d+)\s*([a-zµ]+)/gi)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.replace(/\s+/g, '')) return NaN;
  return parts.reduce((ms, [, n, unit]) => (UNITS[unit!.toLowerCase()] === undefined ? NaN : ms + Number(n) * UNITS[unit!.toLowerCase()]!), 0);
}

const SI: Record<string, bigint> = { '': 1n, k: 1_000n, m: 1_000_000n, g: 1_000_000_000n, t: 1_000_000_000_000n };

/** `256K`, `10G`, `1Mbps`, `9600` as bits/s text, or null. */
function bitsPerSecond(text: string): string | null {
  const m = /^(\d+)([kmgt]?)(bps)?$/i.exec(text);
  if (!m) return null;
  const value = BigInt(m[1]!) * SI[m[2]!.toLowerCase()]!;
  return value <= U64_MAX ? String(value) : null;
}

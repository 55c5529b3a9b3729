import type { RouteRow } from '#libs/audit';

/** Where the timeline's plot sits in its SVG, in SVG units. */
export const PLOT = { x: 280, width: 880, top: 34, lane: 24, bar: 14 } as const;

/** One path of a pattern (a peer and its AD_PATH): the windows of its routes as bars, and the intervals of the pattern's timeline it wins. */
export interface Lane {
  readonly pattern: string;
  readonly peer: string;
  readonly adPath: readonly string[];
  readonly windows: readonly { readonly from: number | null; readonly until: number | null; readonly receivedSeq: number }[];
  readonly wins: readonly { readonly from: number | null; readonly until: number | null }[];
}

type Span = { from: number | null; until: number | null };

/** The lanes of a routes answer with every candidate (pure): one per pattern and path, in pattern order, then by first window. */
export function lanesOf(rows: readonly RouteRow[]): Lane[] {
  const lanes = new Map<string, { pattern: string; peer: string; adPath: readonly string[]; windows: Map<string, Span & { receivedSeq: number }>; wins: Span[] }>();
  const laneOf = (pattern: string, r: RouteRow['route']) => {
    const key = JSON.stringify([pattern, r.neighbor, r.adPath]);
    if (!lanes.has(key)) lanes.set(key, { pattern, peer: r.peerAd, adPath: r.adPath, windows: new Map(), wins: [] });
    const lane = lanes.get(key)!;
    lane.windows.set(`${r.validFrom ?? ''} ${r.receivedSeq}`, { from: r.validFrom ?? null, until: r.validUntil ?? null, receivedSeq: r.receivedSeq });
    return lane;
  };
  for (const row of rows) {
    for (const c of row.candidates ?? []) laneOf(row.pattern, c.route);
    laneOf(row.pattern, row.route).wins.push({ from: row.from, until: row.until });
  }
  const firstFrom = (l: Lane) => l.windows[0]?.from ?? -Infinity;
  return [...lanes.values()]
    .map((l): Lane => ({ pattern: l.pattern, peer: l.peer, adPath: l.adPath, windows: [...l.windows.values()].sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity)), wins: l.wins }))
    .sort((a, b) => a.pattern.localeCompare(b.pattern) || firstFrom(a) - firstFrom(b) || a.peer.localeCompare(b.peer));
}

/** A colour per AD, the same on every page: a hue from its name. */
export function adColour(ad: string): string {
  let h = 0;
  for (const c of ad) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tick marks a person reads at this span: hours, 6 hours, days or weeks. */
function ticks(start: number, end: number): number[] {
  const hour = 3_600_000;
  const step = [hour, 3 * hour, 6 * hour, 24 * hour, 7 * 24 * hour].find((s) => (end - start) / s <= 12) ?? 7 * 24 * hour;
  const out: number[] = [];
  // Bounded whatever the range: at times beyond 2^53 ms a step adds nothing.
  for (let t = Math.ceil(start / step) * step; t <= end && out.length < 64; t += step) out.push(t);
  return out;
}

/**
 * The contact timeline as SVG (pure): a time axis from `start` to `end`, a lane per path with its
 * windows as bars in its AD's colour, the intervals it wins outlined, and "now" as a line the
 * page moves. Bars carry their window (data-from, data-until: ms, empty for unbounded) and the
 * SVG its scale (data-start, data-end, data-plot-x, data-plot-width), for the page and for tests.
 */
export function timelineSvg(lanes: readonly Lane[], range: { readonly start: number; readonly end: number; readonly now: number }): string {
  const { start, end, now } = range;
  const xOf = (t: number | null, open: number) => PLOT.x + ((Math.min(end, Math.max(start, t ?? open)) - start) / (end - start)) * PLOT.width;
  const height = PLOT.top + Math.max(1, lanes.length) * PLOT.lane + 8;
  const parts: string[] = [];
  for (const t of ticks(start, end)) {
    const x = xOf(t, t).toFixed(1);
    const label = new Date(t).toISOString().slice(5, 16).replace('T', ' ');
    parts.push(`<line class="tick" x1="${x}" x2="${x}" y1="${PLOT.top - 6}" y2="${height}"/><text class="tick" x="${x}" y="${PLOT.top - 10}">${label}</text>`);
  }
  let previous = '';
  lanes.forEach((lane, i) => {
    const y = PLOT.top + i * PLOT.lane;
    const label = lane.pattern === previous ? '' : lane.pattern;
    previous = lane.pattern;
    parts.push(`<text class="pattern" x="4" y="${y + PLOT.bar - 2}">${escape(label)}</text><text class="peer" x="${PLOT.x - 6}" y="${y + PLOT.bar - 2}">${escape(lane.peer)}</text>`);
    for (const w of lane.windows) {
      if ((w.until !== null && w.until <= start) || (w.from !== null && w.from >= end)) continue;
      const [x1, x2] = [xOf(w.from, start), xOf(w.until, end)];
      const when = `${w.from === null ? '-∞' : new Date(w.from).toISOString()} → ${w.until === null ? '∞' : new Date(w.until).toISOString()}`;
      parts.push(
        `<rect class="window" data-pattern="${escape(lane.pattern)}" data-peer="${escape(lane.peer)}" data-from="${w.from ?? ''}" data-until="${w.until ?? ''}" x="${x1.toFixed(2)}" y="${y}" width="${Math.max(1, x2 - x1).toFixed(2)}" height="${PLOT.bar}" fill="${adColour(lane.peer)}"><title>${escape(`${lane.pattern} from ${lane.peer}, AD_PATH ${lane.adPath.join(' ') || '(local)'}: ${when}`)}</title></rect>`,
      );
    }
    for (const win of lane.wins) {
      if ((win.until !== null && win.until <= start) || (win.from !== null && win.from >= end)) continue;
      const [x1, x2] = [xOf(win.from, start), xOf(win.until, end)];
      parts.push(`<rect class="winner" data-pattern="${escape(lane.pattern)}" data-from="${win.from ?? ''}" data-until="${win.until ?? ''}" x="${x1.toFixed(2)}" y="${y - 2}" width="${Math.max(1, x2 - x1).toFixed(2)}" height="${PLOT.bar + 4}"/>`);
    }
  });
  const nowX = xOf(now, now).toFixed(2);
  parts.push(`<line class="now" data-now="${now}" x1="${nowX}" x2="${nowX}" y1="${PLOT.top - 6}" y2="${height}"/>`);
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${PLOT.x + PLOT.width + 10} ${height}" width="${PLOT.x + PLOT.width + 10}" height="${height}" data-start="${start}" data-end="${end}" data-plot-x="${PLOT.x}" data-plot-width="${PLOT.width}">${parts.join('')}</svg>`;
}

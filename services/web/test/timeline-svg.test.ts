import { describe, expect, it } from 'vitest';
import type { RouteRow } from '#libs/audit';
import { adColour, lanesOf, PLOT, timelineSvg } from '../src/timeline-svg.ts';

const H = 3_600_000;
const route = (peerAd: string, adPath: string[], validFrom: number | undefined, validUntil: number | undefined, receivedSeq: number): RouteRow['route'] => ({
  neighbor: `${peerAd} `,
  peerAd,
  adPath,
  metric: 0,
  gatewayEid: undefined,
  bandwidthBps: undefined,
  maxBundleSize: undefined,
  transitive: [],
  receivedSeq,
  index: 0,
  nextHop: `dtn://${peerAd}/`,
  scheduled: validFrom !== undefined || validUntil !== undefined,
  validFrom,
  validUntil,
});

describe('the contact timeline', () => {
  // D offers ipn:100.88.* over [0, 9h), A a nested [3h, 6h) that wins its own stretch (transit.test.ts's case).
  const d = route('d.example.test', ['d.example.test', 'a.example.test'], 0, 9 * H, 5);
  const a = route('a.example.test', ['a.example.test'], 3 * H, 6 * H, 7);
  const rows: RouteRow[] = [
    { pattern: 'ipn:100.88.*', from: 0, until: 3 * H, inForce: false, route: d, candidates: [{ route: d, result: 'best' }, { route: a, result: 'not yet valid' }] },
    { pattern: 'ipn:100.88.*', from: 3 * H, until: 6 * H, inForce: false, route: a, candidates: [{ route: a, result: 'best' }, { route: d, result: 'lost', lostTo: 'a.example.test', step: 'ad-path-length' }] },
    { pattern: 'ipn:100.88.*', from: 6 * H, until: 9 * H, inForce: false, route: d, candidates: [{ route: d, result: 'best' }] },
  ];

  it('has a lane per path with its windows, and the intervals each wins', () => {
    expect(lanesOf(rows)).toEqual([
      { pattern: 'ipn:100.88.*', peer: 'd.example.test', adPath: ['d.example.test', 'a.example.test'], windows: [{ from: 0, until: 9 * H, receivedSeq: 5 }], wins: [{ from: 0, until: 3 * H }, { from: 6 * H, until: 9 * H }] },
      { pattern: 'ipn:100.88.*', peer: 'a.example.test', adPath: ['a.example.test'], windows: [{ from: 3 * H, until: 6 * H, receivedSeq: 7 }], wins: [{ from: 3 * H, until: 6 * H }] },
    ]);
  });

  it('puts each bar where its window falls on the axis, clips it to the range, and draws now', () => {
    const svg = timelineSvg(lanesOf(rows), { start: -3 * H, end: 7 * H, now: 2 * H });
    const x = (t: number) => PLOT.x + ((t - -3 * H) / (10 * H)) * PLOT.width;
    const rects = [...svg.matchAll(/<rect class="(window|winner)"[^>]*data-from="([^"]*)"[^>]*x="([\d.]+)"[^>]*width="([\d.]+)"/g)].map((m) => ({ kind: m[1], from: m[2], x: Number(m[3]), width: Number(m[4]) }));
    const windows = rects.filter((r) => r.kind === 'window');
    expect(windows.map((w) => w.from)).toEqual(['0', String(3 * H)]);
    expect(windows[0]!.x).toBeCloseTo(x(0), 1);
    // D's window runs to 9 h, past the range's end at 7 h: drawn to the end.
    expect(windows[0]!.width).toBeCloseTo(x(7 * H) - x(0), 1);
    expect(windows[1]!.x).toBeCloseTo(x(3 * H), 1);
    expect(windows[1]!.width).toBeCloseTo(x(6 * H) - x(3 * H), 1);
    // The winners: D's first stretch and A's; D's last starts at 6 h and is clipped at 7 h.
    expect(rects.filter((r) => r.kind === 'winner').map((r) => [r.from, Math.round(r.x)])).toEqual([['0', Math.round(x(0))], [String(6 * H), Math.round(x(6 * H))], [String(3 * H), Math.round(x(3 * H))]]);
    expect(svg).toMatch(new RegExp(`<line class="now" data-now="${2 * H}" x1="${x(2 * H).toFixed(2)}"`));
    expect(svg).toContain(`fill="${adColour('a.example.test')}"`);
    expect(adColour('a.example.test')).not.toBe(adColour('d.example.test'));
  });

  it('draws nothing of a window outside the range, and escapes what it writes', () => {
    const late = route('x"<y>.example.test', ['x"<y>.example.test'], 20 * H, 21 * H, 9);
    const svg = timelineSvg(lanesOf([{ pattern: 'ipn:1.*.*', from: 20 * H, until: 21 * H, inForce: false, route: late, candidates: [{ route: late, result: 'best' }] }]), { start: 0, end: 10 * H, now: 0 });
    expect(svg).not.toContain('class="window"');
    expect(svg).not.toContain('class="winner"');
    expect(svg).toContain('x&#34;&#60;y&#62;.example.test');
  });
});

import type { HistoryLine, RibDifference, RouteRow, RoutesAnswer } from '#libs/audit';
import type { PeerSites, SearchAnswer, TravelAnswer } from './looking-glass.ts';
import { adColour } from './timeline-svg.ts';

/** Text made safe for HTML. */
export const esc = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const iso = (t: number | null | undefined) => (t === null || t === undefined ? '' : new Date(t).toISOString().replace('.000Z', 'Z'));
const span = (from: number | null | undefined, until: number | null | undefined) => (from == null && until == null ? 'always' : `${iso(from) || '-∞'} → ${iso(until) || '∞'}`);
const duration = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)}s` : ms < 3_600_000 ? `${Math.floor(ms / 60_000)}m` : ms < 86_400_000 ? `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m` : `${Math.floor(ms / 86_400_000)}d${Math.floor((ms % 86_400_000) / 3_600_000)}h`);
const link = (path: string, params: Record<string, string | undefined>, text: string) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return `<a href="${esc(`${path}${q.size > 0 ? `?${q}` : ''}`)}">${esc(text)}</a>`;
};
const table = (head: readonly string[], rows: readonly (readonly string[])[], id: string) =>
  `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
const ad = (name: string) => `<span class="ad" style="border-color:${adColour(name)}">${esc(name)}</span>`;

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}header{background:#123;color:#fff;padding:8px 16px;display:flex;gap:18px;align-items:center}
header a{color:#cde;text-decoration:none}header b{color:#fff}main{padding:12px 16px}table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.ad{border-left:4px solid;padding-left:4px}.json{float:right;font-size:12px}form{margin:8px 0}input{font:inherit}
svg text{font:11px system-ui,sans-serif}svg text.tick{text-anchor:middle;fill:#666}svg text.peer{text-anchor:end;fill:#444}svg line.tick{stroke:#eee}svg line.now{stroke:#d22;stroke-width:2}
svg rect.winner{fill:none;stroke:#000;stroke-width:2}svg rect.window{opacity:.75}.error{color:#b00}`;

/** A page: the navigation, the title, a link to its JSON twin, the body. */
export function layout(o: { title: string; localAd: string; json: string; body: string; script?: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)} · dpp ${esc(o.localAd)}</title><style>${STYLE}</style></head><body>
<header><b>dpp looking glass · ${esc(o.localAd)}</b><a href="/peers">Peers</a><a href="/routes">Routes</a><a href="/timeline">Contact timeline</a><a href="/travel">Time travel</a><a href="/diff">Diff</a>
<form action="/routes" method="get" style="margin:0 0 0 auto"><input name="q" placeholder="pattern or EID" size="24"> <button>Search</button></form></header>
<main><a class="json" href="${esc(o.json)}">JSON</a><h1>${esc(o.title)}</h1>${o.body}</main>${o.script ? `<script>${o.script}</script>` : ''}</body></html>`;
}

export const errorPage = (localAd: string, title: string, message: string, json: string) => layout({ title, localAd, json, body: `<p class="error">${esc(message)}</p>` });

export function peersPage(peers: readonly PeerSites[], now: number): string {
  const rows = peers.map((p) => {
    const sessions = p.sites.flatMap((s) => s.sessions);
    const up = sessions.filter((s) => s.establishedAt !== undefined && s.state === 'ESTABLISHED').map((s) => s.establishedAt!);
    const last = p.sites.flatMap((s) => [s.lastNotificationSent && { ...s.lastNotificationSent, way: 'sent' }, s.lastNotificationReceived && { ...s.lastNotificationReceived, way: 'received' }]).filter((e) => e !== undefined).sort((a, b) => b.at - a.at)[0];
    return [
      link(`/peers/${p.peer}`, {}, p.peer),
      esc(p.state),
      up.length > 0 ? esc(duration(now - Math.min(...up))) : '-',
      esc(p.sites.map((s) => s.speakerId).join(', ')),
      esc(sessions.reduce((n, s) => n + s.routesIn, 0)),
      esc(sessions.reduce((n, s) => n + s.routesOut, 0)),
      last ? esc(`${last.way} code ${last.code} at ${iso(last.at)}: ${last.reason}`) : 'none',
    ];
  });
  return table(['PEER', 'STATE', 'UPTIME', 'SITES', 'ROUTES IN', 'ROUTES OUT', 'LAST NOTIFICATION'], rows, 'peers');
}

export function peerPage(peer: PeerSites): string {
  const end = (e: { code: number; reason: string; at: number } | undefined) => (e ? `code ${e.code} at ${iso(e.at)}: ${e.reason}` : 'none');
  return `<p>State: <b id="state">${esc(peer.state)}</b> · ${link('/routes', { peer: peer.peer }, 'routes from it')}</p>${peer.sites
    .map(
      (s) => `<h2>At ${esc(s.speakerId)}</h2><p>${s.dial === undefined ? 'we do not dial it' : `we dial ${esc(s.dial)}`}; ${s.accepted ? 'its sessions are accepted' : 'its sessions are refused'}${s.disabled ? `; <b>disabled by an operator</b> at ${esc(iso(s.disabled.at))}${s.disabled.reason ? `: ${esc(s.disabled.reason)}` : ''}` : ''}</p>
<p>Last Notification sent: ${esc(end(s.lastNotificationSent))}<br>Last Notification received: ${esc(end(s.lastNotificationReceived))}</p>${table(
        ['SESSION', 'ROLE', 'STATE', 'SINCE', 'HOLD', 'ADDRESS', 'MESSAGES IN/OUT', 'ROUTES IN/OUT', 'WITHDRAWN IN/OUT', 'OVER LIMIT', 'TLS', 'SVCB KEY'],
        s.sessions.map((x) => [esc(x.sessionId.slice(0, 8)), esc(x.role), esc(x.state), esc(iso(x.establishedAt)), esc(x.holdTime ?? ''), esc(x.address ?? ''), esc(`${x.messagesIn}/${x.messagesOut}`), esc(`${x.routesIn}/${x.routesOut}`), esc(`${x.withdrawnIn}/${x.withdrawnOut}`), esc(x.routesOverLimit), esc(x.tlsIdentity ?? ''), `<code>${esc(x.svcbKey ?? '')}</code>`]),
        'sessions',
      )}`,
    )
    .join('')}`;
}

const routeCells = (r: RouteRow) => [
  link('/route', { pattern: r.pattern }, r.pattern),
  esc(`${r.inForce ? 'NOW ' : ''}${span(r.from, r.until)}`),
  ad(r.route.peerAd),
  esc(r.route.adPath.join(' ') || '(local)'),
  esc(r.route.metric),
  esc(r.route.nextHop),
  esc(span(r.route.validFrom, r.route.validUntil)),
];
const ROUTE_HEAD = ['PATTERN', 'INTERVAL', 'PEER', 'AD_PATH', 'METRIC', 'NEXT HOP', 'WINDOW'];

export function routesPage(answer: SearchAnswer, filters: Record<string, string | undefined>): string {
  const form = `<form action="/routes" method="get"><input name="q" value="${esc(answer.text)}" placeholder="pattern text or EID" size="28">
 <input name="peer" value="${esc(filters['peer'])}" placeholder="peer AD"> <input name="origin" value="${esc(filters['origin'])}" placeholder="origin AD"> <input name="under" value="${esc(filters['under'])}" placeholder="under pattern">
 <select name="scheduled"><option value="">all routes</option><option value="true"${filters['scheduled'] === 'true' ? ' selected' : ''}>scheduled only</option><option value="false"${filters['scheduled'] === 'false' ? ' selected' : ''}>unscheduled only</option></select> <button>Search</button></form>`;
  const match = answer.forEid ? `<p id="for-eid">Most specific match for ${esc(answer.text)}: ${link('/route', { pattern: answer.forEid.pattern }, answer.forEid.pattern)} via ${esc(answer.forEid.route.nextHop)}</p>` : '';
  const next = answer.routes.next ? `<p>${link('/routes', { ...filters, q: answer.text || undefined, after: answer.routes.next }, 'next page')}</p>` : '';
  return `${form}${match}<p>Loc-RIB at RIB input ${esc(answer.routes.lastSeq)}, clock ${esc(iso(answer.routes.now))}: ${answer.routes.routes.length} intervals</p>${table(ROUTE_HEAD, answer.routes.routes.map(routeCells), 'routes')}${next}`;
}

export function routePage(pattern: string, answer: RoutesAnswer): string {
  if (answer.routes.length === 0) return `<p>No route for ${esc(pattern)} now or to come. ${link('/history', { pattern }, 'Its history')}</p>`;
  const attributes = (r: RouteRow['route']) =>
    table(
      ['ATTRIBUTE', 'VALUE'],
      Object.entries(r).map(([k, v]) => [esc(k), `<code>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</code>`]),
      'attributes',
    );
  return `<p>${link('/timeline', { patterns: pattern }, 'Its contact timeline')} · ${link('/history', { pattern }, 'its history')}</p>${answer.routes
    .map(
      (row) => `<h2>${esc(span(row.from, row.until))}${row.inForce ? ' (now)' : ''}: best from ${ad(row.route.peerAd)}</h2>${attributes(row.route)}${table(
        ['PEER', 'AD_PATH', 'METRIC', 'WINDOW', 'SEQ', 'RESULT'],
        (row.candidates ?? []).map((c) => [ad(c.route.peerAd), esc(c.route.adPath.join(' ') || '(local)'), esc(c.route.metric), esc(span(c.route.validFrom, c.route.validUntil)), esc(c.route.receivedSeq), esc(c.result === 'lost' ? `lost to ${c.lostTo} on ${c.step} (§4.4)` : c.result)]),
        'candidates',
      )}`,
    )
    .join('')}`;
}

/** The live page script: "now" moves every second; a Loc-RIB change to a pattern shown fetches the SVG again. */
const TIMELINE_SCRIPT = `(() => {
  const moveNow = () => { const svg = document.getElementById('timeline'); const line = svg && svg.querySelector('line.now'); if (!line) return;
    const s = +svg.dataset.start, e = +svg.dataset.end, x = +svg.dataset.plotX + (Math.min(e, Math.max(s, Date.now())) - s) / (e - s) * +svg.dataset.plotWidth;
    line.setAttribute('x1', x); line.setAttribute('x2', x); line.dataset.now = Date.now(); };
  setInterval(moveNow, 1000);
  const shown = new Set((document.body.dataset.patterns || '').split(',').filter(Boolean));
  const refresh = async () => { const r = await fetch('/timeline.svg' + location.search); if (!r.ok) return;
    document.getElementById('timeline').outerHTML = await r.text(); document.body.dataset.refreshed = String(+(document.body.dataset.refreshed || 0) + 1); moveNow(); };
  const changes = new EventSource('/api/changes');
  changes.onopen = () => { document.body.dataset.live = 'yes'; };
  changes.onmessage = (m) => { const patterns = JSON.parse(m.data); if (shown.size === 0 || patterns.some((p) => shown.has(p))) refresh(); };
})();`;

export function timelinePage(o: { svg: string; patterns: readonly string[]; gateway: string | undefined; gateways: readonly string[]; span: string; start: number; query: URLSearchParams }): { body: string; script: string; patterns: string } {
  const spans = ['6h', '1d', '3d', '1w', '4w'];
  const at = (params: Record<string, string>) => {
    const q = new URLSearchParams(o.query);
    for (const [k, v] of Object.entries(params)) q.set(k, v);
    return `/timeline?${q}`;
  };
  const ms = spanMs(o.span);
  const form = `<form action="/timeline" method="get"><input name="patterns" value="${esc(o.patterns.join(','))}" placeholder="patterns, comma-separated" size="40"> or gateway
 <select name="gateway"><option value="">-</option>${o.gateways.map((g) => `<option${g === o.gateway ? ' selected' : ''}>${esc(g)}</option>`).join('')}</select> <input type="hidden" name="span" value="${esc(o.span)}"> <button>Show</button></form>`;
  const zoom = `<p>Span: ${spans.map((s) => (s === o.span ? `<b>${s}</b>` : `<a href="${esc(at({ span: s }))}">${s}</a>`)).join(' ')} · <a href="${esc(at({ start: String(o.start - ms / 2) }))}">◀ earlier</a> <a href="${esc(at({ start: String(Date.now() - ms / 8) }))}">now</a> <a href="${esc(at({ start: String(o.start + ms / 2) }))}">later ▶</a>
 · bars: each route's window, coloured by the AD it came from; outlined: the intervals it wins; red: now</p>`;
  return { body: `${form}${zoom}${o.svg}`, script: TIMELINE_SCRIPT, patterns: o.patterns.join(',') };
}

export const SPANS: Readonly<Record<string, number>> = { '6h': 6 * 3_600_000, '1d': 86_400_000, '3d': 3 * 86_400_000, '1w': 7 * 86_400_000, '4w': 28 * 86_400_000 };
export const isSpan = (span: string | undefined): span is string => span !== undefined && Object.hasOwn(SPANS, span);
export const spanMs = (span: string): number => (isSpan(span) ? SPANS[span]! : SPANS['1d']!);

export function travelPage(answer: TravelAnswer | undefined, o: { at: string; gateway: string | undefined; gateways: readonly string[] }): string {
  const form = `<form action="/travel" method="get"><input name="at" value="${esc(o.at)}" placeholder="ISO time or RIB input sequence" size="30"> gateway
 <select name="gateway"><option value="">-</option>${o.gateways.map((g) => `<option${g === o.gateway ? ' selected' : ''}>${esc(g)}</option>`).join('')}</select> <button>Go</button></form>`;
  if (answer === undefined) return `${form}<p>An instant (2026-12-07T06:00:00Z) or a RIB input sequence: the Loc-RIB and a gateway's FIB as they were then, rebuilt from the log.</p>`;
  const fib = answer.gateway === undefined ? '' : `<h2>FIB of gateway ${esc(answer.gateway)}</h2>${table(['PATTERN', 'INTERVAL', 'NEXT HOP', 'AD_PATH'], answer.fib.map((r) => [esc(r.pattern), esc(span(r.from, r.until)), esc(r.route.nextHop), esc(r.route.adPath.join(' '))]), 'fib')}`;
  return `${form}<p>Loc-RIB at ${esc(answer.at)}: RIB input ${esc(answer.routes.lastSeq)}, clock ${esc(iso(answer.routes.now))}, ${answer.routes.routes.length} intervals</p>${table(ROUTE_HEAD, answer.routes.routes.map(routeCells), 'routes')}${fib}`;
}

export function diffPage(diffs: readonly RibDifference[] | undefined, o: { a: string; b: string }): string {
  const form = `<form action="/diff" method="get"><input name="a" value="${esc(o.a)}" placeholder="from: time or sequence"> <input name="b" value="${esc(o.b)}" placeholder="to: time or sequence"> <button>Compare</button></form>`;
  if (diffs === undefined) return form;
  const side = (r: RibDifference['before']) => (r ? `${r.neighbor} until ${r.until ?? '∞'}` : '-');
  return `${form}${table(['CHANGE', 'PATTERN', 'INTERVAL START', 'BEFORE', 'AFTER'], diffs.map((d) => [esc(d.change), link('/route', { pattern: d.pattern }, d.pattern), esc(d.from ?? '-∞'), esc(side(d.before)), esc(side(d.after))]), 'diff')}`;
}

export function historyPage(pattern: string, lines: readonly HistoryLine[]): string {
  return `<p>Every event of the RIB input log that touched ${esc(pattern)}. ${link('/travel', {}, 'Time travel')} to any of them by its sequence.</p>${table(
    ['SEQ', 'STORED', 'EVENT', 'PEER', 'WHAT'],
    lines.map((l) => [link('/event', { seq: String(l.seq) }, String(l.seq)), esc(l.stored), esc(l.event), esc(l.neighbor ?? '-'), esc(l.what)]),
    'history',
  )}`;
}

export const eventPage = (event: unknown): string => `<pre id="event">${esc(JSON.stringify(event, null, 2))}</pre>`;

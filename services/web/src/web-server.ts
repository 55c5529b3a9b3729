import { timingSafeEqual } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { Result } from 'effect';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { LogLine } from '#libs/log';
import { connectNats } from '#libs/streams';
import { serveStatus } from '#libs/api';
import { adToken } from '#libs/tables';
import { formatPattern, parsePattern } from '#libs/eid';
import { parseUntil } from '#libs/audit';
import { Busy } from './in-line.ts';
import { lookingGlass, type LookingGlass } from './looking-glass.ts';
import { diffPage, errorPage, esc, eventPage, historyPage, isSpan, layout, peerPage, peersPage, routePage, routesPage, spanMs, timelinePage, travelPage } from './pages.ts';
import { lanesOf, timelineSvg } from './timeline-svg.ts';
import { isLoopback, type WebConfig } from '#libs/service-config';

type Params = Readonly<Record<string, string | undefined>>;

/** A page and its JSON twin: the same data, as HTML at `path` and as JSON at `/api<path>`. */
interface Page<D> {
  readonly path: string;
  readonly title: (p: Params) => string;
  readonly data: (glass: LookingGlass, p: Params) => Promise<D>;
  readonly html: (d: D, p: Params, glass: LookingGlass) => string | { readonly body: string; readonly script: string; readonly patterns: string };
}
const page = <D>(p: Page<D>): Page<unknown> => p as Page<unknown>;

/** A query value that must be there. */
const required = (p: Params, name: string, example: string): string => {
  const v = p[name]?.trim();
  if (!v) throw new UserError(`${name} is required, e.g. ?${name}=${example}`);
  return v;
};
class UserError extends Error {}
/** A page's error as HTTP: the request's fault, the looking glass busy, or what it asked failing. */
const statusOf = (error: unknown) => (error instanceof UserError ? 400 : error instanceof Busy ? 503 : 502);
const canonical = (text: string): string => {
  const p = parsePattern(text.trim());
  if (!p.ok) throw new UserError(`pattern "${text}": ${p.error.message}`);
  return formatPattern(p.value);
};
const point = (text: string, name: string) => {
  const until = parseUntil(text.trim());
  if (Result.isFailure(until)) throw new UserError(until.failure.replace('--until', name));
  return until.success;
};

/** The latest instant a Date holds (ms): a start after it is no time at all. */
const LAST_INSTANT = 8.64e15;

/** The timeline's range: `span` (6h…4w) from `start` (ms; default an eighth of the span before now). */
const rangeOf = (p: Params, now: number) => {
  const span = isSpan(p['span']) ? p['span'] : '1d';
  const ms = spanMs(span);
  if (p['start'] !== undefined && !(/^\d{1,16}$/.test(p['start']) && Number(p['start']) + ms <= LAST_INSTANT)) throw new UserError(`start "${p['start']}": expected ms since the epoch (e.g. ${now})`);
  const start = p['start'] !== undefined ? Number(p['start']) : Math.floor(now - ms / 8);
  return { span, start, end: start + ms, now };
};
const patternsOf = (p: Params) => (p['patterns'] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(canonical);

const PAGES: readonly Page<unknown>[] = [
  page({ path: '/peers', title: () => 'Peers', data: (g) => g.peers(), html: (d) => peersPage(d, Date.now()) }),
  page({
    path: '/peers/:peer',
    title: (p) => `Peer ${p['peer']}`,
    data: async (g, p) => {
      const [peer] = await g.peers(p['peer']);
      if (peer === undefined) throw new UserError(`no peer ${p['peer']} at a running session service`);
      return peer;
    },
    html: (d) => peerPage(d),
  }),
  page({
    path: '/routes',
    title: () => 'Routes',
    data: async (g, p) => {
      // The search box alone is a search (text and EID); with a filter, the routes the filters and the text select.
      const scheduled = p['scheduled'] === 'true' ? true : p['scheduled'] === 'false' ? false : undefined;
      const filters = { ...(p['peer'] ? { peer: p['peer'] } : {}), ...(p['origin'] ? { origin: p['origin'] } : {}), ...(p['under'] ? { under: p['under'] } : {}), ...(scheduled === undefined ? {} : { scheduled }) };
      const page = p['after'] ? { after: p['after'] } : {};
      if (Object.keys(filters).length === 0) return g.search(p['q'] ?? '', page);
      return { text: p['q'] ?? '', forEid: undefined, routes: await g.routes({ ...filters, ...(p['q'] ? { text: p['q'] } : {}), all: true, ...page }) };
    },
    html: (d, p) => routesPage(d, p),
  }),
  page({ path: '/route', title: (p) => `Route ${p['pattern'] ?? ''}`, data: (g, p) => g.routes({ patterns: [canonical(required(p, 'pattern', 'ipn:200.*.*'))], all: true }), html: (d, p) => routePage(canonical(p['pattern']!), d) }),
  page({
    path: '/timeline',
    title: (p) => `Contact timeline${p['gateway'] ? ` of gateway ${p['gateway']}` : p['patterns'] ? ` of ${p['patterns']}` : ''}`,
    data: async (g, p) => {
      const range = rangeOf(p, Date.now());
      const patterns = patternsOf(p);
      const answer = patterns.length > 0 || p['gateway'] ? await g.timeline(patterns.length > 0 ? { patterns } : { gateway: p['gateway']! }) : { lastSeq: 0, now: range.now, routes: [] };
      return { ...range, patterns, gateway: p['gateway'] || undefined, lanes: lanesOf(answer.routes), routes: answer.routes };
    },
    html: (d, p, g) => timelinePage({ svg: timelineSvg(d.lanes, d), patterns: d.patterns, gateway: d.gateway, gateways: g.gateways, span: d.span, start: d.start, query: new URLSearchParams(Object.entries(p).filter((e): e is [string, string] => e[1] !== undefined)) }),
  }),
  page({
    path: '/travel',
    title: (p) => (p['at'] ? `Time travel to ${p['at']}` : 'Time travel'),
    data: (g, p) => (p['at'] ? g.travel(point(p['at'], 'at'), p['at'], p['gateway'] || undefined) : Promise.resolve(undefined)),
    html: (d, p, g) => travelPage(d, { at: p['at'] ?? '', gateway: p['gateway'] || undefined, gateways: g.gateways }),
  }),
  page({
    path: '/diff',
    title: () => 'Loc-RIB diff',
    data: (g, p) => (p['a'] && p['b'] ? g.diff(point(p['a'], 'a'), point(p['b'], 'b')) : Promise.resolve(undefined)),
    html: (d, p) => diffPage(d, { a: p['a'] ?? '', b: p['b'] ?? '' }),
  }),
  page({ path: '/history', title: (p) => `History of ${p['pattern'] ?? ''}`, data: (g, p) => g.history(canonical(required(p, 'pattern', 'ipn:200.*.*'))), html: (d, p) => historyPage(canonical(p['pattern']!), d) }),
  page({
    path: '/event',
    title: (p) => `RIB input event ${p['seq'] ?? ''}`,
    data: (g, p) => {
      const seq = required(p, 'seq', '42');
      if (!/^\d+$/.test(seq)) throw new UserError(`seq "${seq}": expected a RIB input sequence number`);
      return g.event(Number(seq));
    },
    html: (d) => eventPage(d),
  }),
];

/** Whether `given` is the token, compared in constant time. */
function isToken(given: string | undefined, token: string): boolean {
  const [a, b] = [Buffer.from(given ?? ''), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a request carries the token: a bearer header, or the cookie /login set. */
const authorized = (c: Context, token: string): boolean => isToken(c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? getCookie(c, 'dpp_token'), token);

/**
 * Whether a request without a token came for this machine's own name (the loopback the config
 * takes without a token): a page of another site that resolves its name to 127.0.0.1 (DNS
 * rebinding) would otherwise read the whole table. The Host header's port and an IPv6 address's
 * brackets are not the name.
 */
const forLoopback = (host: string): boolean => isLoopback((host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')).toLowerCase());

/**
 * The looking glass (`dpp web`): read-only pages, each with its JSON twin under /api, over the
 * running services' read API and the log (looking-glass.ts). Bound to loopback unless the config
 * gives a token; with one, every request must carry it (Authorization: Bearer, or the cookie
 * `/login?token=` sets for a browser).
 */
export async function startWebService(config: WebConfig, log: LogLine): Promise<{ url: string; stop(): Promise<void> }> {
  const nc = await connectNats(config.streams.natsUrl, `dpp-web ${config.localAd}`);
  const glass = lookingGlass(nc, config);
  const app = new Hono();
  if (config.token !== undefined) {
    const token = config.token;
    app.get('/login', (c) => {
      if (!isToken(c.req.query('token'), token)) return c.text('wrong token', 401);
      setCookie(c, 'dpp_token', token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/peers');
    });
    app.use('*', async (c, next) => {
      if (!authorized(c, token)) return c.text('a bearer token is required (Authorization: Bearer, or /login?token=…)', 401, { 'WWW-Authenticate': 'Bearer realm="dpp"' });
      await next();
    });
  } else {
    app.use('*', async (c, next) => {
      if (!forLoopback(c.req.header('host') ?? '')) return c.text('this looking glass answers only for 127.0.0.1, localhost or [::1] (set web.token_file to serve other names)', 421);
      await next();
    });
  }
  app.get('/', (c) => c.redirect('/peers'));
  const params = (c: Context): Params => ({ ...c.req.query(), ...c.req.param() });
  for (const p of PAGES) {
    app.get(`/api${p.path}`, async (c) => {
      try {
        return c.json((await p.data(glass, params(c))) ?? null);
      } catch (error) {
        return c.json({ error: (error as Error).message }, statusOf(error));
      }
    });
    app.get(p.path, async (c) => {
      const q = params(c);
      const json = `/api${c.req.path}${c.req.url.includes('?') ? c.req.url.slice(c.req.url.indexOf('?')) : ''}`;
      try {
        const html = p.html(await p.data(glass, q), q, glass);
        if (typeof html === 'string') return c.html(layout({ title: p.title(q), localAd: glass.localAd, json, body: html }));
        return c.html(layout({ title: p.title(q), localAd: glass.localAd, json, body: html.body, script: html.script }).replace('<body>', `<body data-patterns="${esc(html.patterns)}">`));
      } catch (error) {
        return c.html(errorPage(glass.localAd, p.title(q), (error as Error).message, json), statusOf(error));
      }
    });
  }
  // The SVG alone, for the timeline page to fetch again on a change.
  app.get('/timeline.svg', async (c) => {
    try {
      const d = (await PAGES.find((p) => p.path === '/timeline')!.data(glass, params(c))) as { lanes: ReturnType<typeof lanesOf>; start: number; end: number; now: number };
      return c.body(timelineSvg(d.lanes, d), 200, { 'content-type': 'image/svg+xml' });
    } catch (error) {
      return c.text((error as Error).message, 400);
    }
  });
  // The Loc-RIB's changes as they happen: one follower of the change stream, shared by every open page.
  const listeners = new Set<(patterns: readonly string[]) => void>();
  const follower = glass.follow((patterns) => listeners.forEach((l) => l(patterns)));
  app.get('/api/changes', (c) =>
    streamSSE(c, async (stream) => {
      // A client slower than the changes gets them merged, one write at a time: what waits for it is a set of patterns, not a queue.
      const waiting = new Set<string>();
      let writing = false;
      const send = (patterns: readonly string[]) => {
        for (const p of patterns) waiting.add(p);
        if (writing) return;
        writing = true;
        void (async () => {
          while (waiting.size > 0 && !stream.aborted) {
            const batch = [...waiting];
            waiting.clear();
            await stream.writeSSE({ data: JSON.stringify(batch) }).catch(() => undefined);
          }
          writing = false;
        })();
      };
      listeners.add(send);
      stream.onAbort(() => void listeners.delete(send));
      while (!stream.aborted) {
        await stream.writeSSE({ event: 'keepalive', data: '' });
        await stream.sleep(15_000);
      }
      listeners.delete(send);
    }),
  );
  let server: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
    server.once('error', reject);
  }).catch(async (error: Error) => {
    // Not started (the port taken): nothing of it may keep the process.
    follower.stop();
    await nc.close();
    throw error;
  });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`;
  const status = serveStatus(nc, { service: 'web', ad: config.localAd, adToken: adToken(config.localAd) }, async () => ({ detail: { url, clients: listeners.size } }), log);
  log({ level: 'info', msg: 'looking glass running', url, token: config.token === undefined ? 'none (loopback)' : 'required' });
  return {
    url,
    stop: async () => {
      status.stop();
      follower.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await nc.drain().catch(() => nc.close());
    },
  };
}

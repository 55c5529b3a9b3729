import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, until } from '#libs/lab';
import { runDpp } from '../harness/dpp-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots of every page the test saw, for a person to look at. */
const SHOTS = join(root, 'test-results', 'looking-glass');
const HOUR = 3_600_000;

/**
 * The looking glass (dpp web) in a real browser: Debian's Chromium, driven by playwright-core
 * (which downloads no browser), against the demo stack `dpp up` starts, as a user opens it.
 */
describe('the looking glass in a browser, over the demo stack', () => {
  let up: ChildProcess | undefined;
  let browser: Browser;
  let page: Page;
  let data: string;
  let out = '';
  const web = (ad: string) => new RegExp(`^${ad.replaceAll('.', '\\.')}/web\\s+\\d+\\s+(http://\\S+)/`, 'm').exec(out)![1]!;
  const config = (ad: string) => join(data, ad, 'dpp.yaml');
  const api = async <T>(ad: string, path: string): Promise<T> => (await (await fetch(`${web(ad)}/api${path}`)).json()) as T;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** ISO time of a whole second, as dpp originate takes it. */
  const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    data = mkdtempSync(join(tmpdir(), 'dpp-web-'));
    up = spawn(process.execPath, ['bin/dpp.js', 'up', '--data', data], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    up.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await until('the stack up', () => (out.includes('dpp is up') ? true : undefined), { ms: 90_000 });
    await until("Mars's route at ESA's gateway", () => (out.includes('gateway esa-gw: + ipn:200.*.*') ? true : undefined), { ms: 60_000 });
    browser = await chromium.launch({ executablePath: execFileSync('sh', ['-c', 'command -v chromium']).toString().trim(), args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    if (up?.pid) {
      const exited = new Promise((resolve) => up!.once('exit', resolve));
      process.kill(-up.pid, 'SIGINT');
      await exited;
    }
  }, 60_000);

  it("lists the DSN's sessions on its peers page, each ESTABLISHED, with a page per peer", async () => {
    const dsn = web('dsn.example.test');
    const rows = async () => {
      await page.goto(`${dsn}/peers`);
      return page.locator('#peers tbody tr').allInnerTexts();
    };
    const listed = await until('both peers ESTABLISHED on the page', async () => {
      const text = await rows();
      if (text.length === 2 && text.every((r) => r.includes('ESTABLISHED'))) return text;
      // Thrown, so that a timeout says what the page listed last.
      throw new Error(`the page lists ${JSON.stringify(text)}`);
    }, { ms: 60_000 });
    expect(listed.map((r) => r.split('\t')[0])).toEqual(['esa.example.test', 'mars.example.test']);
    await shot('peers');
    await page.click('text=mars.example.test');
    await expect.poll(() => page.locator('#state').innerText()).toBe('ESTABLISHED');
    expect(await page.locator('#sessions tbody tr').first().innerText()).toMatch(/responder\tESTABLISHED/);
    await shot('peer');
  }, 120_000);

  it('finds ipn:200.7.* when one searches ipn:200.7, and shows every attribute and candidate of the route', async () => {
    expect((await runDpp('originate', 'ipn:200.7.*', '--config', config('mars.example.test'))).status).toBe(0);
    await until('ipn:200.7.* at ESA', async () => ((await api<{ routes: { routes: unknown[] } }>('esa.example.test', '/routes?q=ipn:200.7')).routes.routes.length > 0 ? true : undefined), { ms: 30_000 });
    await page.goto(`${web('esa.example.test')}/peers`);
    await page.fill('header input[name=q]', 'ipn:200.7');
    await page.press('header input[name=q]', 'Enter');
    await page.waitForURL(/\/routes\?q=ipn%3A200\.7/);
    const found = await page.locator('#routes tbody tr').allInnerTexts();
    expect(found).toEqual([expect.stringMatching(/^ipn:200\.7\.\*\tNOW always\tdsn\.example\.test\tdsn\.example\.test mars\.example\.test\t0\tdtn:\/\/gw\.dsn\.example\.test\/\talways$/)]);
    await shot('routes');
    await page.click('#routes a');
    expect(await page.locator('#attributes').first().innerText()).toMatch(/receivedSeq/);
    expect(await page.locator('#candidates tbody tr').first().innerText()).toMatch(/best$/);
    await shot('route');
  }, 120_000);

  it('draws three future windows of a pattern as three bars where they fall, and a fourth originated while the page is open appears without a reload', async () => {
    const pattern = 'ipn:200.9.*';
    const t0 = Math.ceil(Date.now() / HOUR) * HOUR;
    const windows = [2, 5, 9].map((h) => ({ from: t0 + h * HOUR, until: t0 + (h + 1) * HOUR }));
    for (const w of windows) expect((await runDpp('originate', pattern, '--from', second(w.from), '--until', second(w.until), '--config', config('mars.example.test'))).status).toBe(0);
    await until('the three windows at ESA', async () => ((await api<{ lanes: { windows: unknown[] }[] }>('esa.example.test', `/timeline?patterns=${encodeURIComponent(pattern)}`)).lanes.flatMap((l) => l.windows).length === 3 ? true : undefined), { ms: 30_000 });
    await page.goto(`${web('esa.example.test')}/timeline?patterns=${encodeURIComponent(pattern)}`);
    // Read in the page (a string: this program has no DOM types): each bar's window, its SVG geometry and where it was drawn.
    type Box = { x: number; width: number };
    const geometry = () =>
      page.evaluate(`(() => {
        const svg = document.getElementById('timeline');
        const bars = [...svg.querySelectorAll('rect.window')].map((r) => ({ from: +r.dataset.from, until: +r.dataset.until, x: +r.getAttribute('x'), width: +r.getAttribute('width'), box: r.getBoundingClientRect().toJSON() }));
        return { start: +svg.dataset.start, end: +svg.dataset.end, plotX: +svg.dataset.plotX, plotWidth: +svg.dataset.plotWidth, svgBox: svg.getBoundingClientRect().toJSON(), bars };
      })()`) as Promise<{ start: number; end: number; plotX: number; plotWidth: number; svgBox: Box; bars: { from: number; until: number; x: number; width: number; box: Box }[] }>;
    const g = await geometry();
    expect(g.bars.map((b) => [b.from, b.until])).toEqual(windows.map((w) => [w.from, w.until]));
    const xOf = (t: number) => g.plotX + ((t - g.start) / (g.end - g.start)) * g.plotWidth;
    for (const b of g.bars) {
      expect(b.x).toBeCloseTo(xOf(b.from), 1);
      expect(b.width).toBeCloseTo(xOf(b.until) - xOf(b.from), 1);
      // Drawn where the SVG says: the rendered box starts at its x (the SVG is drawn at scale 1).
      expect(b.box.x - g.svgBox.x).toBeCloseTo(b.x, 0);
    }
    expect(g.bars.map((b) => b.box.x)).toEqual([...g.bars.map((b) => b.box.x)].sort((a, b) => a - b));
    await shot('timeline');

    // Live: the page follows the Loc-RIB's changes; a fourth window is drawn without the page being loaded again.
    await page.waitForFunction(`document.body.dataset.live === 'yes'`, undefined, { timeout: 10_000 });
    await page.evaluate('window.loadedOnce = true');
    const fourth = { from: t0 + 14 * HOUR, until: t0 + 15 * HOUR };
    expect((await runDpp('originate', pattern, '--from', second(fourth.from), '--until', second(fourth.until), '--config', config('mars.example.test'))).status).toBe(0);
    await page.waitForFunction(`document.querySelectorAll('#timeline rect.window').length === 4`, undefined, { timeout: 30_000 });
    expect(await page.evaluate('window.loadedOnce === true')).toBe(true);
    expect((await geometry()).bars.map((b) => b.from)).toEqual([...windows, fourth].map((w) => w.from));
    await shot('timeline-live');
  }, 120_000);

  it('travels to before a withdrawal and shows the route, and to after it and does not', async () => {
    const pattern = 'ipn:200.8.*';
    const atEsa = async () => (await api<{ routes: { routes: { pattern: string }[] } }>('esa.example.test', `/routes?q=${encodeURIComponent('ipn:200.8')}`)).routes.routes.some((r) => r.pattern === pattern);
    expect((await runDpp('originate', pattern, '--config', config('mars.example.test'))).status).toBe(0);
    await until('ipn:200.8.* at ESA', async () => ((await atEsa()) ? true : undefined), { ms: 30_000 });
    const before = new Date(Date.now() + 1_000).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await runDpp('withdraw', pattern, '--config', config('mars.example.test'))).status).toBe(0);
    await until('ipn:200.8.* gone from ESA', async () => ((await atEsa()) ? undefined : true), { ms: 30_000 });
    const after = new Date().toISOString();
    const travel = async (at: string) => {
      await page.goto(`${web('esa.example.test')}/travel`);
      await page.fill('main input[name=at]', at);
      await page.selectOption('main select[name=gateway]', 'esa-gw');
      await page.click('main form button');
      await page.waitForSelector('#routes');
      return { routes: await page.locator('#routes tbody tr td:first-child').allInnerTexts(), fib: await page.locator('#fib tbody tr td:first-child').allInnerTexts() };
    };
    const then = await travel(before);
    expect(then.routes).toContain(pattern);
    expect(then.fib).toContain(pattern);
    await shot('travel-before');
    const later = await travel(after);
    expect(later.routes).not.toContain(pattern);
    expect(later.fib).not.toContain(pattern);
    expect(later.routes).toContain('ipn:200.7.*');
    await shot('travel-after');
    // Its history, with links to the events.
    await page.goto(`${web('esa.example.test')}/history?pattern=${encodeURIComponent(pattern)}`);
    expect(await page.locator('#history tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/announced/), expect.stringMatching(/best route from dsn\.example\.test/), expect.stringMatching(/withdrawn/), expect.stringMatching(/no route/)]);
    await shot('history');
    await page.click('#history tbody tr:first-child a');
    expect(await page.locator('#event').innerText()).toContain(pattern);
  }, 120_000);

  it('answers only for its own names without a token (no DNS rebinding), and refuses a timeline range beyond time', async () => {
    const url = new URL(web('esa.example.test'));
    const status = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end());
    expect(await status('/api/peers', `127.0.0.1:${url.port}`)).toBe(200);
    expect(await status('/api/peers', `localhost:${url.port}`)).toBe(200);
    expect(await status('/api/peers', `rebound.example.org:${url.port}`)).toBe(421);
    // A start no Date holds, which once made the axis's ticks loop for ever.
    expect(await status('/timeline.svg?patterns=ipn:200.9.*&start=99999999999999999999999999', `127.0.0.1:${url.port}`)).toBe(400);
    expect(await status('/api/timeline?patterns=ipn:200.9.*&span=__proto__', `127.0.0.1:${url.port}`)).toBe(200);
  });

  it('refuses a request without the token when it listens beyond loopback, and says which field is missing when no token is set', async () => {
    const esa = parse(readFileSync(config('esa.example.test'), 'utf8')) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), 'dpp-web-token-'));
    const port = await freePort();
    const write = (name: string, web: Record<string, unknown>) => {
      // Paths in the demo's file are relative to its directory.
      writeFileSync(join(data, 'esa.example.test', name), stringify({ ...esa, web }));
      return join(data, 'esa.example.test', name);
    };
    const open = write('open.yaml', { host: '0.0.0.0', port });
    const refused = await runDpp('web', '--config', open);
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining('web.host: 0.0.0.0 is not a loopback address')]);
    const token = 'a-token-for-the-looking-glass-test';
    writeFileSync(join(dir, 'web.token'), `${token}\n`);
    const guarded = write('guarded.yaml', { host: '0.0.0.0', port, token_file: join(dir, 'web.token') });
    const service = spawn(process.execPath, ['bin/dpp.js', 'web', '--config', guarded], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    service.stdout!.on('data', (c: Buffer) => (said += c.toString()));
    try {
      await until('the guarded looking glass running', () => (said.includes('"looking glass running"') ? true : undefined), { ms: 20_000 });
      const url = `http://127.0.0.1:${port}`;
      const without = await fetch(`${url}/api/peers`);
      expect([without.status, without.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="dpp"']);
      expect((await fetch(`${url}/peers`, { headers: { authorization: 'Bearer not-the-token-at-all-no' } })).status).toBe(401);
      expect((await fetch(`${url}/api/peers`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // A browser signs in once; the cookie carries the token after.
      const context = await browser.newContext();
      const signed = await context.newPage();
      await signed.goto(`${url}/login?token=${token}`);
      expect(await signed.title()).toMatch(/^Peers/);
      await context.close();
    } finally {
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGINT');
      await exited;
    }
  }, 120_000);
});

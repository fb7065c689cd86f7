// The web status page in a real browser: Debian's headless Chromium, driven by playwright-core, on
// brokerwatch run as `brokerwatch -I -c demo.rc` (the demo's own rules, moved to free ports and a
// private folder). An admin's page renders the demo broker with its chart, its Restart button
// restarts the broker (a new PID, serving again) and the page's script refreshes to show it; a
// read-only user sees no button; without JavaScript the forms still work; a page that cannot refresh
// (brokerwatch stopped) says so. No console error, so the page obeys its own Content-Security-Policy.
// A screenshot is saved in test-artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ServiceDto, StatusDto } from '../../src/http/dto.js';
import { ChildDaemon, Cleanup, pidIn, signal, testDir, writeRules } from '../daemon/harness.js';
import { isRunning, mqttRoundTrip } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CHROMIUM = process.env.BROKERWATCH_CHROMIUM ?? '/usr/bin/chromium';
// As root in a container: no sandbox; and nothing that reaches beyond loopback.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
const SCREENSHOT = join(ROOT, 'test-artifacts', 'status-page.png');
const ADMIN = { username: 'admin', password: 'watchdog' };
const GUEST = { username: 'guest', password: 'guestpw' };

void describe('the status page in headless Chromium', { timeout: 120_000 }, () => {
  const cleanup = new Cleanup();
  let base = '';
  let brokerPort = 0;
  let pidfile = '';
  let browser: Browser;
  let daemon: ChildDaemon;
  const problems: string[] = [];

  /** The demo broker as the API sees it. */
  async function demoBroker(): Promise<ServiceDto | undefined> {
    const res = await fetch(`${base}/api/v1/status`, {
      headers: { authorization: `Basic ${Buffer.from('admin:watchdog').toString('base64')}` },
    });
    return ((await res.json()) as StatusDto).services.find((s) => s.name === 'demo-broker');
  }

  async function open(
    credentials: { username: string; password: string },
    opts: { javaScriptEnabled?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      httpCredentials: credentials,
      viewport: { width: 1360, height: 900 },
      ...opts,
    });
    cleanup.add(() => context.close());
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning')
        problems.push(`${credentials.username}: console ${m.type()}: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && r.status() !== 401)
        void r
          .text()
          .then((t) =>
            problems.push(
              `${credentials.username}: ${r.request().method()} ${r.url()} → ${r.status()}: ${t.replace(/\s+/g, ' ').slice(0, 300)} ${JSON.stringify(r.request().headers())}`,
            ),
          );
    });
    page.on('pageerror', (e) => problems.push(`${credentials.username}: page error: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    return { context, page };
  }

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `no Chromium at ${CHROMIUM}: run scripts/install-prereqs.sh (apt-get install chromium)`,
    );
    const dir = await testDir(cleanup, 'brokerwatch-web-');
    const httpPort = await freePort();
    brokerPort = await freePort();
    pidfile = join(dir, 'broker.pid');
    // demo.rc as shipped, moved: its ports, its var/demo folder, and the broker program by full path.
    const rules = readFileSync(join(ROOT, 'config', 'demo.rc'), 'utf8')
      .replaceAll('2812', String(httpPort))
      .replaceAll('18830', String(brokerPort))
      .replaceAll('var/demo/broker.pid', pidfile)
      .replaceAll('var/demo', dir)
      .replaceAll('node dist/demo/broker.js', `${process.execPath} ${join(ROOT, 'dist', 'demo', 'broker.js')}`);
    assert.doesNotMatch(rules, /var\/demo|2812|18830/, 'every path and port of demo.rc was moved');
    const file = join(dir, 'demo.rc');
    await writeRules(file, rules);
    // The broker brokerwatch starts is ended by PID, whatever happens to the test.
    cleanup.add(() => {
      const pid = pidIn(pidfile);
      if (pid !== undefined && isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('broker.js'))
        process.kill(pid, 'SIGKILL');
    });
    daemon = await ChildDaemon.start(file, cleanup);
    base = `http://127.0.0.1:${httpPort}`;
    // The status server comes up just after the daemon's first log line: until then, nothing listens.
    await waitFor(async () => (await demoBroker().catch(() => undefined))?.status === 'ok', {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: 'the demo broker never became ok',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    cleanup.add(() => browser.close());
  });
  after(() => cleanup.run());

  void test("an admin's Restart button restarts the demo broker, and the page refreshes to show it", async () => {
    const { page } = await open(ADMIN);
    await page.goto(`${base}/`);
    const row = page.locator('#svc-demo-broker');
    assert.equal(await row.getAttribute('data-status'), 'ok');
    assert.match(await page.title(), /brokerwatch on /);
    assert.equal(await row.locator('.badge').innerText(), 'ok');
    assert.ok(
      await page.locator('figure.latency[data-service="demo-broker"] svg.chart').isVisible(),
      'the latency chart is drawn',
    );
    assert.ok((await page.locator('table.events tbody tr').count()) >= 1, 'events are listed');
    const before = await demoBroker();
    const oldPid = before?.pid;
    assert.ok(oldPid, 'the demo broker has a pid');
    assert.equal((await row.locator('td.pid').innerText()).trim(), String(oldPid));

    await row.locator('button[value="restart"]').click();
    await page.locator('.notice.ok').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.notice.ok').innerText(), /^restart of demo-broker requested \(action \d+\)/);

    // The page's script refreshes it (every 5 s) until the new broker shows as ok.
    await waitFor(
      async () => {
        const pid = (await row.locator('td.pid').innerText()).trim();
        return (await row.getAttribute('data-status')) === 'ok' && /^\d+$/.test(pid) && pid !== String(oldPid);
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'the page never showed the new broker' },
    );
    const after = await demoBroker();
    assert.ok(after?.pid && after.pid !== oldPid, `a new broker process: ${oldPid} → ${after?.pid}`);
    assert.equal(pidIn(pidfile), after.pid);
    assert.ok(!isRunning(oldPid), 'the old broker is gone');
    await mqttRoundTrip(brokerPort); // the new broker serves MQTT (rejects if not)
    assert.match(await page.locator('table.events').innerText(), /restart requested by admin via web page/);
    assert.match(await page.locator('#refresh').innerText(), /refreshes every 5 s/);

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(readFileSync(SCREENSHOT).subarray(1, 4).toString() === 'PNG');
  });

  void test('a read-only user sees the status and no button', async () => {
    const { page } = await open(GUEST);
    await page.goto(`${base}/`);
    assert.equal(await page.locator('#svc-demo-broker').getAttribute('data-status'), 'ok');
    assert.equal(await page.locator('form').count(), 0);
    assert.equal(await page.locator('button').count(), 0);
    assert.match(await page.locator('.meta').innerText(), /signed in as guest \(read-only\)/);
  });

  void test('without JavaScript the page reads and its forms still act', async () => {
    const { page } = await open(ADMIN, { javaScriptEnabled: false });
    await page.goto(`${base}/`);
    const row = page.locator('#svc-demo-broker');
    await row.locator('button[value="unmonitor"]').click();
    await page.locator('.notice.ok').waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute('data-status'), 'off');
    assert.equal(await row.locator('.badge').innerText(), 'not monitored');
    await row.locator('button[value="monitor"]').click();
    await page.locator('.notice.ok').waitFor({ timeout: 10_000 });
    assert.notEqual(await row.locator('.badge').innerText(), 'not monitored');
    await waitFor(async () => (await demoBroker())?.status === 'ok', {
      timeoutMs: 15_000,
      intervalMs: 50,
      message: 'the demo broker is monitored and ok again',
    });
  });

  void test('a page that can no longer refresh (brokerwatch hung) says so and greys out', async () => {
    const { page } = await open(GUEST);
    await page.goto(`${base}/`);
    assert.match(await page.locator('#refresh').innerText(), /refreshes every 5 s/);
    signal(daemon.pid, 'SIGSTOP');
    try {
      await waitFor(async () => /NOT UPDATED since \d\d:\d\d:\d\d/.test(await page.locator('#refresh').innerText()), {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'the page never said it was stale',
      });
      assert.match((await page.locator('#page').getAttribute('class')) ?? '', /\bstale\b/);
    } finally {
      signal(daemon.pid, 'SIGCONT');
    }
    await waitFor(
      async () =>
        (await page.locator('#page').getAttribute('class')) === null &&
        /refreshes every 5 s/.test(await page.locator('#refresh').innerText()),
      { timeoutMs: 20_000, intervalMs: 250, message: 'the page never recovered' },
    );
    // The fetch that timed out while brokerwatch was stopped is the only error the console may show.
    for (let i = problems.length - 1; i >= 0; i--)
      if (/guest: console error: Failed to load resource|net::ERR/.test(problems[i] ?? '')) problems.splice(i, 1);
  });

  void test('no console error or CSP violation on any page', () => {
    assert.deepEqual(problems, []);
  });
});

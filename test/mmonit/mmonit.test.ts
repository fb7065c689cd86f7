// `set mmonit`: brokerwatch pushes its status and events to an M/Monit collector as monit does.
// Real monit 5.33 (/usr/bin/monit -I) and an in-process brokerwatch watch the same real mosquitto
// with the same rules, each pushing to a recording collector on loopback: the requests must be
// monit's (POST, text/xml, basic auth from the URL) and the documents the same, element by element
// (values aside). A collector that is down or hung never holds the daemon up, sees one push at a
// time, and no log line shows the password of its URL.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { Scrubber, collectSecrets } from '../../src/http/secrets.js';
import { eventXml } from '../../src/mmonit/document.js';
import { postDocument } from '../../src/mmonit/post.js';
import type { MMonitTls } from '../../src/mmonit/syntax.js';
import { createServer as createHttpsServer } from 'node:https';
import { selfSigned } from '../alerts/fixtures.js';
import { Cleanup, startInProcess, testDir } from '../daemon/harness.js';
import { MOSQUITTO_BIN, startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { XmlElement } from '../http/xml.js';
import { child, parseXml } from '../http/xml.js';
import type { Push } from './collector.js';
import { startCollector } from './collector.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const USERINFO = 'mon:s3cret-Pa55';
const BASIC = `Basic ${Buffer.from(USERINFO).toString('base64')}`;

/** Every element path of a document; a service's path names its type (`service[3]/pid`). */
function paths(root: XmlElement): Set<string> {
  const out = new Set<string>();
  const walk = (e: XmlElement, prefix: string): void => {
    const here = `${prefix}/${e.name}${e.name === 'service' ? `[${child(e, 'type')?.text ?? '?'}]` : ''}`;
    out.add(here);
    for (const c of e.children) walk(c, here);
  };
  walk(root, '');
  return out;
}

const serviceOfType = (root: XmlElement, type: string): XmlElement | undefined =>
  child(root, 'services')?.children.find((s) => child(s, 'type')?.text === type);

/** A status push with the process fully read (pid, resources, both port tests) and the System service. */
function fullStatus(p: Push): XmlElement | undefined {
  const root = parseXml(p.body);
  const proc = serviceOfType(root, '3');
  const ready =
    ['pid', 'ppid', 'cpu', 'memory', 'filedescriptors'].every((n) => child(proc, n)) &&
    (proc?.children.filter((c) => c.name === 'port').length ?? 0) === 2 &&
    child(serviceOfType(root, '5'), 'system') !== undefined;
  return ready ? root : undefined;
}

/** The `<event>` of a push about a failed connection of `mosquitto`. */
function connectionEvent(p: Push): XmlElement | undefined {
  const root = parseXml(p.body);
  const e = child(root, 'event');
  return child(e, 'service')?.text === 'mosquitto' && child(e, 'id')?.text === '32' ? root : undefined;
}

async function pushOf(
  pushes: Push[],
  path: string,
  pick: (p: Push) => XmlElement | undefined,
  message: string,
): Promise<{ push: Push; root: XmlElement }> {
  return waitFor(
    () => {
      for (const push of pushes.filter((p) => p.path === path)) {
        const root = pick(push);
        if (root) return { push, root };
      }
      return undefined;
    },
    { timeoutMs: 45_000, intervalMs: 100, message },
  );
}

void describe('set mmonit: the pushes of monit 5.33, element by element', () => {
  let broker: RunningMosquitto;
  let monit: ChildProcess | undefined;

  after(async () => {
    if (monit?.pid !== undefined && monit.exitCode === null) {
      const exited = once(monit, 'exit');
      monit.kill('SIGTERM');
      await exited;
    }
    // brokerwatch too, before the broker goes: its implicit `if does not exist then restart` would
    // start the broker again into the folder being removed.
    await cleanup.run();
    await broker?.stop();
  });

  void test('status every cycle and each event: same requests, same elements', { timeout: 120_000 }, async () => {
    broker = await startMosquitto({ daemonize: true });
    const closed = await freePort();
    const collector = await startCollector(cleanup);
    const rules = (dir: string, path: string, httpPort: number): string =>
      [
        'set daemon 1',
        `set idfile ${join(dir, 'id')}`,
        `set statefile ${join(dir, 'state')}`,
        `set mmonit ${collector.url(USERINFO, path)}`,
        `set httpd port ${httpPort} address 127.0.0.1`,
        '  allow admin:adm1n-pw',
        `check process mosquitto with pidfile ${broker.pidfile}`,
        `  start program = "${MOSQUITTO_BIN} -d -c ${broker.configFile}" with timeout 10 seconds`,
        `  if failed host 127.0.0.1 port ${broker.port} protocol mqtt then alert`,
        `  if failed host 127.0.0.1 port ${closed} then alert`,
        '',
      ].join('\n');
    const monitDir = await testDir(cleanup, 'brokerwatch-monit-');
    const rc = join(monitDir, 'monitrc');
    await writeFile(rc, rules(monitDir, '/monit', await freePort()), { mode: 0o600 });
    monit = spawn('/usr/bin/monit', ['-I', '-c', rc], {
      cwd: monitDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: monitDir },
      stdio: 'ignore',
    });
    const bwDir = await testDir(cleanup);
    // Not listening: the rules' httpd is what <server> describes.
    const d = await startInProcess(join(bwDir, 'brokerwatch.rc'), rules(bwDir, '/bw', await freePort()), cleanup);

    const theirs = await pushOf(collector.pushes, '/monit', fullStatus, 'monit never pushed the broker');
    const ours = await pushOf(collector.pushes, '/bw', fullStatus, 'brokerwatch never pushed the broker');
    for (const { push } of [theirs, ours]) {
      assert.equal(push.method, 'POST');
      assert.equal(push.headers['content-type'], 'text/xml');
      assert.equal(push.headers.authorization, BASIC);
      assert.equal(push.headers.pragma, 'no-cache');
    }
    const missing = [...paths(theirs.root)].filter((p) => !paths(ours.root).has(p));
    assert.deepEqual(missing, [], "element paths of monit's push that brokerwatch's lacks");
    const top = (r: XmlElement): string[] => r.children.map((c) => c.name);
    assert.deepEqual(top(ours.root), top(theirs.root));
    assert.deepEqual(
      Object.keys(ours.root.attrs).sort(),
      Object.keys(theirs.root.attrs).sort(),
      'id, incarnation, version',
    );
    // M/Monit gets the first user who may act, to act through brokerwatch's API (monit's default).
    const creds = (r: XmlElement): string[] =>
      ['username', 'password'].map((n) => child(child(child(r, 'server'), 'credentials'), n)?.text ?? '');
    assert.deepEqual(creds(ours.root), ['admin', 'adm1n-pw']);
    assert.deepEqual(creds(ours.root), creds(theirs.root));
    assert.equal(
      child(serviceOfType(ours.root, '3'), 'pid')?.text,
      child(serviceOfType(theirs.root, '3'), 'pid')?.text,
    );

    // The closed port's failure, pushed as an event by both.
    const theirEvent = await pushOf(collector.pushes, '/monit', connectionEvent, 'monit never pushed the event');
    const ourEvent = await pushOf(collector.pushes, '/bw', connectionEvent, 'brokerwatch never pushed the event');
    const fields = (r: XmlElement): string[] => child(r, 'event')?.children.map((c) => c.name) ?? [];
    assert.deepEqual(fields(ourEvent.root), fields(theirEvent.root));
    assert.deepEqual(top(ourEvent.root), top(theirEvent.root), 'the event follows the whole status');
    for (const n of ['service', 'type', 'id', 'state', 'action'])
      assert.equal(child(child(ourEvent.root, 'event'), n)?.text, child(child(theirEvent.root, 'event'), n)?.text, n);
    assert.match(ourEvent.push.body, /<message><!\[CDATA\[[^\]]*\d+[^\]]*\]\]><\/message>/);
    // A status push every cycle: several already, about a second apart.
    const ourPushes = collector.pushes.filter((p) => p.path === '/bw');
    assert.ok(ourPushes.length >= 3, `${ourPushes.length} pushes`);
    assert.ok(!d.logs.some((l) => JSON.stringify(l).includes('s3cret-Pa55')), 'a log line shows the password');
  });
});

void describe('set mmonit: never in the way', () => {
  void test(
    'a collector down, then hung: the daemon keeps its cycles, one push at a time, no password logged',
    {
      timeout: 60_000,
    },
    async () => {
      const dir = await testDir(cleanup);
      const port = await freePort();
      const closed = await freePort();
      const rules = [
        'set daemon 1',
        `set statefile ${join(dir, 'state.json')}`,
        `set mmonit http://${USERINFO}@127.0.0.1:${port}/collector with timeout 1 second and register without credentials`,
        'check host h with address 127.0.0.1',
        `  if failed port ${closed} with timeout 1 second then alert`,
        '',
      ].join('\n');
      const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
      let cycles = 0;
      d.daemon.onCycle(() => cycles++);
      // Nothing listens: the push is refused, logged once, without the password.
      const down = await waitFor(() => d.logs.find((l) => l.component === 'mmonit' && l.level === 40), {
        timeoutMs: 10_000,
        message: 'the refused push was not logged',
      });
      assert.match(JSON.stringify(down), /http:\/\/127\.0\.0\.1:\d+\/collector/);
      // A hung M/Monit on that port: every push waits for its timeout, and only one is out at a time.
      const collector = await startCollector(cleanup, port);
      collector.hold = true;
      const before = cycles;
      await waitFor(() => collector.pushes.length >= 1, {
        timeoutMs: 10_000,
        message: 'no push reached the collector',
      });
      // The watched port opens while a push hangs: its recovery waits in line and goes out next.
      const server = createServer((sock) => sock.end());
      await new Promise<void>((resolve) => server.listen(closed, '127.0.0.1', resolve));
      cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const event = await waitFor(
        () => collector.pushes.find((p) => /<event>.*<service>h<\/service>.*<state>0<\/state>/.test(p.body)),
        { timeoutMs: 20_000, message: 'the recovery was not pushed while M/Monit hung' },
      );
      // Cycles go on while every push hangs until its timeout.
      await waitFor(() => collector.pushes.length >= 3 && cycles - before >= 3, {
        timeoutMs: 20_000,
        message: `pushes or cycles did not go on (${collector.pushes.length} pushes, ${cycles - before} cycles)`,
      });
      assert.equal(collector.open.max, 1, 'more than one push in flight');
      assert.doesNotMatch(event.body, /<credentials>/, 'register without credentials');
      // Back to answering: the next push goes through and says so once.
      collector.hold = false;
      collector.release();
      await waitFor(() => d.logs.some((l) => l.component === 'mmonit' && l.msg === 'M/Monit takes status again'), {
        timeoutMs: 10_000,
        message: 'the collector never took a push again',
      });
      const warnings = d.logs.filter((l) => l.component === 'mmonit' && l.level >= 40);
      assert.equal(warnings.length, 1, 'the outage is logged once');
      assert.ok(!d.logs.some((l) => JSON.stringify(l).includes('s3cret-Pa55')), 'a log line shows the password');
    },
  );

  void test('a reload starts and stops the pushes with the rules', { timeout: 30_000 }, async () => {
    const dir = await testDir(cleanup);
    const collector = await startCollector(cleanup);
    const base = [
      'set daemon 1',
      `set statefile ${join(dir, 'state.json')}`,
      `check file h with path ${join(dir, 'state.json')}`,
      '',
    ];
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), base.join('\n'), cleanup);
    const withMMonit = [`set mmonit ${collector.url(USERINFO, '/c')}`, ...base].join('\n');
    await d.daemon.reload((await parseRules(withMMonit, join(dir, 'brokerwatch.rc'))).config);
    await waitFor(() => collector.pushes.length >= 2, { timeoutMs: 10_000, message: 'no pushes after the reload' });
    await d.daemon.reload((await parseRules(base.join('\n'), join(dir, 'brokerwatch.rc'))).config);
    const count = collector.pushes.length;
    // Three cycles without set mmonit: no push.
    let cycles = 0;
    d.daemon.onCycle(() => cycles++);
    await waitFor(() => cycles >= 3, { timeoutMs: 10_000, message: 'the daemon stopped cycling' });
    assert.equal(collector.pushes.length, count);
  });

  void test('an event message goes in CDATA as it is, even one holding "]]>"', async () => {
    const { config } = await parseRules('check file h with path /etc/hostname\n', 'x.rc');
    const e = {
      id: 7,
      service: 'h',
      type: 'content' as const,
      state: 'failed' as const,
      action: 'alert' as const,
      message: 'matched <a & b> ]]> here\u0001',
      time: 1_700_000_000_123,
    };
    const xml = eventXml(e, config, new Scrubber([]));
    const el = parseXml(xml);
    assert.equal(child(el, 'message')?.text, 'matched <a & b> ]]> here');
    assert.deepEqual(
      el.children.map((c) => `${c.name}=${c.name === 'message' ? '…' : c.text}`),
      [
        'collected_sec=1700000000',
        'collected_usec=123000',
        'service=h',
        'type=2',
        'id=32768',
        'state=1',
        'action=1',
        'message=…',
      ],
    );
  });

  void test('an https collector: verified, its CA from cacertificatefile, or any with selfsigned: allow', async () => {
    const { key, cert } = await selfSigned(cleanup);
    const dir = await testDir(cleanup);
    await writeFile(join(dir, 'ca.pem'), cert);
    const auths: string[] = [];
    const server = createHttpsServer({ key, cert }, (req, res) => {
      auths.push(req.headers.authorization ?? '');
      req.resume().on('end', () => res.writeHead(200).end());
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `https://${USERINFO}@127.0.0.1:${(server.address() as { port: number }).port}/collector`;
    const push = (tls?: MMonitTls): Promise<void> =>
      postDocument({ url, timeoutMs: 5_000, ...(tls ? { tls } : {}) }, '<monit/>', new AbortController().signal);
    await assert.rejects(push(), /self-signed|self signed/);
    await push({ caFile: join(dir, 'ca.pem') });
    await push({ allowSelfSigned: true });
    assert.deepEqual(auths, [BASIC, BASIC]);
  });

  void test('-t -v and every HTTP answer mask the password of the collector URL', async () => {
    const { config } = await parseRules(
      'set mmonit http://mon:s3cret-Pa55@10.0.0.1:8080/collector with timeout 10 seconds\n',
      'x.rc',
    );
    assert.deepEqual(config.mmonit, {
      collectors: [{ url: 'http://mon:s3cret-Pa55@10.0.0.1:8080/collector', timeoutMs: 10_000 }],
      credentials: true,
    });
    const masked = printConfig(config, { maskSecrets: true });
    assert.match(masked, /^set mmonit http:\/\/mon:\*+@10\.0\.0\.1:8080\/collector with timeout 10 seconds$/m);
    assert.doesNotMatch(masked, /s3cret/);
    const plain = printConfig(config);
    assert.equal(
      (await parseRules(plain, 'x.rc')).config.mmonit?.collectors[0]?.url,
      config.mmonit?.collectors[0]?.url,
    );
    assert.doesNotMatch(new Scrubber(collectSecrets(config)).scrub(plain), /s3cret/);
  });
});

// brokerwatch's monit XML against real monit's, element by element: monit 5.33 (/usr/bin/monit -I,
// its own httpd on another loopback port, its own id and state files) and brokerwatch watch the same
// real mosquitto with the same rules, and every element path of monit's
// /_status?format=xml&level=full (platform, the process's ppid, uid, threads, children, cpu, memory,
// descriptors, I/O, the System service…) must be in brokerwatch's too. Values may differ.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { MOSQUITTO_BIN, startMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';
import type { RealMonit } from './real-monit.js';
import { startRealMonit } from './real-monit.js';
import type { XmlElement } from './xml.js';
import { child, parseXml } from './xml.js';

/** Every element path of a document; a service's path names its type (`service[3]/pid`). */
function paths(root: XmlElement): Set<string> {
  const out = new Set<string>();
  const walk = (e: XmlElement, prefix: string): void => {
    const here = `${prefix}/${e.name}${e.name === 'service' ? `[${e.attrs.type ?? '?'}]` : ''}`;
    out.add(here);
    for (const c of e.children) walk(c, here);
  };
  walk(root, '');
  return out;
}

const hasProcessData = (root: XmlElement): boolean => {
  const p = root.children.find((c) => c.name === 'service' && c.attrs.type === '3');
  return ['pid', 'ppid', 'cpu', 'memory', 'filedescriptors', 'read', 'write', 'port'].every(
    (n) => child(p, n) !== undefined,
  );
};

void describe('monit XML: the same element paths as monit 5.33 for the same rules', () => {
  let broker: RunningMosquitto;
  let f: Fixture;
  let monit: RealMonit | undefined;

  const checkBlock = (b: RunningMosquitto): string =>
    [
      `check process mosquitto with pidfile ${b.pidfile}`,
      `  start program = "${MOSQUITTO_BIN} -d -c ${b.configFile}" with timeout 10 seconds`,
      `  if failed host 127.0.0.1 port ${b.port} protocol mqtt then alert`,
    ].join('\n');

  before(async () => {
    broker = await startMosquitto({ daemonize: true });
    monit = await startRealMonit([checkBlock(broker)]);
    f = await startFixture(() => [httpdBlock(), checkBlock(broker)].join('\n'));
  });

  after(async () => {
    await monit?.stop();
    await f?.close();
    await broker?.stop();
  });

  void test('every element path of monit XML is in brokerwatch XML', async () => {
    // monit has the process data from its second cycle on; brokerwatch from its first sample.
    const theirs = await waitFor(
      async () => {
        const root = await monit?.statusXml();
        return root && hasProcessData(root) && root.children.some((c) => c.attrs.type === '5' && child(c, 'system'))
          ? root
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'monit never reported the broker' },
    );
    const ours = await waitFor(
      async () => {
        const res = await f.inject({
          url: '/_status?format=xml&level=full',
          headers: { authorization: basic(ADMIN.user, ADMIN.password) },
        });
        const root = parseXml(res.body);
        return hasProcessData(root) && root.children.some((c) => c.attrs.type === '5') ? root : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'brokerwatch never reported the broker' },
    );
    const missing = [...paths(theirs)].filter((p) => !paths(ours).has(p));
    assert.deepEqual(missing, [], 'element paths of monit XML that brokerwatch lacks');
    // The same process, seen by both.
    const pidOf = (root: XmlElement): string | undefined =>
      child(
        root.children.find((c) => c.attrs.type === '3'),
        'pid',
      )?.text;
    assert.equal(pidOf(ours), pidOf(theirs));
    assert.equal(pidOf(ours), String(broker.pid));
    const proc = ours.children.find((c) => c.attrs.type === '3');
    assert.equal(child(proc, 'ppid')?.text, '1', 'mosquitto -d detaches to init');
    assert.equal(child(proc, 'uid')?.text, String(process.getuid?.() ?? 0));
    assert.match(child(proc, 'threads')?.text ?? '', /^[1-9]\d*$/);
    assert.match(child(child(proc, 'filedescriptors'), 'open')?.text ?? '', /^[1-9]\d*$/);
    assert.match(child(child(proc, 'memory'), 'kilobyte')?.text ?? '', /^[1-9]\d*$/);
  });

  void test('JSON shows cpu and memory of a process no rule measures', async () => {
    const res = await f.inject({
      url: '/api/v1/status',
      headers: { authorization: basic(ADMIN.user, ADMIN.password) },
    });
    const s = res.json<{
      services: Array<{
        name: string;
        memoryBytes: number | null;
        memoryPercent: number | null;
        cpuPercent: number | null;
      }>;
    }>().services[0];
    assert.ok((s?.memoryBytes ?? 0) > 0, JSON.stringify(s));
    assert.ok(s?.memoryPercent !== null);
    const text = (await f.inject({ url: '/_status', headers: { authorization: basic(ADMIN.user, ADMIN.password) } }))
      .body;
    assert.match(text, /^ {2}memory {23}\d+\.\d [kM]B \[\d+\.\d%\]$/m);
    const page = (await f.inject({ url: '/', headers: { authorization: basic(ADMIN.user, ADMIN.password) } })).body;
    const row = /<tr id="svc-mosquitto".*$/m.exec(page)?.[0] ?? '';
    assert.match(row, /<td class="num" data-label="memory">\d+(\.\d)? [kM]B<\/td>/, 'the page shows the memory');
  });
});

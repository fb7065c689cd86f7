// monit's read endpoints: /_status?format=xml is well-formed and has monit's structure for process
// and host services, /_status2 is format version 2, and /_status, /_summary, /_report and /_ping
// answer as `monit status|summary|report` would.
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceDto, StatusDto } from '../../src/http/dto.js';
import { statusXml, xmlEscape } from '../../src/http/monit-xml.js';
import { formatUptime, reportText, summaryText } from '../../src/api/monit-text.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';
import { child, parseXml } from './xml.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
const text = (el: Parameters<typeof child>[0], name: string): string | undefined => child(el, name)?.text;

void describe('monit-compatible endpoints', () => {
  let f: Fixture;
  let closed: number;
  before(async () => {
    closed = await freePort();
    f = await startFixture((dir) =>
      [
        httpdBlock(),
        sleeperBlock(dir, 'sleeper', ['if cpu > 95% for 3 cycles then alert', 'if memory > 500 MB then alert']),
        'check host remote with address 127.0.0.1',
        `  if failed port ${closed} protocol mqtt with timeout 1 seconds then alert`,
      ].join('\n'),
    );
    // cpu needs two samples (the first is "init").
    await waitFor(
      async () => {
        const s = (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>();
        return (
          s.services[0]?.cpuPercent !== null && s.services[0]?.status === 'ok' && s.services[1]?.status === 'failed'
        );
      },
      { timeoutMs: 15_000, message: 'never measured' },
    );
  });
  after(() => f.close());

  void test('/_status?format=xml: monit XML, format version 1', async () => {
    const res = await f.inject({ url: '/_status?format=xml', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/xml/);
    assert.match(res.body, /^<\?xml version="1\.0" encoding="UTF-8"\?><monit><server>/);
    const root = parseXml(res.body);
    assert.equal(root.name, 'monit');
    const server = child(root, 'server');
    assert.match(text(server, 'id') ?? '', /^[0-9a-f]{32}$/);
    assert.match(text(server, 'incarnation') ?? '', /^\d+$/);
    assert.match(text(server, 'version') ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(text(server, 'poll'), '1');
    assert.equal(text(server, 'controlfile'), f.rulesFile);
    assert.equal(text(child(server, 'httpd'), 'port'), '2812');
    assert.equal(text(child(server, 'httpd'), 'address'), '127.0.0.1');
    const services = root.children.filter((c) => c.name === 'service');
    // The host comes last, as monit's System service (type 5) named by the host name.
    assert.deepEqual(
      services.map((s) => [s.attrs.type, text(s, 'name')]),
      [
        ['3', 'sleeper'],
        ['4', 'remote'],
        ['5', hostname()],
      ],
    );
    const [sleeper, remote] = services;
    const pid = f.daemon.runner('sleeper')?.identity?.pid;
    assert.equal(text(sleeper, 'pid'), String(pid));
    assert.equal(text(sleeper, 'status'), '0');
    assert.equal(text(sleeper, 'monitor'), '1');
    assert.equal(text(sleeper, 'monitormode'), '0');
    assert.equal(text(sleeper, 'pendingaction'), '0');
    assert.match(text(sleeper, 'collected_sec') ?? '', /^\d{10}$/);
    assert.match(text(sleeper, 'uptime') ?? '', /^\d+$/);
    assert.match(text(child(sleeper, 'memory'), 'kilobyte') ?? '', /^\d+$/);
    assert.match(text(child(sleeper, 'cpu'), 'percent') ?? '', /^\d+\.\d$/);
    // monit's order: type/name, collected, status…, then the process data.
    assert.deepEqual(
      sleeper?.children.slice(0, 9).map((c) => c.name),
      [
        'name',
        'collected_sec',
        'collected_usec',
        'status',
        'status_hint',
        'monitor',
        'monitormode',
        'onreboot',
        'pendingaction',
      ],
    );
    assert.equal(text(remote, 'status'), String(0x20), 'Event_Connection');
    assert.match(text(remote, 'status_message') ?? '', /refused|closed/i);
    assert.equal(child(remote, 'pid'), undefined);
    const port = child(remote, 'port');
    assert.equal(text(port, 'portnumber'), String(closed));
    assert.equal(text(port, 'protocol'), 'MQTT');
    assert.equal(text(port, 'responsetime'), '-1.000000');
  });

  void test('/_status2: format version 2', async () => {
    const res = await f.inject({ url: '/_status2', headers: auth });
    const root = parseXml(res.body);
    assert.match(root.attrs.id ?? '', /^[0-9a-f]{32}$/);
    assert.ok(root.attrs.version);
    const services = child(root, 'services')?.children ?? [];
    assert.deepEqual(
      services.map((s) => [s.attrs.name, text(s, 'type')]),
      [
        ['sleeper', '3'],
        ['remote', '4'],
        [hostname(), '5'],
      ],
    );
    assert.ok(child(root, 'servicegroups'));
  });

  void test('the XML escapes names and messages and drops characters XML cannot carry', async () => {
    const status = (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>();
    const evil = status.services[1] as ServiceDto;
    const bad: ServiceDto = {
      ...evil,
      name: 'a<b>&"c\'',
      failure: {
        rule: 'r1',
        type: 'connection',
        class: null,
        message: 'x]]>y <z> & \u0001\u0008 \ufffe ok',
        since: null,
      },
    };
    const root = parseXml(statusXml({ ...status, services: [bad] }, { startDelaySeconds: 0 }));
    const s = child(root, 'service');
    assert.equal(text(s, 'name'), 'a<b>&"c\'');
    assert.equal(text(s, 'status_message'), 'x]]>y <z> &   ok');
    assert.equal(xmlEscape('<&>"\''), '&lt;&amp;&gt;&quot;&apos;');
  });

  void test('/_status: text like `monit status`', async () => {
    const res = await f.inject({ url: '/_status', headers: auth });
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /^brokerwatch \d+\.\d+\.\d+ uptime: \d+m\n\n/);
    assert.match(res.body, /^Process 'sleeper'\n {2}status {23}OK$/m);
    assert.match(res.body, /^ {2}pid {26}\d+$/m);
    assert.match(res.body, /^ {2}cpu {26}\d+\.\d%$/m);
    assert.match(res.body, /^ {2}memory {23}\d+\.\d MB$/m);
    assert.match(res.body, /^Remote Host 'remote'\n {2}status {23}Connection failed \(port-closed\)$/m);
    assert.match(
      res.body,
      new RegExp(
        `^ {2}port response time {11}failed: 127\\.0\\.0\\.1:${closed}: connection refused \\(type TCP protocol MQTT\\)$`,
        'm',
      ),
    );
  });

  void test('/_summary, /_report, /_ping', async () => {
    const summary = (await f.inject({ url: '/_summary', headers: auth })).body;
    const lines = summary.split('\n');
    assert.match(lines[0] ?? '', /^brokerwatch .* uptime:/);
    assert.match(lines[2] ?? '', /^│ Service Name +│ Status +│ Type +│$/);
    assert.match(summary, /^│ sleeper +│ OK +│ Process +│$/m);
    assert.match(summary, /^│ remote +│ Connection failed \(port-closed\) +│ Remote Host +│$/m);
    const widths = lines.filter((l) => l.startsWith('│') || l.startsWith('┌')).map((l) => [...l].length);
    assert.equal(new Set(widths).size, 1, 'the table is aligned');
    const report = (await f.inject({ url: '/_report', headers: auth })).body;
    assert.match(report, /^up: +1 \(50\.0%\)$/m);
    assert.match(report, /^down: +1 \(50\.0%\)$/m);
    assert.match(report, /^total: +2 services$/m);
    const ping = await f.inject({ url: '/_ping', headers: auth });
    assert.equal(ping.body, 'pong');
  });

  void test('formatting helpers', () => {
    assert.equal(formatUptime(59), '0m');
    assert.equal(formatUptime(3600 + 120), '1h 2m');
    assert.equal(formatUptime(2 * 86_400 + 60), '2d 0h 1m');
    assert.equal(
      reportText([]),
      'up:            0 (0.0%)\ndown:          0 (0.0%)\ninitializing:  0 (0.0%)\nunmonitored:   0 (0.0%)\ntotal:         0 services\n',
    );
    assert.match(
      summaryText({
        daemon: {
          name: 'brokerwatch',
          version: '1.0.0',
          pid: 1,
          host: 'h',
          startedAt: 0,
          uptimeSeconds: 0,
          rulesFile: 'f',
          cycleSeconds: 1,
        },
        services: [],
      }),
      /Service Name/,
    );
  });
});

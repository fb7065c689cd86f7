// monit's `<icmp>`, `<port>` elements against a real monit 5.33's for the same `check host`: ping,
// ping6 (which fails at once for an IPv4 address, in both) and ping4 tests of 127.0.0.1, an HTTP test
// of a local server and a port test of a closed port. Both must print the same elements in the same
// order (monit: every ping test, then every port test, each list last rule first), with the same
// children, a response time in seconds for what succeeded and -1 for what failed.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PING_BIN } from '../../src/checks/ping/check.js';
import type { StatusDto } from '../../src/http/dto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';
import type { RealMonit } from './real-monit.js';
import { startRealMonit } from './real-monit.js';
import type { XmlElement } from './xml.js';
import { child, parseXml } from './xml.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
const skip = !existsSync('/usr/bin/monit')
  ? 'monit is not installed'
  : !existsSync(PING_BIN)
    ? `${PING_BIN} is not installed`
    : false;

/** The probe elements of service NAME: element, its children's names, and what it says. */
function probes(root: XmlElement, name: string): string[][] {
  const s = root.children.find((c) => c.name === 'service' && child(c, 'name')?.text === name);
  return (s?.children ?? [])
    .filter((c) => ['icmp', 'port', 'unix'].includes(c.name))
    .map((c) => {
      const rt = child(c, 'responsetime')?.text ?? '';
      const what =
        c.name === 'icmp'
          ? (child(c, 'type')?.text ?? '')
          : `${child(c, 'portnumber')?.text ?? ''} ${child(c, 'protocol')?.text ?? ''}`;
      const outcome = rt === '-1.000000' ? 'failed' : /^0\.\d{6}$/.test(rt) ? 'ok' : `bad time ${rt}`;
      return [c.name, c.children.map((x) => x.name).join(','), what, outcome];
    });
}

void describe('monit XML: <icmp> and <port> as monit 5.33 prints them', { skip }, () => {
  let web: Server;
  let f: Fixture | undefined;
  let monit: RealMonit | undefined;
  let webPort: number;
  let closed: number;

  const hostBlock = (): string =>
    [
      'check host lo with address 127.0.0.1',
      '  if failed ping then alert',
      '  if failed ping6 count 1 with timeout 1 seconds then alert',
      '  if failed ping4 count 2 then alert',
      `  if failed port ${webPort} protocol http request "/" then alert`,
      `  if failed port ${closed} with timeout 1 seconds then alert`,
    ].join('\n');

  before(async () => {
    web = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const a = web.address();
    webPort = typeof a === 'object' && a ? a.port : 0;
    closed = await freePort();
    monit = await startRealMonit([hostBlock()]);
    f = await startFixture(() => [httpdBlock(), hostBlock()].join('\n'));
  });

  after(async () => {
    await monit?.stop();
    await f?.close();
    await new Promise((resolve) => web?.close(resolve));
  });

  void test('the same elements, children, order and outcomes', async () => {
    const theirs = await waitFor(
      async () => {
        const root = await monit?.statusXml();
        return root && probes(root, 'lo').length === 5 ? root : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'monit never reported the host' },
    );
    await waitFor(
      async () => {
        const s = (await f?.inject({ url: '/api/v1/status', headers: auth }))?.json<StatusDto>();
        // Every rule ran (ping6 of an IPv4 address fails at once, as in monit).
        const checks = s?.services[0]?.checks;
        return (
          checks?.every((c) => c.metrics.totalMs !== undefined) &&
          checks.filter((c) => c.status === 'failed').length === 2
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'brokerwatch never checked the host' },
    );
    const ours = parseXml((await f?.inject({ url: '/_status?format=xml', headers: auth }))?.body ?? '');
    const expected = [
      ['icmp', 'type,responsetime', 'Ping', 'ok'],
      ['icmp', 'type,responsetime', 'Ping', 'failed'],
      ['icmp', 'type,responsetime', 'Ping', 'ok'],
      ['port', 'hostname,portnumber,request,protocol,type,responsetime', `${closed} DEFAULT`, 'failed'],
      ['port', 'hostname,portnumber,request,protocol,type,responsetime', `${webPort} HTTP`, 'ok'],
    ];
    assert.deepEqual(probes(theirs, 'lo'), expected, 'monit 5.33 itself');
    assert.deepEqual(probes(ours, 'lo'), expected);
  });
});

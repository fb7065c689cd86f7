// Filesystem and network services in a running daemon on a fake clock: the status outputs show their
// readings (JSON facts, monit's XML as Filesystem type 0 and Net type 8, monit's text, Prometheus).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusDto } from '../../src/http/dto.js';
import { FakeClock } from '../helpers/fake-clock.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';
import { child, parseXml } from './xml.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };

void describe('filesystem and network services in the status', () => {
  let f: Fixture;
  const clock = new FakeClock();

  before(async () => {
    f = await startFixture(
      (dir) =>
        [
          httpdBlock(),
          `check filesystem data with path ${dir}`,
          '  if space usage > 100% then alert',
          '  if space usage >= 0% for 2 cycles then alert',
          'check network loop with interface lo',
          '  if link down then alert',
        ].join('\n'),
      {},
      clock,
    );
    const quiet = (): boolean => f.daemon.runners().every((r) => !r.busy);
    const status = (): string | undefined => f.daemon.runner('data')?.status().state.status;
    // Two cycles of each: the second gives rates, and fails the 2-cycle rule.
    const rated = (): boolean =>
      typeof f.daemon.runner('loop')?.status().facts?.['downloadBytesPerSecond'] === 'number';
    await clock.runUntil(() => status() === 'failed' && rated(), { quiet, message: 'never two cycles of each' });
  });
  after(() => f?.close());

  void test('JSON facts', async () => {
    const s = (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>();
    const data = s.services.find((x) => x.name === 'data');
    const loop = s.services.find((x) => x.name === 'loop');
    assert.equal(data?.failure?.type, 'resource');
    assert.equal(typeof data?.facts?.['spaceUsedPercent'], 'number');
    assert.equal(typeof data?.facts?.['mountPoint'], 'string');
    assert.equal(loop?.status, 'ok');
    assert.equal(loop?.facts?.['linkUp'], 1);
    assert.equal(typeof loop?.facts?.['downloadBytesPerSecond'], 'number');
  });

  void test("monit's XML: Filesystem (type 0) with block and inode, Net (type 8) with link", async () => {
    const root = parseXml((await f.inject({ url: '/_status?format=xml', headers: auth })).body);
    const fs = root.children.find((c) => c.name === 'service' && c.attrs['type'] === '0');
    assert.equal(child(fs, 'name')?.text, 'data');
    assert.ok(Number(child(child(fs, 'block'), 'percent')?.text) >= 0);
    assert.ok(Number(child(child(fs, 'block'), 'total')?.text) > 0);
    assert.match(child(fs, 'fsflags')?.text ?? '', /^r[wo]/);
    // monit's order after the head (and the status message of a failed service).
    const names = fs?.children.map((c) => c.name) ?? [];
    const at = names.indexOf('fstype');
    assert.deepEqual(names.slice(at, at + 7), ['fstype', 'fsflags', 'mode', 'uid', 'gid', 'block', 'inode']);
    const net = root.children.find((c) => c.name === 'service' && c.attrs['type'] === '8');
    assert.equal(child(net, 'name')?.text, 'loop');
    const link = child(net, 'link');
    assert.equal(child(link, 'state')?.text, '1');
    assert.ok(Number(child(child(child(link, 'download'), 'bytes'), 'total')?.text) > 0);
  });

  void test("monit's text status and Prometheus gauges", async () => {
    const text = (await f.inject({ url: '/_status', headers: auth })).body;
    assert.match(text, /^Filesystem 'data'$/m);
    assert.match(text, /^ {2}space total {18}[\d.]+ [kMGT]?B \(of which [\d.]+% is reserved for root user\)$/m);
    assert.match(text, /^Network 'loop'$/m);
    assert.match(text, /^ {2}link {25}UP/m);
    const metrics = (await f.inject({ url: '/metrics', headers: auth })).body;
    assert.match(metrics, /^brokerwatch_filesystem_space_used_percent\{service="data"\} [\d.]+$/m);
    assert.match(metrics, /^brokerwatch_network_link_up\{service="loop"\} 1$/m);
    assert.match(metrics, /^brokerwatch_network_bytes_per_second\{service="loop",direction="download"\} [\d.e+]+$/m);
  });
});

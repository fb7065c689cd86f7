// An HTTP probe's result as the daemon shows it: the step timings in the JSON status (service probe
// and check metrics), the Prometheus step histograms, monit's XML port response time, and the
// basic-auth password masked in every output, through the one path MQTT probe timings take.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusDto } from '../../src/api/contract.js';
import { waitFor } from '../helpers/wait.js';
import { ADMIN, basic, httpdBlock, startFixture } from '../http/fixture.js';
import type { Fixture } from '../http/fixture.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
const PASSWORD = 'Web-Pr0be-pw-5x7';
let server: Server;
let f: Fixture;
let port = 0;

before(async () => {
  server = createServer((_req, res) => res.end('up'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  f = await startFixture(() =>
    [
      httpdBlock(),
      'check host web with address 127.0.0.1',
      `  if failed port ${port} protocol http username "probe" password "${PASSWORD}" content = "up" then alert`,
    ].join('\n'),
  );
});
after(async () => {
  await f.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

void test(
  'HTTP step timings in the status, the metrics and the XML; the password nowhere',
  { timeout: 30_000 },
  async () => {
    // The metrics, and their histograms, begin at the first scrape.
    await f.inject({ url: '/metrics', headers: auth });
    const status = await waitFor(
      async () => {
        const s = JSON.parse((await f.inject({ url: '/api/v1/status', headers: auth })).body) as StatusDto;
        const web = s.services.find((x) => x.name === 'web');
        return web?.probe.firstByteMs !== undefined ? s : undefined;
      },
      { timeoutMs: 15_000, message: 'no HTTP probe timings in the status' },
    );
    const web = status.services.find((x) => x.name === 'web');
    for (const k of ['connectMs', 'requestMs', 'firstByteMs', 'bodyMs', 'totalMs'])
      assert.equal(typeof web?.probe[k], 'number', `${k} in ${JSON.stringify(web?.probe)}`);
    const check = web?.checks.find((c) => c.test === 'port');
    assert.equal(check?.status, 'ok', check?.message);
    assert.equal(check?.protocol, 'http');
    const steps = ['connect', 'request', 'first_byte', 'body'];
    const counted = (text: string, step: string): boolean =>
      new RegExp(`brokerwatch_probe_step_seconds_count\\{[^}]*step="${step}"[^}]*\\} [1-9]`).test(text);
    const metrics = await waitFor(
      async () => {
        const text = (await f.inject({ url: '/metrics', headers: auth })).body;
        return steps.every((step) => counted(text, step)) ? text : undefined;
      },
      { timeoutMs: 15_000, message: 'no HTTP probe step in the metrics' },
    );
    const xml = (await f.inject({ url: '/_status?format=xml', headers: auth })).body;
    assert.match(
      xml,
      new RegExp(`<portnumber>${port}</portnumber>.*<protocol>HTTP</protocol>.*<responsetime>0\\.\\d+</responsetime>`),
    );
    const everything = [JSON.stringify(status), metrics, xml].join('\n');
    assert.ok(!everything.includes(PASSWORD), 'the probe password leaked');
  },
);

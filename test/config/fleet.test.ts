// `set fleet URL …`: what it reads, its defaults, how it prints back (`-t -v` masks the password),
// the HTTP scrubber knowing its password, and the mistakes it refuses at their place.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { collectSecrets, Scrubber } from '../../src/http/secrets.js';

const SERVICE = 'check program tick with path "/bin/true"\n  if status != 0 then alert\n';

async function parse(line: string): Promise<Awaited<ReturnType<typeof parseRules>>> {
  try {
    return await parseRules(`${line}\n${SERVICE}`, 'fleet.rc');
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.diagnostics.map(formatDiagnostic).join('\n'));
    throw e;
  }
}

void describe('set fleet', () => {
  void test('defaults: port 1883, prefix brokerwatch, 10 s timeout, 30 s keepalive, the host name as name', async () => {
    const { config } = await parse('set fleet mqtt://fleet.example.com');
    assert.deepEqual(config.fleet, {
      host: 'fleet.example.com',
      port: 1883,
      prefix: 'brokerwatch',
      timeoutMs: 10_000,
      keepaliveMs: 30_000,
    });
  });

  void test('every option, TLS included, and the printout reads back the same', async () => {
    const { config } = await parse(
      'set fleet "mqtts://[::1]:8884" username bw password "fleet-s3cret" name "edge-7" prefix "site/a/brokerwatch"' +
        ' with timeout 3 seconds keepalive 5 seconds cafile /etc/ssl/ca.pem certfile /etc/bw.crt keyfile /etc/bw.key' +
        ' servername fleet.example.com verify disable',
    );
    assert.deepEqual(config.fleet, {
      host: '::1',
      port: 8884,
      tls: {
        enabled: true,
        verify: false,
        caFile: '/etc/ssl/ca.pem',
        certFile: '/etc/bw.crt',
        keyFile: '/etc/bw.key',
        serverName: 'fleet.example.com',
      },
      username: 'bw',
      password: 'fleet-s3cret',
      name: 'edge-7',
      prefix: 'site/a/brokerwatch',
      timeoutMs: 3_000,
      keepaliveMs: 5_000,
    });
    const printed = printConfig(config);
    assert.match(printed, /^set fleet "mqtts:\/\/\[::1\]:8884" username bw password fleet-s3cret name "edge-7"/m);
    const back = await parseRules(printed, 'printed.rc');
    assert.deepEqual(back.config.fleet, config.fleet);
  });

  void test('-t -v masks the password, and the HTTP scrubber knows it', async () => {
    const { config } = await parse('set fleet mqtt://127.0.0.1:1883 username bw password fleet-s3cret');
    const masked = printConfig(config, { maskSecrets: true });
    assert.match(masked, /set fleet "mqtt:\/\/127\.0\.0\.1:1883" username bw password \*{8} /);
    assert.doesNotMatch(masked, /fleet-s3cret/);
    const scrubber = new Scrubber(collectSecrets(config));
    assert.equal(scrubber.scrub('login fleet-s3cret refused'), 'login ******** refused');
  });

  for (const [what, line, message] of [
    [
      'another scheme',
      'set fleet http://x',
      /expected mqtt:\/\/HOST\[:PORT\] or mqtts:\/\/HOST\[:PORT\] after 'set fleet'/,
    ],
    ['a password in the URL', 'set fleet mqtt://u:p@x', /username U password P/],
    ['a topic in the URL', 'set fleet mqtt://x/some/topic', /use 'prefix/],
    ['a wildcard prefix', 'set fleet mqtt://x prefix "a/#"', /the fleet prefix "a\/#" is not usable/],
    [
      'a name with a slash',
      'set fleet mqtt://x name "a/b"',
      /the fleet name "a\/b" is not usable in a topic: one level/,
    ],
    [
      'TLS options on mqtt://',
      'set fleet mqtt://x cafile /ca.pem',
      /'cafile' is a TLS option: the fleet URL must be mqtts:\/\//,
    ],
    ['a keepalive in milliseconds', 'set fleet mqtt://x keepalive 1500 ms', /whole seconds/],
    ['a password without user', 'set fleet mqtt://x password p', /has a password but no 'username'/],
  ] as const) {
    void test(`refuses ${what}, at its line`, async () => {
      await assert.rejects(parseRules(`${line}\n${SERVICE}`, 'bad.rc'), (e) => {
        assert.ok(e instanceof ConfigError);
        const text = e.diagnostics.map(formatDiagnostic).join('\n');
        assert.match(text, /^bad\.rc:1:/);
        assert.match(text, message);
        return true;
      });
    });
  }
});

// The `set` statements read into the model: `set httpd` with each form of `allow` and its monit-only
// options, `set mailserver` lists with their TLS and timeouts, and the global SSL options they
// inherit. Each case gives a rules text and asserts the model and the warnings, as `FILE:LINE:COL`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import { DEFAULT_REBOOT_PROGRAM } from '../../src/config/model.js';
import { printConfig } from '../../src/config/printer.js';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 's.rc');
}

function warnings(r: LoadResult): string[] {
  return r.warnings.map(formatDiagnostic);
}

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  assert.fail('the rules loaded, but errors were expected');
}

void describe('set httpd', () => {
  void test('defaults: port 2812 on 127.0.0.1, no allow, no TLS', async () => {
    const r = await parse('set httpd\n');
    assert.deepEqual(r.config.httpd, { port: 2812, address: '127.0.0.1', allow: [] });
    assert.deepEqual(warnings(r), []);
  });

  void test("'address localhost' and 'bind' name the address to listen on", async () => {
    assert.equal((await parse('set httpd port 8080 address localhost\n')).config.httpd?.address, '127.0.0.1');
    assert.equal((await parse('set httpd port 8080 bind 0.0.0.0\n')).config.httpd?.address, '0.0.0.0');
  });

  void test('allow: users, hosts and networks, each read-only or not', async () => {
    const r = await parse(
      [
        'set httpd port 2812 address 0.0.0.0',
        '  allow admin:secret',
        '  allow guest:"two words" read-only',
        '  allow 10.0.0.0/8',
        '  allow 192.168.1.7 readonly',
        '  allow ::1',
        '  allow monitor.example.com',
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.config.httpd?.allow, [
      { kind: 'user', user: 'admin', password: 'secret', readOnly: false },
      { kind: 'user', user: 'guest', password: 'two words', readOnly: true },
      { kind: 'net', cidr: '10.0.0.0/8', readOnly: false },
      { kind: 'net', cidr: '192.168.1.7', readOnly: true },
      { kind: 'net', cidr: '::1', readOnly: false },
      { kind: 'net', cidr: 'monitor.example.com', readOnly: false },
    ]);
    assert.deepEqual(warnings(r), []);
  });

  void test("'port N read-only' makes every allow read-only", async () => {
    const r = await parse('set httpd port 2812 read-only allow admin:secret allow 10.0.0.0/8\n');
    assert.deepEqual(
      r.config.httpd?.allow.map((a) => a.readOnly),
      [true, true],
    );
  });

  void test('system groups are warned about and give no allow entry (htpasswd files: htpasswd.test.ts)', async () => {
    const r = await parse(['set httpd port 2812', '  allow @wheel readonly', '  allow admin:secret', ''].join('\n'));
    assert.deepEqual(r.config.httpd?.allow, [{ kind: 'user', user: 'admin', password: 'secret', readOnly: false }]);
    assert.deepEqual(warnings(r), [
      "s.rc:2:9: warning: 'allow @wheel' (system groups) is not supported by brokerwatch; write 'allow USER:PASSWORD'",
    ]);
  });

  void test('an allow that is neither a user, a host nor a network is an error', async () => {
    assert.deepEqual(await errorsOf('set httpd port 2812 allow :secret\n'), [
      "s.rc:1:27: expected USER:PASSWORD, a host or a network after allow, found ':secret'",
    ]);
    assert.deepEqual(await errorsOf('set httpd port 2812 allow admin:\n'), [
      "s.rc:1:27: the password for user 'admin' is empty",
    ]);
  });

  void test('unixsocket is read with its options; signature and client certificates are warned about', async () => {
    const r = await parse(
      [
        'set httpd unixsocket /run/monit.sock uid 0 gid 0 permission 0660 read-only',
        '  signature disable',
        '  allowselfcertification',
        '  port 2900',
        '  clientpemfile /etc/ssl/client.pem',
        '  allow admin:pw',
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.config.httpd, {
      port: 2900,
      address: '127.0.0.1',
      allow: [{ kind: 'user', user: 'admin', password: 'pw', readOnly: false }],
      unixSocket: { path: '/run/monit.sock', uid: '0', gid: '0', permission: 0o660, readOnly: true },
    });
    assert.deepEqual(warnings(r), [
      "s.rc:2:3: warning: 'signature' in set httpd is not used by brokerwatch; ignored",
      "s.rc:3:3: warning: 'allowselfcertification' in set httpd is not used by brokerwatch; ignored",
      "s.rc:5:3: warning: 'clientpemfile' in set httpd is not used by brokerwatch; ignored",
    ]);
  });

  void test('TLS: certificate files, a block of SSL options, and disable', async () => {
    assert.deepEqual((await parse('set httpd port 2812 ssl enable pemfile /etc/ssl/w.pem\n')).config.httpd?.tls, {
      pemFile: '/etc/ssl/w.pem',
    });
    assert.deepEqual((await parse('set httpd port 2812 certfile /c.pem keyfile /k.pem\n')).config.httpd?.tls, {
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    const block = await parse('set httpd port 2812 ssl { pemchain: /c.pem, pemkey: /k.pem, ciphers: HIGH }\n');
    assert.deepEqual(block.config.httpd?.tls, { certFile: '/c.pem', keyFile: '/k.pem' });
    assert.deepEqual(warnings(block), [
      "s.rc:1:61: warning: 'ciphers' in set httpd's SSL options is not used by brokerwatch; ignored",
    ]);
    assert.equal((await parse('set httpd port 2812 ssl disable\n')).config.httpd?.tls, undefined);
  });

  void test("'set ssl { pemfile }' serves the web interface only when httpd names no certificate", async () => {
    const global = 'set ssl { pemfile: /global.pem }\n';
    assert.deepEqual((await parse(global + 'set httpd port 2812 ssl\n')).config.httpd?.tls, {
      pemFile: '/global.pem',
    });
    assert.deepEqual((await parse(global + 'set httpd port 2812 ssl pemfile /own.pem\n')).config.httpd?.tls, {
      pemFile: '/own.pem',
    });
    assert.equal((await parse(global + 'set httpd port 2812\n')).config.httpd?.tls, undefined);
    const chain = 'set ssl { pemchain: /g.crt, pemkey: /g.key }\n';
    assert.deepEqual((await parse(chain + 'set httpd port 2812 ssl\n')).config.httpd?.tls, {
      certFile: '/g.crt',
      keyFile: '/g.key',
    });
  });
});

void describe('set httpd: who can reach it', () => {
  void test("without 'address', an allow of other hosts or networks is warned about: they cannot connect", async () => {
    const r = await parse(
      'set httpd port 2812\n  allow 10.0.0.0/8\n  allow localhost\n  allow 127.0.0.0/8\n  allow ::1\n' +
        '  allow monitor.example.com read-only\n  allow admin:pw\n',
    );
    assert.equal(r.config.httpd?.address, '127.0.0.1');
    const why =
      "cannot reach the web interface: without 'address' brokerwatch listens on 127.0.0.1 only (monit on every interface); add 'address 0.0.0.0' or this machine's address";
    assert.deepEqual(warnings(r), [
      `s.rc:2:9: warning: 'allow 10.0.0.0/8' ${why}`,
      `s.rc:6:9: warning: 'allow monitor.example.com' ${why}`,
    ]);
  });

  void test("with 'address', the same allows are not warned about", async () => {
    const r = await parse('set httpd port 2812 address 0.0.0.0\n  allow 10.0.0.0/8\n  allow monitor.example.com\n');
    assert.deepEqual(warnings(r), []);
  });
});

void describe('set mailserver: hostname', () => {
  void test("'using hostname NAME' is the name given in EHLO", async () => {
    const r = await parse('set mailserver smtp.example.com port 587 using hostname client.example.com\n');
    assert.deepEqual(r.config.mailServers, [{ host: 'smtp.example.com', port: 587, heloName: 'client.example.com' }]);
  });
});

void describe('set httpd: the other spellings monit accepts', () => {
  void test("'readonly', 'tls', 'disabled' (htpasswd files of every hash: htpasswd.test.ts)", async () => {
    const r = await parse(['set httpd port 2812 readonly tls disabled', '  allow ops:pw', ''].join('\n'));
    assert.deepEqual(r.config.httpd, {
      port: 2812,
      address: '127.0.0.1',
      allow: [{ kind: 'user', user: 'ops', password: 'pw', readOnly: true }],
    });
    assert.deepEqual(warnings(r), []);
    // monit has no sha1 htpasswd form: it refuses the file, and so does brokerwatch.
    assert.deepEqual(await errorsOf('set httpd port 2812 allow sha1 /etc/b\n'), [
      "s.rc:1:27: 'allow sha1 FILE' is not one of monit's htpasswd forms: write 'allow md5|crypt|cleartext FILE'",
    ]);
    assert.deepEqual((await parse('set httpd port 2812 tls { pemfile: /w.pem }\n')).config.httpd?.tls, {
      pemFile: '/w.pem',
    });
  });

  void test('a network is an address or name with an optional mask; other text is not', async () => {
    const allow = async (what: string): Promise<unknown> =>
      (await parse(`set httpd allow ${what}\n`)).config.httpd?.allow;
    assert.deepEqual(await allow('10.0.0.0/255.0.0.0'), [{ kind: 'net', cidr: '10.0.0.0/255.0.0.0', readOnly: false }]);
    assert.deepEqual(await allow('fd00::/8'), [{ kind: 'net', cidr: 'fd00::/8', readOnly: false }]);
    for (const bad of ['my_host', 'host/x', 'a.b/24x'])
      assert.deepEqual(await errorsOf(`set httpd allow ${bad}\n`), [
        `s.rc:1:17: expected USER:PASSWORD, a host or a network after allow, found '${bad}'`,
      ]);
  });

  void test('a quoted password belongs to the user only when glued to its colon', async () => {
    assert.deepEqual(await errorsOf('set httpd allow admin: "pw"\n'), [
      "s.rc:1:17: the password for user 'admin' is empty",
    ]);
    assert.deepEqual(await errorsOf('set httpd allow admin "pw"\n'), [
      `s.rc:1:23: expected 'set', 'check' or 'include', found "pw"`,
    ]);
  });

  void test("an ignored option's value is skipped, but not the next option or statement", async () => {
    for (const next of ['allow a:b', 'port 2900', 'address 0.0.0.0', 'ssl'])
      assert.deepEqual(
        (await parse(`set httpd signature ${next}\n`)).warnings.length,
        1,
        `'signature ${next}' reads '${next}' as the next option`,
      );
    assert.deepEqual((await parse('set httpd signature allow a:b\n')).config.httpd?.allow, [
      { kind: 'user', user: 'a', password: 'b', readOnly: false },
    ]);
    assert.equal((await parse('set httpd signature address 0.0.0.0\n')).config.httpd?.address, '0.0.0.0');
    assert.deepEqual((await parse('set httpd signature\nset daemon 5\n')).config.daemon, {
      cycleMs: 5_000,
      startDelayMs: 0,
    });
    assert.equal((await parse('set httpd signature')).config.httpd?.port, 2812);
  });

  void test("a certificate of httpd's own, even only a cert or key file, is not replaced by 'set ssl'", async () => {
    const global = 'set ssl { pemfile: /global.pem }\n';
    assert.deepEqual((await parse(global + 'set httpd ssl certfile /own.crt\n')).config.httpd?.tls, {
      certFile: '/own.crt',
    });
    assert.deepEqual((await parse(global + 'set httpd ssl keyfile /own.key\n')).config.httpd?.tls, {
      keyFile: '/own.key',
    });
  });
});

void describe('set ssl', () => {
  void test("'set tls' is the same; clientpemfile is warned about", async () => {
    const r = await parse('set tls { clientpemfile: /c.pem, cafile: /ca.pem }\nset mailserver m using starttls\n');
    assert.deepEqual(r.config.mailServers, [{ host: 'm', security: 'starttls', tls: { caFile: '/ca.pem' } }]);
    assert.deepEqual(warnings(r), [
      "s.rc:1:5: warning: 'clientpemfile' in 'set ssl' is not used by brokerwatch; ignored",
    ]);
  });

  void test("'set ssl' needs its block; an error inside it is reported once", async () => {
    assert.deepEqual(await errorsOf('set alert a@b.c\nset ssl\nset mailserver m using starttls\n'), [
      "s.rc:3:1: expected '{' and SSL options after 'set ssl', found 'set'",
    ]);
    assert.deepEqual(await errorsOf('set ssl { verify: maybe }\nset mailserver m using starttls\n'), [
      "s.rc:1:19: expected 'enable' or 'disable' after 'verify:', found 'maybe'",
    ]);
  });
});

void describe('a missing value names what was expected', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['set log syslog facility\n', 's.rc:1:24: expected a syslog facility, found end of file'],
    ['set pidfile\n', 's.rc:1:12: expected a pidfile path, found end of file'],
    ['set statefile\n', 's.rc:1:14: expected a state file path, found end of file'],
    ['set mailserver\n', 's.rc:1:15: expected a mail server host, found end of file'],
    ['set mailserver m username\n', 's.rc:1:26: expected a user name, found end of file'],
    ['set mailserver m certificate md5\n', "s.rc:1:30: expected 'checksum' after 'certificate', found 'md5'"],
    ['set mailserver m certificate checksum\n', 's.rc:1:38: expected a certificate checksum, found end of file'],
    ['set mailserver m timeout\n', 's.rc:1:25: expected a duration for timeout, found end of file'],
    ['set mailserver m hostname\n', 's.rc:1:26: expected a host name, found end of file'],
    ['set mail-format x\n', "s.rc:1:17: expected '{' after mail-format, found 'x'"],
    ['set httpd address\n', 's.rc:1:18: expected an address, found end of file'],
    ['set httpd certfile\n', 's.rc:1:19: expected a certificate file, found end of file'],
    ['set httpd keyfile\n', 's.rc:1:18: expected a key file, found end of file'],
    ['set httpd unixsocket\n', 's.rc:1:21: expected a socket path after unixsocket, found end of file'],
    ['set httpd unixsocket /s uid\n', "s.rc:1:28: expected a user name or number after 'uid', found end of file"],
    [
      'set httpd allow\n',
      's.rc:1:16: expected a user:password, host, network or htpasswd file after allow, found end of file',
    ],
    ['set httpd allow md5\n', "s.rc:1:20: expected an htpasswd file after 'allow md5', found end of file"],
  ];
  for (const [text, error] of cases)
    void test(text.trim(), async () => {
      assert.deepEqual(await errorsOf(text), [error]);
    });
});

void describe('set mailserver', () => {
  void test('a server on the next line may be quoted; a TLS block with nothing for mail gives no TLS options', async () => {
    const r = await parse(
      'set mailserver a,\n  "b.example.com" port 25\nset mailserver c port 465 using ssl { ciphers: HIGH }\n',
    );
    assert.deepEqual(r.config.mailServers, [
      { host: 'a' },
      { host: 'b.example.com', port: 25 },
      { host: 'c', port: 465, security: 'tls' },
    ]);
  });

  void test('a list of servers; a timeout given once applies to those without their own', async () => {
    const r = await parse(
      [
        'set mailserver smtp.example.com port 587 username "u@example.com" password "p w" using tls,',
        '  backup.example.com timeout 15 seconds,',
        '  localhost',
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.config.mailServers, [
      {
        host: 'smtp.example.com',
        port: 587,
        username: 'u@example.com',
        password: 'p w',
        security: 'starttls',
        timeoutMs: 15_000,
      },
      { host: 'backup.example.com', timeoutMs: 15_000 },
      { host: 'localhost', timeoutMs: 15_000 },
    ]);
    assert.deepEqual(warnings(r), []);
  });

  void test('TLS by port: implicit on 465, STARTTLS on 25 and 587, and a warning on other ports', async () => {
    const security = async (line: string): Promise<string | undefined> =>
      (await parse(`set mailserver m ${line}\n`)).config.mailServers[0]?.security;
    assert.equal(await security('port 465 using ssl'), 'tls');
    assert.equal(await security('port 25 using tls'), 'starttls');
    assert.equal(await security('using tls'), 'starttls');
    assert.equal(await security('port 2525 using implicit tls'), 'tls');
    assert.equal(await security('port 465 using starttls'), 'starttls');
    assert.equal(await security('port 25'), undefined);
    const other = await parse('set mailserver m port 2525 using ssl\n');
    assert.equal(other.config.mailServers[0]?.security, 'starttls');
    assert.deepEqual(warnings(other), [
      "s.rc:1:34: warning: 'using ssl' on port 2525 means STARTTLS (required) in brokerwatch, where monit speaks TLS from the first byte on ports other than 25 and 587; write 'using starttls' to say so, or 'using implicit tls' if this server expects that",
    ]);
  });

  void test('a TLS version word means TLS; the SSL options block sets verification and CA files', async () => {
    const r = await parse('set mailserver m port 465 using tlsv12 { verify: enable, cafile: /ca.pem }\n');
    assert.deepEqual(r.config.mailServers, [
      { host: 'm', port: 465, security: 'tls', tls: { verify: true, caFile: '/ca.pem' } },
    ]);
  });

  void test("'set ssl' options apply to TLS servers under their own, not to plain ones", async () => {
    const r = await parse(
      'set ssl { verify: enable, cafile: /global-ca.pem }\n' +
        'set mailserver a port 465 using ssl { cafile: /own-ca.pem }, b port 25\n',
    );
    assert.deepEqual(r.config.mailServers, [
      { host: 'a', port: 465, security: 'tls', tls: { verify: true, caFile: '/own-ca.pem' } },
      { host: 'b', port: 25 },
    ]);
  });

  void test('hostname and certificate pinning are read; pinning is warned about', async () => {
    const r = await parse(
      'set mailserver m port 465 using ssl hostname relay.example.com certificate checksum sha256 = ab12\n',
    );
    assert.deepEqual(r.config.mailServers, [{ host: 'm', port: 465, security: 'tls', heloName: 'relay.example.com' }]);
    assert.deepEqual(warnings(r), [
      "s.rc:1:64: warning: 'certificate' (certificate pinning) is not used by brokerwatch; ignored",
    ]);
  });
});

void describe('set alert', () => {
  void test('a target, then an event filter, a reminder and mail-format in any order', async () => {
    const r = await parse(
      'set alert ops@example.com reminder 5 cycles { nonexist timeout } mail-format { subject: down }\n' +
        'set alert dev@example.com not on { instance, action }\n' +
        'set alert "qa@example.com" reminder 0\n',
    );
    assert.deepEqual(
      r.config.alerts.map((a) => [a.target, a.filter, a.reminderCycles, a.pos.line, a.pos.col]),
      [
        [
          { kind: 'mail', address: 'ops@example.com', format: { subject: 'down' } },
          { mode: 'only', events: ['nonexist', 'timeout'] },
          5,
          1,
          11,
        ],
        [{ kind: 'mail', address: 'dev@example.com' }, { mode: 'except', events: ['instance', 'action'] }, 0, 2, 11],
        [{ kind: 'mail', address: 'qa@example.com' }, { mode: 'all', events: [] }, 0, 3, 11],
      ],
    );
  });

  void test('a target no channel reads names every form there is', async () => {
    assert.deepEqual(await errorsOf('set alert pager 5\n'), [
      `s.rc:1:11: expected a mail address, or webhook "URL", mqtt "mqtt://HOST:PORT/TOPIC", exec "CMD" or alertmanager "URL", found 'pager'`,
    ]);
  });

  void test('mail-format under another channel is an error; an event list needs its braces', async () => {
    assert.deepEqual(await errorsOf('set alert exec "/bin/n" mail-format { subject: x }\n'), [
      's.rc:1:25: mail-format applies to mail recipients only',
    ]);
    assert.deepEqual(await errorsOf('set alert ops@example.com not nonexist\n'), [
      "s.rc:1:31: expected '{' and a list of events, found 'nonexist'",
    ]);
    assert.deepEqual(await errorsOf('set alert ops@example.com { "nonexist" }\n'), [
      's.rc:1:29: unknown event "nonexist": expected one of ' +
        'action, checksum, connection, content, data, exec, gid, icmp, instance, invalid, link, nonexist, exist, permission, pid, ppid, resource, size, status, timeout, timestamp, uid, uptime, fsflags, heartbeat, saturation, speed, bytein, byteout, packetin, packetout',
    ]);
  });
});

void describe('other settings', () => {
  void test('set idfile and set limits: read, the limits brokerwatch has no use for warned about', async () => {
    const r = await parse(
      'set idfile /var/monit/id\nset limits { programOutput: 1 kB, sendExpectBuffer: 256 B }\nset daemon 30\n',
    );
    assert.equal(r.config.daemon.cycleMs, 30_000);
    assert.equal(r.config.idfile, '/var/monit/id');
    assert.deepEqual(r.config.limits, { programOutputBytes: 1024 });
    assert.deepEqual(warnings(r), [
      "s.rc:2:35: warning: 'sendExpectBuffer' in set limits is not used by brokerwatch; ignored",
    ]);
  });

  void test("set limits: every key of monit's, in each spelling; its deadlines go to the programs that name none", async () => {
    const r = await parse(
      [
        'set limits {',
        '  programOutput: 2 kB, sendExpectBuffer: 256 B',
        '  fileContentBuffer : 1024 B',
        '  httpContentBuffer: 1 MB',
        '  networkTimeout: 5 s',
        '  programTimeout: 300 seconds',
        '  stopTimeout: 10 s startTimeout: 20 s',
        '  restartTimeout: 1 minute',
        '}',
        'check process p with pidfile /p',
        '  start program = "/s"',
        '  stop program = "/t" with timeout 3 s',
        '  restart program = "/r"',
        'check program q with path "/q"',
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.config.limits, {
      programOutputBytes: 2048,
      fileContentBytes: 1024,
      programTimeoutMs: 300_000,
      stopTimeoutMs: 10_000,
      startTimeoutMs: 20_000,
      restartTimeoutMs: 60_000,
    });
    const [p, q] = r.config.services;
    assert.deepEqual(
      [p?.start?.timeoutMs, p?.stop?.timeoutMs, p?.restart?.timeoutMs, q?.program?.timeoutMs],
      [20_000, 3_000, 60_000, 300_000],
    );
    assert.deepEqual(
      warnings(r).map((w) => w.replace(/ in set limits is not used by brokerwatch; ignored$/, '')),
      [
        "s.rc:2:24: warning: 'sendExpectBuffer'",
        "s.rc:4:3: warning: 'httpContentBuffer'",
        "s.rc:5:3: warning: 'networkTimeout'",
      ],
    );
  });

  void test('set limits: an unknown key, a value out of range, a missing brace are errors at their place', async () => {
    assert.deepEqual(await errorsOf('set limits { execTimeout: 1 s }\n'), [
      "s.rc:1:14: unknown limit 'execTimeout': expected programOutput, fileContentBuffer, programTimeout, startTimeout, stopTimeout, restartTimeout, sendExpectBuffer, httpContentBuffer, networkTimeout",
    ]);
    assert.deepEqual(await errorsOf('set limits { fileContentBuffer: 2 MB }\n'), [
      's.rc:1:33: fileContentBuffer of 2097152 B is out of range (2 B to 1 MB)',
    ]);
    assert.deepEqual(await errorsOf('set limits programOutput: 1 kB\n'), [
      "s.rc:1:12: expected '{' after 'set limits', found 'programOutput:'",
    ]);
  });

  void test("set reboot program: what a reboot action runs, else the system's own /sbin/reboot", async () => {
    const set = await parse('set reboot program = "/usr/sbin/shutdown -r now"\n');
    assert.deepEqual(set.config.rebootProgram, { argv: ['/usr/sbin/shutdown', '-r', 'now'] });
    assert.equal((await parse('set daemon 30\n')).config.rebootProgram, undefined);
    assert.deepEqual(DEFAULT_REBOOT_PROGRAM, { argv: ['/sbin/reboot'] });
  });

  void test('every monit setting brokerwatch has no use for loads with a warning', async () => {
    const words = ['onreboot', 'expectbuffer', 'fips', 'init', 'terminal', 'heartbeat', 'hostname'];
    const r = await parse(words.map((w) => `set ${w} x\n`).join('') + 'check file f with path /f\n');
    assert.deepEqual(
      warnings(r),
      words.map((w, i) => `s.rc:${i + 1}:5: warning: 'set ${w}' is not used by brokerwatch; ignored`),
    );
    assert.deepEqual(
      r.config.services.map((s) => s.name),
      ['f'],
    );
  });

  void test('an unknown setting names the ones there are', async () => {
    assert.deepEqual(await errorsOf('set frobnicate 3\nset daemon 0.05\n'), [
      "s.rc:1:5: unknown setting 'set frobnicate': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd",
      's.rc:2:5: a cycle of 50 ms is too short (at least 100 ms)',
    ]);
  });

  void test('daemon cycle and start delay, log, pidfile, statefile and the event queue', async () => {
    const r = await parse(
      [
        'set daemon 0.1 with start delay 2 minutes',
        'set log syslog facility log_daemon',
        'set pidfile /run/bw.pid',
        'set statefile /var/lib/bw/state',
        'set eventqueue basedir /var/lib/bw/events slots 500',
        '',
      ].join('\n'),
    );
    const c = r.config;
    assert.deepEqual(c.daemon, { cycleMs: 100, startDelayMs: 120_000 });
    assert.deepEqual(c.log, { kind: 'syslog', facility: 'log_daemon' });
    assert.equal(c.pidfile, '/run/bw.pid');
    assert.equal(c.statefile, '/var/lib/bw/state');
    assert.deepEqual(c.eventQueue, { basedir: '/var/lib/bw/events', slots: 500 });
    assert.deepEqual((await parse('set log syslog\n')).config.log, { kind: 'syslog' });
    assert.deepEqual((await parse('set logfile /var/log/bw.log\n')).config.log, {
      kind: 'file',
      path: '/var/log/bw.log',
    });
  });
});

void describe('set limits: bounds, spellings, printing', () => {
  void test('the applied sizes at their bounds: a line of 1 byte, a content buffer of 2, at most 1 MB', async () => {
    const limits = async (text: string) => (await parse(`set limits { ${text} }\n`)).config.limits;
    assert.deepEqual(await limits('programOutput: 1 B, fileContentBuffer: 2 B'), {
      programOutputBytes: 1,
      fileContentBytes: 2,
    });
    assert.deepEqual(await limits('programOutput: 1 MB fileContentBuffer: 1048576 B'), {
      programOutputBytes: 1024 * 1024,
      fileContentBytes: 1024 * 1024,
    });
    assert.deepEqual(await errorsOf('set limits { programOutput: 0 B }\n'), [
      's.rc:1:29: programOutput of 0 B is out of range (1 B to 1 MB)',
    ]);
    assert.deepEqual(await errorsOf('set limits { fileContentBuffer: 1 B }\n'), [
      's.rc:1:33: fileContentBuffer of 1 B is out of range (2 B to 1 MB)',
    ]);
    assert.deepEqual(await errorsOf('set limits { programOutput: 1048577 B }\n'), [
      's.rc:1:29: programOutput of 1048577 B is out of range (1 B to 1 MB)',
    ]);
    // The timeouts have no such bounds of their own here.
    assert.deepEqual(await limits('stopTimeout: 1 s'), { stopTimeoutMs: 1000 });
  });

  void test("keys bare, glued to ':' or before a lone ':'; an unknown one is named without its colon", async () => {
    const r = await parse('set limits { programOutput 2 B startTimeout : 3 s stopTimeout: 4 s }\n');
    assert.deepEqual(r.config.limits, { programOutputBytes: 2, startTimeoutMs: 3000, stopTimeoutMs: 4000 });
    assert.deepEqual(await errorsOf('set limits { execTimeout: 1 s }\n'), [
      "s.rc:1:14: unknown limit 'execTimeout': expected programOutput, fileContentBuffer, programTimeout, startTimeout, stopTimeout, restartTimeout, sendExpectBuffer, httpContentBuffer, networkTimeout",
    ]);
    assert.deepEqual(warnings(await parse('set limits { shutdownTimeout: 5 s, httpContentBuffer 1 kB }\n')), [
      "s.rc:1:14: warning: 'shutdownTimeout' in set limits is not used by brokerwatch; ignored",
      "s.rc:1:36: warning: 'httpContentBuffer' in set limits is not used by brokerwatch; ignored",
    ]);
  });

  void test('what is not a key, and a block left open, are errors naming what was expected', async () => {
    assert.deepEqual(await errorsOf('set limits { 5 s }\n'), [
      "s.rc:1:14: expected a limit (programOutput, fileContentBuffer, programTimeout, startTimeout, stopTimeout, restartTimeout, sendExpectBuffer, httpContentBuffer, networkTimeout), found '5'",
    ]);
    assert.deepEqual(await errorsOf('set daemon 30\nset limits {\n  programOutput: 1 kB\n'), [
      "s.rc:3:22: expected '}' to close the limits opened at line 2, found end of file",
    ]);
    assert.deepEqual((await parse('set limits { }\nset daemon 5\n')).config.limits, {});
  });

  void test('deadlines go to programs without their own; a program check only takes programTimeout', async () => {
    const r = await parse(
      [
        'set limits { programTimeout: 7 s, startTimeout: 8 s }',
        'check process p with pidfile /p',
        '  start program = "/s" with timeout 2 s',
        '  stop program = "/t"',
        'check program q with path "/q" with timeout 9 s',
        'check host h with address 127.0.0.1',
        '  start program = "/h"',
        '  if failed port 1 then alert',
        '',
      ].join('\n'),
    );
    const [p, q, h] = r.config.services;
    assert.deepEqual([p?.start?.timeoutMs, p?.stop?.timeoutMs, p?.restart], [2000, undefined, undefined]);
    assert.equal(q?.program?.timeoutMs, 9000);
    assert.equal(h?.start?.timeoutMs, 8000);
    assert.equal(h?.program, undefined);
  });

  void test('a stop or restart program without a deadline takes the limit; a command keeps no empty deadline', async () => {
    const r = await parse(
      [
        'set limits { stopTimeout: 4 s, restartTimeout: 6 s }',
        'check process p with pidfile /p',
        '  start program = "/s"',
        '  stop program = "/t"',
        '  restart program = "/r"',
        '',
      ].join('\n'),
    );
    const p = r.config.services[0];
    assert.deepEqual(
      [p?.start, p?.stop, p?.restart],
      [{ argv: ['/s'] }, { argv: ['/t'], timeoutMs: 4000 }, { argv: ['/r'], timeoutMs: 6000 }],
    );
    // A bare number of a timeout is seconds.
    assert.deepEqual((await parse('set limits { startTimeout: 7 }\n')).config.limits, { startTimeoutMs: 7000 });
  });

  void test('printed back: only the keys set', async () => {
    const print = async (text: string) =>
      printConfig((await parse(`set limits { ${text} }\n`)).config)
        .split('\n')
        .find((l) => l.startsWith('set limits'));
    assert.equal(await print('stopTimeout: 4 s'), 'set limits { stopTimeout: 4 seconds }');
    assert.equal(await print('fileContentBuffer: 2 B'), 'set limits { fileContentBuffer: 2 B }');
  });

  void test('printed back: every key set, in the order of the model, and read again the same', async () => {
    const text =
      'set limits { restartTimeout: 1 minute, stopTimeout: 10 s, startTimeout: 20 s, programTimeout: 300 s,' +
      ' fileContentBuffer: 1024 B, programOutput: 2 kB }\n';
    const r = await parse(text);
    const line = printConfig(r.config)
      .split('\n')
      .find((l) => l.startsWith('set limits'));
    assert.equal(
      line,
      'set limits { programOutput: 2 kB, fileContentBuffer: 1 kB, programTimeout: 5 minutes, startTimeout: 20 seconds, stopTimeout: 10 seconds, restartTimeout: 1 minute }',
    );
    assert.deepEqual((await parse(`${line}\n`)).config.limits, r.config.limits);
  });
});

// monit 5.33's grammar (src/p.y, src/l.l) where the field showed brokerwatch reading it wrong or
// not at all: the operator that may be left out, `total memory`, `else ACTION`, `set logfile`,
// `<address>`, SSL options (global and per mail server or test), the mail servers' TLS by port,
// certificate and TLS-version options of port tests, hash types, and words monit's lexer drops.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Condition, Service } from '../../src/config/model.js';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 'g.rc');
}

const PROC = 'check process m with pidfile /run/m.pid\n  start "/m"\n';
const FILE = 'check file f with path /f\n';
const PROG = 'check program p with path "/bin/p"\n';

function only(r: LoadResult): Service {
  const s = r.config.services[0];
  assert.ok(s);
  return s;
}

/** The conditions of a service's written rules (not the implicit existence rule). */
function conditions(r: LoadResult): Condition[] {
  return only(r)
    .rules.filter((x) => !x.implicit)
    .map((x) => x.condition);
}

function warnings(r: LoadResult): string[] {
  return r.warnings.map(formatDiagnostic);
}

void describe("monit's operator may be left out, and then means '='", () => {
  void test('in every test whose grammar says `operator : /* EMPTY */`', async () => {
    const r = await parse(
      PROC +
        ['cpu 80%', 'totalcpu 120%', 'memory 100 MB', 'totalmem 50%', 'children 0', 'threads 64', 'uptime 3 minutes']
          .map((c) => `  if ${c} then alert\n`)
          .join(''),
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(conditions(r), [
      { kind: 'resource', resource: 'cpu', op: '=', value: 80, unit: '%' },
      { kind: 'resource', resource: 'totalcpu', op: '=', value: 120, unit: '%' },
      { kind: 'resource', resource: 'memory', op: '=', value: 100 * 1024 * 1024, unit: 'bytes' },
      { kind: 'resource', resource: 'totalmemory', op: '=', value: 50, unit: '%' },
      { kind: 'resource', resource: 'children', op: '=', value: 0, unit: 'count' },
      { kind: 'resource', resource: 'threads', op: '=', value: 64, unit: 'count' },
      { kind: 'uptime', op: '=', ms: 180_000 },
    ]);
    assert.deepEqual(conditions(await parse(PROG + '  if status 3 then alert\n')), [
      { kind: 'status', op: '=', value: 3 },
    ]);
    assert.deepEqual(
      conditions(await parse(FILE + '  if timestamp 10 minutes then alert\n  if size 1 GB then alert\n')),
      [
        { kind: 'timestamp', op: '=', ms: 600_000 },
        { kind: 'size', op: '=', bytes: 1024 ** 3 },
      ],
    );
    const rt = conditions(await parse(PROC + '  if failed port 1883 responsetime 200 ms then alert\n'))[0];
    assert.ok(rt?.kind === 'port');
    assert.deepEqual(rt.responseTime, { op: '=', ms: 200 });
  });

  void test("monit's operator words: more, older, newer, greater, notequal", async () => {
    const r = await parse(
      FILE +
        '  if timestamp older than 1 hour then alert\n  if timestamp newer than 1 minute then alert\n  if size more than 5 MB then alert\n',
    );
    assert.deepEqual(conditions(r), [
      { kind: 'timestamp', op: '>', ms: 3_600_000 },
      { kind: 'timestamp', op: '<', ms: 60_000 },
      { kind: 'size', op: '>', bytes: 5 * 1024 * 1024 },
    ]);
  });

  void test('the $SYS extension still wants its operator (monit has no such test to follow)', async () => {
    await assert.rejects(
      parse(PROC + '  if sys "$SYS/broker/clients/connected" 5 then alert\n'),
      /expected an operator/,
    );
  });
});

void describe('resource tests as monit spells them', () => {
  void test('`total memory`, `total cpu`, `cpu (user)`, `cpu usage (sys)`, `percent`, `child`, `thread`', async () => {
    const r = await parse(
      PROC +
        [
          'total memory > 2.5 MB',
          'total mem usage > 10%',
          'total cpu > 80% for 8 cycles',
          'cpu(user) > 70%',
          'cpu usage (sys) > 30 percent',
          'cpu (usr) > 5%',
          'child > 5',
          'thread > 9',
        ]
          .map((c) => `  if ${c} then alert\n`)
          .join(''),
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(conditions(r), [
      { kind: 'resource', resource: 'totalmemory', op: '>', value: Math.round(2.5 * 1024 * 1024), unit: 'bytes' },
      { kind: 'resource', resource: 'totalmemory', op: '>', value: 10, unit: '%' },
      { kind: 'resource', resource: 'totalcpu', op: '>', value: 80, unit: '%' },
      { kind: 'resource', resource: 'cpuuser', op: '>', value: 70, unit: '%' },
      { kind: 'resource', resource: 'cpusystem', op: '>', value: 30, unit: '%' },
      { kind: 'resource', resource: 'cpuuser', op: '>', value: 5, unit: '%' },
      { kind: 'resource', resource: 'children', op: '>', value: 5, unit: 'count' },
      { kind: 'resource', resource: 'threads', op: '>', value: 9, unit: 'count' },
    ]);
  });

  void test('`total filedescriptors` is the process and its descendants, a count', async () => {
    const r = await parse(PROC + '  if total filedescriptors > 900 then alert\n');
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(conditions(r), [
      { kind: 'filedescriptors', total: true, op: '>', limit: { value: 900, unit: 'count' } },
    ]);
  });
});

void describe('recovery and inverted tests', () => {
  void test('`else ACTION` is `else if succeeded then ACTION`', async () => {
    const r = await parse(
      PROC +
        '  if failed port 1883 then restart else alert\n  if cpu > 90% then exec "/bin/page down"\n    # paged\n    else exec "/bin/page up"\n',
    );
    assert.deepEqual(
      only(r)
        .rules.filter((x) => !x.implicit)
        .map((x) => [x.action.kind, x.elseAction]),
      [
        ['restart', { kind: 'alert' }],
        ['exec', { kind: 'exec', command: { argv: ['/bin/page', 'up'] } }],
      ],
    );
  });

  void test("`if succeeded port …` (monit's inverted test) and its `else if failed` load with a warning", async () => {
    const r = await parse(
      PROC + '  if succeeded port 23 then alert else if failed then alert\n  if cpu > 1% then alert\n',
    );
    assert.deepEqual(warnings(r), [
      "g.rc:3:6: warning: 'if succeeded …' (monit's inverted connection test) is not evaluated by brokerwatch; this rule is ignored",
    ]);
    assert.equal(conditions(r).length, 1);
  });
});

void describe('global statements', () => {
  void test('`set logfile` is `set log`', async () => {
    assert.deepEqual((await parse('set logfile /var/log/monit.log\n')).config.log, {
      kind: 'file',
      path: '/var/log/monit.log',
    });
    assert.deepEqual((await parse('set logfile syslog facility log_daemon\n')).config.log, {
      kind: 'syslog',
      facility: 'log_daemon',
    });
  });

  void test('a mail address in angle brackets, as alert, service alert and noalert', async () => {
    const r = await parse(
      'set alert <ops@example.com> not on { instance }\n' +
        PROC +
        '  alert <dev@example.com>\n  noalert <ops@example.com>\n',
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(r.config.alerts[0]?.target, { kind: 'mail', address: 'ops@example.com' });
    assert.deepEqual(only(r).alerts[0]?.target, { kind: 'mail', address: 'dev@example.com' });
    assert.deepEqual(only(r).noAlerts, ['ops@example.com']);
  });

  void test('`set httpd port N read-only` makes every user read-only', async () => {
    const r = await parse('set httpd port 2812 read-only\n  allow admin:pw\n  allow 127.0.0.1\n');
    assert.deepEqual(
      r.config.httpd?.allow.map((a) => a.readOnly),
      [true, true],
    );
  });

  void test("monit's unix socket and its options load; `readonly` there is the socket's", async () => {
    const r = await parse(
      'set httpd port 2812 unixsocket /run/monit.sock uid root gid root permission 0600 readonly\n  allow admin:monit\n',
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(r.config.httpd?.allow, [{ kind: 'user', user: 'admin', password: 'monit', readOnly: false }]);
    assert.deepEqual(r.config.httpd?.unixSocket, {
      path: '/run/monit.sock',
      uid: 'root',
      gid: 'root',
      permission: 0o600,
      readOnly: true,
    });
    assert.equal(r.config.httpd?.tcp, undefined);
  });

  void test('`ssl { pemchain, pemkey }` of set httpd, and `set ssl`’s pemfile when httpd names none', async () => {
    const own = await parse('set httpd port 2812 with ssl { pemchain: /etc/c.pem, pemkey: /etc/k.pem } allow a:b\n');
    assert.deepEqual(own.config.httpd?.tls, { certFile: '/etc/c.pem', keyFile: '/etc/k.pem' });
    const global = await parse('set ssl { pemfile: /etc/monit.pem }\nset httpd port 2812 ssl enable allow a:b\n');
    assert.deepEqual(global.config.httpd?.tls, { pemFile: '/etc/monit.pem' });
  });

  void test('a backslash outside quotes is dropped, as monit does: it continues a line', async () => {
    const r = await parse('set daemon 60 \\\n  with start delay 10\n');
    assert.deepEqual(r.config.daemon, { cycleMs: 60_000, startDelayMs: 10_000 });
  });

  void test('`ignore content` / `ignore match` of a file check are read into the service', async () => {
    const r = await parse(
      FILE +
        '  ignore content = "^DEBUG"\n  ignore content != "x"\n  ignore match "y"\n  ignore not match "z"\n' +
        '  if changed checksum then alert\n',
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(conditions(r), [{ kind: 'changed', what: 'checksum' }]);
    assert.deepEqual(r.config.services[0]?.ignoreContent, [
      { not: false, patterns: ['^DEBUG'] },
      { not: true, patterns: ['x'] },
      { not: false, patterns: ['y'] },
      { not: true, patterns: ['z'] },
    ]);
  });
});

void describe('mail servers: `using ssl|tls` by port', () => {
  const servers = async (line: string): Promise<LoadResult> => parse(`set mailserver ${line}\n`);

  void test('465 is implicit TLS; 25, 587, no port and any other port require STARTTLS; `ssl` and `tls` are one word', async () => {
    for (const [line, security, port] of [
      ['m port 465 using ssl', 'tls', 465],
      ['m port 465 using tls', 'tls', 465],
      ['m port 587 using tls', 'starttls', 587],
      ['m port 25 using ssl', 'starttls', 25],
      ['m using tlsv12', 'starttls', undefined],
      ['m port 2525 using starttls', 'starttls', 2525],
      ['m port 4650 using implicit tls', 'tls', 4650],
      ['m port 465 using starttls', 'starttls', 465],
    ] as const) {
      const r = await servers(line);
      assert.deepEqual(warnings(r), [], line);
      assert.deepEqual(r.config.mailServers, [{ host: 'm', ...(port !== undefined ? { port } : {}), security }], line);
    }
  });

  void test('`using tls` on another port is STARTTLS, with a warning that monit spoke TLS from the first byte there', async () => {
    const r = await servers('m port 2525 using tls');
    assert.deepEqual(r.config.mailServers, [{ host: 'm', port: 2525, security: 'starttls' }]);
    assert.deepEqual(warnings(r), [
      "g.rc:1:34: warning: 'using tls' on port 2525 means STARTTLS (required) in brokerwatch, where monit speaks TLS from the first byte on ports other than 25 and 587; write 'using starttls' to say so, or 'using implicit tls' if this server expects that",
    ]);
  });

  void test('SSL options per server, over `set ssl` wherever it stands; plain servers keep none', async () => {
    const r = await parse(
      [
        'set mailserver a port 2525 username u password p using tls with options { cacertificatefile: /etc/ssl/private-ca.pem },',
        '               b port 465 using ssl { verify: disable },',
        '               c port 25',
        'set ssl options { selfsigned: reject, CACertificateFile: "/etc/ssl/global.pem", version: tlsv12 tlsv13 }',
      ].join('\n'),
    );
    assert.deepEqual(r.config.mailServers, [
      {
        host: 'a',
        port: 2525,
        username: 'u',
        password: 'p',
        security: 'starttls',
        tls: { allowSelfSigned: false, caFile: '/etc/ssl/private-ca.pem' },
      },
      {
        host: 'b',
        port: 465,
        security: 'tls',
        tls: { verify: false, allowSelfSigned: false, caFile: '/etc/ssl/global.pem' },
      },
      { host: 'c', port: 25 },
    ]);
    assert.deepEqual(warnings(r), [
      "g.rc:1:56: warning: 'using tls' on port 2525 means STARTTLS (required) in brokerwatch, where monit speaks TLS from the first byte on ports other than 25 and 587; write 'using starttls' to say so, or 'using implicit tls' if this server expects that",
      "g.rc:4:81: warning: 'version' in the SSL options of 'set ssl' is not used by brokerwatch (Node's TLS defaults apply); ignored",
    ]);
  });

  void test('the keys read in any spelling: `key:`, `key :`, `key:value`', async () => {
    const r = await servers(
      'm port 587 using tls { verify : disable, selfsigned:allow, cacertificatepath: /etc/ssl/certs }',
    );
    assert.deepEqual(r.config.mailServers[0]?.tls, { verify: false, allowSelfSigned: true, caPath: '/etc/ssl/certs' });
  });

  void test('certificate pinning options load with a warning', async () => {
    const r = await servers('m port 465 using ssl certificate checksum sha1 = "aa:bb" certmd5 "cc"');
    assert.deepEqual(r.config.mailServers, [{ host: 'm', port: 465, security: 'tls' }]);
    assert.equal(warnings(r).length, 2);
  });
});

void describe('port tests', () => {
  const port = async (options: string, global = ''): Promise<Extract<Condition, { kind: 'port' }>> => {
    const c = conditions(await parse(global + PROC + `  if failed port 8883 ${options} then alert\n`))[0];
    assert.ok(c?.kind === 'port');
    return c;
  };

  void test('`ssl { … }` options: verify, selfsigned, cacertificatefile, clientpemfile', async () => {
    assert.deepEqual((await port('ssl { verify: disable }')).tls, { enabled: true, verify: false });
    assert.deepEqual((await port('with ssl options { selfsigned: allow }')).tls, { enabled: true, verify: false });
    assert.deepEqual((await port('ssl { cacertificatefile: /ca.pem, clientpemfile: /me.pem }')).tls, {
      enabled: true,
      verify: true,
      caFile: '/ca.pem',
      certFile: '/me.pem',
      keyFile: '/me.pem',
    });
  });

  void test('`set ssl` applies where the test says nothing, before or after it', async () => {
    const after = conditions(
      await parse(
        PROC +
          '  if failed port 8883 ssl then alert\n  if failed port 8884 ssl { verify: enable } then alert\nset ssl { verify: disable, cacertificatefile: /g.pem }\n',
      ),
    );
    assert.deepEqual(
      after.map((c) => (c.kind === 'port' ? c.tls : undefined)),
      [
        { enabled: true, verify: false, caFile: '/g.pem' },
        { enabled: true, verify: true, caFile: '/g.pem' },
      ],
    );
    assert.equal((await port('', 'set ssl { verify: disable }\n')).tls, undefined);
  });

  void test('`type tcpssl sslauto`, `tlsv12`: TLS, the version left to Node (warned)', async () => {
    const r = await parse(PROC + '  if failed port 993 type tcpssl sslauto protocol imap for 5 cycles then restart\n');
    const c = conditions(r)[0];
    assert.ok(c?.kind === 'port');
    assert.deepEqual([c.tls, c.protocol], [{ enabled: true, verify: true }, 'imap']);
    assert.equal(warnings(r).length, 2); // sslauto, protocol imap
  });

  void test('`certificate valid > N days` and `certificate checksum` are read into the test', async () => {
    const sha1 = '1ED948A6F4258ACAB964227EF4EB19FCC453B0F8';
    const r = await parse(
      PROC +
        `  if failed port 443 protocol https certificate valid > 30 days then alert\n  if failed port 443 ssl certificate checksum = "${sha1}" then alert\n`,
    );
    assert.deepEqual(warnings(r), []);
    const [a, b] = conditions(r) as Array<{ certificate?: unknown; tls?: unknown }>;
    assert.deepEqual(a?.certificate, { validDays: 30 });
    assert.deepEqual(b?.certificate, { checksum: { algo: 'sha1', hash: sha1.toLowerCase() } });
  });

  void test("`address` is monit's local address to connect from, not the target host", async () => {
    const r = await parse(PROC + '  if failed host broker.example.com port 1883 address 10.0.0.9 then alert\n');
    const c = conditions(r)[0];
    assert.ok(c?.kind === 'port');
    assert.equal(c.host, 'broker.example.com');
    assert.deepEqual(warnings(r), [
      "g.rc:3:47: warning: 'address' (the local address a test connects from) is not used by brokerwatch; ignored",
    ]);
  });

  void test('other monit tests load with a warning: url, changed permission, mtime variants', async () => {
    const r = await parse(
      'check host h with address 10.0.0.1\n  if failed url http://10.0.0.1/ and content == "ok" then alert\n  if failed ping4 then alert\n' +
        FILE +
        '  if changed permission then alert\n  if atime > 1 hour then alert\n  if mtime > 1 hour then alert\n  if modification time > 2 hours then alert\n  if changed mtime then alert\n',
    );
    // ping4 is read (a ping test), not warned about.
    assert.equal(warnings(r).length, 3);
    assert.deepEqual(conditions({ ...r, config: { ...r.config, services: [r.config.services[1] as Service] } }), [
      { kind: 'timestamp', op: '>', ms: 3_600_000 },
      { kind: 'timestamp', op: '>', ms: 7_200_000 },
      { kind: 'changed', what: 'timestamp' },
    ]);
  });
});

void describe('checksums: the hash before the word, or told by the length of the expected sum', () => {
  void test('`failed md5|sha1 checksum`, and an expected sum without a hash', async () => {
    const r = await parse(
      FILE +
        '  if failed md5 checksum then alert\n  if failed checksum expect 8f7f419955cefa0b33a2ba316cba3659 then alert\n' +
        '  if failed checksum expect the sum da39a3ee5e6b4b0d3255bfef95601890afd80709 then alert\n  if changed sha1 checksum then alert\n',
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(conditions(r), [
      { kind: 'checksum', algorithm: 'md5' },
      { kind: 'checksum', algorithm: 'md5', expect: '8f7f419955cefa0b33a2ba316cba3659' },
      { kind: 'checksum', algorithm: 'sha1', expect: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      { kind: 'changed', what: 'checksum' },
    ]);
  });

  void test('the expected sum is kept as monit keeps it: hex digits, lower case; a sum lexed as number and unit is one', async () => {
    const r = await parse(
      FILE +
        '  if failed checksum expect "D4:1D:8C:D9:8F:00:B2:04:E9:80:09:98:EC:F8:42:7E" then alert\n  if failed sha1 checksum expect 12abcdefabcdefabcdefabcdefabcdefabcdefab then alert\n',
    );
    assert.deepEqual(conditions(r), [
      { kind: 'checksum', algorithm: 'md5', expect: 'd41d8cd98f00b204e9800998ecf8427e' },
      { kind: 'checksum', algorithm: 'sha1', expect: '12abcdefabcdefabcdefabcdefabcdefabcdefab' },
    ]);
  });

  void test('SHA256 is not evaluated: the rule loads with a warning, whether named or told by the length', async () => {
    const r = await parse(
      FILE +
        `  if failed sha256 checksum then alert\n  if failed checksum expect ${'ab'.repeat(32)} then alert\n  if changed sha256 checksum then alert\n`,
    );
    assert.equal(warnings(r).length, 2);
    assert.deepEqual(conditions(r), [{ kind: 'changed', what: 'checksum' }]);
  });
});

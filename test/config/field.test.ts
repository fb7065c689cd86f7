// Monit control files from the field (test/config/field/*.rc, each modelled on a public repository
// or document its first line names; every one passes `monit -t` of monit 5.33 but for programs and
// users this machine lacks): each loads with warnings only, into the services and rules it means.
// Rules files must be private (mode 600), so the fixtures are copied into a private folder first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Condition, Config, Rule, Service } from '../../src/config/model.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

const FIELD = fileURLToPath(new URL('../../../test/config/field/', import.meta.url));
const SECONDS = 1000;
const MB = 1024 * 1024;

let tmp: TempDir | undefined;
let root = '';

before(async () => {
  tmp = await tempDir('bw-field-');
  root = await realpath(tmp.path);
  await mkdir(join(root, 'templates'), { mode: 0o700 });
  for (const f of await readdir(FIELD, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const from = join(f.parentPath, f.name);
    await writeFile(join(root, from.slice(FIELD.length)), await readFile(from), { mode: 0o600 });
  }
});

after(async () => {
  await tmp?.cleanup();
});

async function load(name: string): Promise<LoadResult> {
  try {
    return await loadRules(join(root, name));
  } catch (e) {
    if (e instanceof ConfigError)
      assert.fail(`${name} did not load:\n${e.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw e;
  }
}

function service(c: Config, name: string): Service {
  const s = c.services.find((x) => x.name === name);
  assert.ok(s, `service '${name}' is missing`);
  return s;
}

/** `kind action count/cycles [implicit] [else action]` of each rule, e.g. `port restart 2/2`. */
function summary(s: Service): string[] {
  return s.rules.map(
    (r) =>
      `${r.condition.kind} ${r.action.kind} ${r.rate.count}/${r.rate.cycles}${r.implicit ? ' implicit' : ''}${r.elseAction ? ` else ${r.elseAction.kind}` : ''}`,
  );
}

function condition<K extends Condition['kind']>(r: Rule | undefined, kind: K): Extract<Condition, { kind: K }> {
  assert.equal(r?.condition.kind, kind);
  return r.condition as Extract<Condition, { kind: K }>;
}

/** What a warning may say: monit statements that load but do nothing here, or a meaning that differs. */
const ACCEPTABLE_WARNING =
  /(is|are) not (used|evaluated|supported|spoken) by brokerwatch|a rate after 'else if succeeded'|cannot reach the web interface/;

interface Expected {
  readonly services: readonly string[];
  /** The rules of the broker's service. */
  readonly broker: readonly [string, readonly string[]];
  readonly warnings: number;
  readonly check?: (c: Config) => void;
}

const FILES: Record<string, Expected> = {
  'rmap-server.rc': {
    services: ['mosquitto', 'report2observationd'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'port restart 1/1']],
    warnings: 2, // allow @monit, allow @users
    check: (c) => {
      const m = service(c, 'mosquitto');
      assert.deepEqual(m.start?.argv, ['/etc/init.d/mosquitto', 'restart']);
      const port = condition(m.rules[1], 'port');
      assert.deepEqual([port.host, port.port, port.timeoutMs, port.retry], ['localhost', 1883, 30 * SECONDS, 3]);
      assert.deepEqual(c.httpd, {
        port: 443,
        address: '127.0.0.1',
        allow: [{ kind: 'user', user: 'rmap', password: 'pamr', readOnly: false }],
      });
      assert.deepEqual(c.mailServers, [{ host: 'mailrelay.example.local', port: 25 }]);
      assert.match(c.mailFormat?.message ?? '', /^\$EVENT Service \$SERVICE\nDate: \$DATE\n[^]*\n\nMonit$/);
    },
  },
  'slack-webhook-blog.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'changed exec 1/1', 'restarts exec 1/1']],
    warnings: 0,
    check: (c) => {
      const [, changed, restarts] = service(c, 'mosquitto').rules;
      assert.deepEqual(changed?.action, {
        kind: 'exec',
        command: { argv: ['/bin/bash', '-c', 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'] },
      });
      assert.deepEqual(restarts?.condition, { kind: 'restarts', count: 1, cycles: 1 });
    },
  },
  'centos-notes-minimal.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit']],
    warnings: 0,
    check: (c) => {
      const m = service(c, 'mosquitto');
      assert.deepEqual(
        [m.pidfile, m.start?.argv, m.stop?.argv],
        ['/var/run/mosquitto.pid', ['/etc/init.d/mosquitto', 'start'], ['/etc/init.d/mosquitto', 'stop']],
      );
    },
  },
  'lutron-wink-hub.rc': {
    services: ['mosquitto', 'pike', 'lutron-core', '$HOST'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'resource alert 1/1']],
    warnings: 0,
    check: (c) => {
      // `set logfile syslog` is monit's old `set log syslog`; `total memory` is totalmemory.
      assert.deepEqual(c.log, { kind: 'syslog' });
      assert.deepEqual(service(c, 'mosquitto').rules[1]?.condition, {
        kind: 'resource',
        resource: 'totalmemory',
        op: '>',
        value: 2 * MB,
        unit: 'bytes',
      });
      assert.deepEqual(service(c, 'lutron-core').rules[1]?.condition, {
        kind: 'resource',
        resource: 'totalcpu',
        op: '>',
        value: 80,
        unit: '%',
      });
      assert.equal(service(c, 'pike').matching, 'pike');
      assert.deepEqual(service(c, 'pike').dependsOn, ['mosquitto']);
    },
  },
  'openva-client.rc': {
    services: ['$HOST', 'mosquitto'],
    broker: [
      'mosquitto',
      [
        'nonexist restart 1/1 implicit',
        'port restart 1/1',
        'resource alert 2/2',
        'resource restart 5/5',
        'resource restart 5/5',
      ],
    ],
    warnings: 0,
    check: (c) => {
      assert.deepEqual(c.daemon, { cycleMs: 10 * SECONDS, startDelayMs: 10 * SECONDS });
      assert.deepEqual(c.alerts[0]?.filter, { mode: 'except', events: ['instance', 'action'] });
      assert.equal(condition(service(c, 'mosquitto').rules[1], 'port').timeoutMs, 15 * SECONDS);
      assert.deepEqual(service(c, 'mosquitto').rules[4]?.condition, {
        kind: 'resource',
        resource: 'totalmemory',
        op: '>',
        value: 128 * MB,
        unit: 'bytes',
      });
    },
  },
  'phlak-monitrc.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'port restart 1/1']],
    warnings: 0,
    check: (c) => {
      assert.deepEqual(c.log, { kind: 'file', path: '/var/log/monit.log' });
      // `set alert <john@example.com>`: the brackets are mail syntax, not part of the address.
      assert.deepEqual(c.alerts[0]?.target, { kind: 'mail', address: 'john@example.com' });
      assert.deepEqual(c.mailServers, [{ host: 'localhost', timeoutMs: 15 * SECONDS }]);
      assert.deepEqual(c.eventQueue, { basedir: '/var/lib/monit/events', slots: 100 });
    },
  },
  'telegram-alerts.rc': {
    services: ['mosquitto'],
    broker: [
      'mosquitto',
      [
        'nonexist restart 1/1 implicit',
        'resource exec 2/2',
        'resource restart 5/5',
        'resource restart 5/5',
        'loadavg stop 8/8',
        'restarts exec 1/1',
        'restarts unmonitor 1/1',
      ],
    ],
    warnings: 0,
    check: (c) => {
      const m = service(c, 'mosquitto');
      assert.equal(m.start?.timeoutMs, 60 * SECONDS);
      assert.deepEqual(m.groups, ['server']);
      assert.deepEqual(m.rules[3]?.condition, {
        kind: 'resource',
        resource: 'totalmemory',
        op: '>',
        value: 300 * MB,
        unit: 'bytes',
      });
    },
  },
  'nas-tlsv12.rc': {
    services: ['lord', 'root', 'raid', 'mosquitto'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'port restart 2/2']],
    warnings: 0,
    check: (c) => {
      assert.deepEqual(c.mailServers, [
        { host: 'mail.example.net.au', port: 587, username: 'xxx', password: 'yyy', security: 'starttls' },
      ]);
      assert.equal(c.alerts[0]?.reminderCycles, 1440);
      assert.deepEqual(c.mailFormat, { from: 'lord <alex_nas@example.net.au>', subject: '$DESCRIPTION' });
    },
  },
  'caracas-carputer.rc': {
    services: ['gpsd', 'mosquitto', 'mpd'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit']],
    warnings: 0,
    check: (c) => assert.deepEqual(c.log, { kind: 'syslog', facility: 'log_daemon' }),
  },
  'arch-dotfiles.rc': {
    services: ['localhost', 'git-daemon', 'mosquitto'],
    broker: [
      'mosquitto',
      ['nonexist restart 1/1 implicit', 'port restart 1/1', 'port restart 1/1', 'restarts unmonitor 1/1'],
    ],
    warnings: 3, // allow 192.168.0.0/24 (no address), allow @wheel, signature
    check: (c) => {
      // `start program "…"` without `=`; monit's old `timeout` action is unmonitor.
      assert.deepEqual(service(c, 'mosquitto').start?.argv, ['/etc/rc.d/mosquitto', 'start']);
      assert.deepEqual(summary(service(c, 'git-daemon')), [
        'nonexist restart 1/1 implicit',
        'port restart 3/5',
        'restarts unmonitor 1/1',
      ]);
      assert.deepEqual(
        c.httpd?.allow.map((a) => (a.kind === 'net' ? a.cidr : a.kind === 'user' ? a.user : a.file)),
        ['localhost', '192.168.0.0/24'],
      );
      assert.deepEqual(c.mailFormat, { from: 'monit@adama' });
    },
  },
  'rabbitmq-course.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist restart 3/3', 'port restart 4/6']],
    warnings: 0,
    check: (c) => {
      const m = service(c, 'mosquitto');
      assert.deepEqual([m.groups, m.start?.argv], [['mqtt'], ['/usr/sbin/service', 'mosquitto', 'start']]);
    },
  },
  'sensor-server-uid.rc': {
    services: ['mosquitto', 'sensorserver'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit']],
    warnings: 0,
    check: (c) => {
      assert.deepEqual(service(c, 'mosquitto').start, {
        argv: ['/home/ubuntu/git/sensor-server/start_broker.sh'],
        uid: 'ubuntu',
      });
      assert.deepEqual(service(c, 'sensorserver').dependsOn, ['mosquitto']);
    },
  },
  'debian-server-tools.rc': {
    services: ['mosquitto', 'mosquitto_bin'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'port restart 2/2', 'restarts unmonitor 1/1']],
    warnings: 0,
    check: (c) => {
      assert.deepEqual(c.daemon, { cycleMs: 115 * SECONDS, startDelayMs: 10 * SECONDS });
      // monit's unix socket alone: the status server listens there and on no TCP port.
      assert.deepEqual(c.httpd?.unixSocket, { path: '/run/monit.sock', readOnly: false });
      assert.equal(c.httpd?.tcp, false);
      assert.deepEqual(c.mailServers, [
        { host: 'localhost', port: 25 },
        { host: 'smarthost.example.com', port: 587 },
      ]);
      assert.equal(c.alerts[0]?.reminderCycles, 2);
      // The template included inside `check file` continues that check, as in monit.
      assert.deepEqual(summary(service(c, 'mosquitto_bin')), [
        'changed alert 1/1',
        'permission unmonitor 1/1',
        'uid unmonitor 1/1',
        'gid unmonitor 1/1',
      ]);
      assert.deepEqual(service(c, 'mosquitto').dependsOn, ['mosquitto_bin']);
    },
  },
  'debian-server-tools-system.rc': {
    services: ['$HOST_uptime', '$HOST', 'rootfs', 'mosquitto_sys', 'password_shadow'],
    broker: ['mosquitto_sys', ['status alert 1/1']],
    warnings: 0,
    check: (c) => {
      const p = service(c, 'mosquitto_sys');
      assert.deepEqual(p.program?.argv, [
        '/usr/bin/mosquitto_sub',
        '-h',
        '127.0.0.1',
        '-t',
        '$SYS/broker/uptime',
        '-C',
        '1',
        '-W',
        '5',
      ]);
      assert.deepEqual(p.schedule, { kind: 'cycles', every: 2 });
      assert.deepEqual(p.rules[0]?.condition, { kind: 'status', op: '!=', value: 0 });
    },
  },
  'monit2slack.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist exec 1/1 else exec', 'nonexist restart 1/1']],
    warnings: 1, // the rate after `else if succeeded`
    check: (c) => {
      const m = service(c, 'mosquitto');
      assert.equal(m.pidfile, '/run/mosquitto/mosquitto.pid');
      assert.deepEqual([m.start?.timeoutMs, m.stop?.timeoutMs], [30 * SECONDS, 30 * SECONDS]);
      const down = m.rules[0]?.action;
      assert.ok(down?.kind === 'exec');
      assert.deepEqual(down.command.argv.slice(-2), ['--text', 'Process Mosquitto is down']);
    },
  },
  'nixos-mqtt-host.rc': {
    services: ['Mosquitto - service', 'Mosquitto - MQTT connection', 'Home Assistant'],
    broker: ['Mosquitto - MQTT connection', ['port exec 5/5']],
    warnings: 0, // https with its request, status and certificate test is spoken; set limits is read
    check: (c) => {
      const probe = condition(service(c, 'Mosquitto - MQTT connection').rules[0], 'port');
      assert.deepEqual(
        [probe.host, probe.port, probe.tls, probe.protocol],
        ['mqtt.example.com', 8883, { enabled: true, verify: true }, 'mqtt'],
      );
      assert.deepEqual(probe.mqtt, { version: 4, clientIdPrefix: 'brokerwatch', username: 'testi', password: 'testi' });
      assert.deepEqual(summary(service(c, 'Mosquitto - service')), ['status exec 5/5']);
    },
  },
  'nixos-docker-host.rc': {
    services: ['dockerd', 'mosquitto container', 'mosquitto-tcp'],
    broker: ['mosquitto container', ['status start 1/1 else alert', 'restarts alert 1/1']],
    warnings: 0,
    check: (c) => {
      const m = service(c, 'mosquitto container');
      assert.deepEqual(m.program?.argv, ['/usr/bin/docker', 'inspect', '-f', '{{.State.Running}}', 'mosquitto']);
      assert.deepEqual(
        [m.dependsOn, m.start?.timeoutMs, m.schedule],
        [['dockerd'], 600 * SECONDS, { kind: 'cycles', every: 2 }],
      );
      assert.deepEqual(summary(service(c, 'mosquitto-tcp')), ['port alert 2/2']);
    },
  },
  'chef-gmail-relay.rc': {
    services: ['mosquitto'],
    broker: ['mosquitto', ['nonexist restart 1/1 implicit', 'port restart 1/1', 'restarts unmonitor 1/1']],
    warnings: 0,
    check: (c) => {
      // `using tlsv1` on 587: STARTTLS, required.
      assert.deepEqual(c.mailServers, [
        {
          host: 'smtp.gmail.com',
          port: 587,
          username: 'admin@example.com',
          password: 'app-password',
          security: 'starttls',
          timeoutMs: 30 * SECONDS,
        },
      ]);
      assert.deepEqual(c.alerts[0]?.filter, { mode: 'except', events: ['action', 'instance', 'pid', 'ppid'] });
      assert.deepEqual(c.eventQueue, { basedir: '/var/monit', slots: 1000 });
      assert.deepEqual(c.httpd?.tls, { pemFile: '/etc/monit/monit.pem' });
      assert.deepEqual(c.log, { kind: 'syslog', facility: 'log_daemon' });
    },
  },
  'monit-manual-ssl.rc': {
    services: ['mosquitto'],
    broker: [
      'mosquitto',
      [
        'nonexist restart 1/1 implicit',
        'port restart 1/1',
        'port restart 1/1',
        'resource alert 3/3',
        'resource alert 1/1',
      ],
    ],
    warnings: 0,
    check: (c) => {
      // Port 465 is SMTPS; the server's SSL options extend `set ssl options { verify: enable }`.
      assert.deepEqual(c.mailServers, [
        {
          host: 'mail.example.com',
          port: 465,
          username: 'monit',
          password: 'secret',
          security: 'tls',
          tls: { verify: true, allowSelfSigned: true, caFile: '/etc/ssl/certs/ca-certificates.crt' },
          timeoutMs: 30 * SECONDS,
        },
        { host: 'localhost', timeoutMs: 30 * SECONDS },
      ]);
      const m = service(c, 'mosquitto');
      // `selfsigned: allow` is no verification: anyone can make a self-signed certificate.
      assert.deepEqual(condition(m.rules[1], 'port').tls, { enabled: true, verify: false });
      // monit reads a missing operator as `=`.
      assert.deepEqual(m.rules[3]?.condition, { kind: 'resource', resource: 'cpu', op: '=', value: 95, unit: '%' });
      assert.deepEqual(m.rules[4]?.condition, {
        kind: 'resource',
        resource: 'children',
        op: '=',
        value: 0,
        unit: 'count',
      });
    },
  },
};

void describe('monit control files from the field', () => {
  void test('at least 15, each naming what it was modelled on, and all in the table', async () => {
    const names = (await readdir(FIELD)).filter((f) => f.endsWith('.rc')).sort();
    assert.ok(names.length >= 15, `${names.length} files`);
    assert.deepEqual(names, Object.keys(FILES).sort());
    for (const n of names)
      assert.match((await readFile(join(FIELD, n), 'utf8')).split('\n')[0] ?? '', /^# Modelled on \S/, n);
  });

  for (const [name, want] of Object.entries(FILES)) {
    void test(`${name} loads with warnings only, into what it means`, async () => {
      const r = await load(name);
      const warnings = r.warnings.map(formatDiagnostic);
      assert.equal(warnings.length, want.warnings, warnings.join('\n'));
      for (const w of r.warnings) assert.match(w.message, ACCEPTABLE_WARNING, formatDiagnostic(w));
      assert.deepEqual(
        r.config.services.map((s) => s.name),
        want.services,
      );
      const [broker, rules] = want.broker;
      assert.deepEqual(summary(service(r.config, broker)), rules);
      want.check?.(r.config);
    });
  }
});

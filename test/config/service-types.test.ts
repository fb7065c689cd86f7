// Every service type's header, one at a time: what it reads into the model, how `-t -v` prints it
// back, and the exact error (file:line:col and the words expected) when a word is missing or wrong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import { printConfig } from '../../src/config/printer.js';
import type { ServiceType } from '../../src/config/service-types.js';
import {
  SERVICE_TYPES,
  createObserver,
  loadObservers,
  serviceTypeNamed,
  serviceTypeOf,
} from '../../src/config/service-types.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The one service of TEXT, with its warnings; fails on an error. */
async function only(text: string): Promise<{ service: Service; warnings: string[]; printed: string }> {
  const r = await parseRules(text, 'h.rc');
  assert.equal(r.config.services.length, 1);
  const service = r.config.services[0] as Service;
  const printed = printConfig(r.config)
    .split('\n')
    .find((l) => l.startsWith('check '));
  return { service, warnings: r.warnings.map(formatDiagnostic), printed: printed ?? '' };
}

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parseRules(text, 'h.rc');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  assert.fail('the rules loaded, but errors were expected');
}

/** The header fields of a service: what its type read, and nothing of the defaults. */
function header(s: Service): Record<string, unknown> {
  const { name, type, path, pidfile, matching, address, interface: iface, program } = s;
  const all: Record<string, unknown> = { name, type, path, pidfile, matching, address, interface: iface, program };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

void describe('service type headers: read, printed back', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'check process m with pidfile /run/m.pid',
      { name: 'm', type: 'process', pidfile: '/run/m.pid' },
      'check process m with pidfile /run/m.pid',
    ],
    [
      'check process m matching "mosquitto -c .*"',
      { name: 'm', type: 'process', matching: 'mosquitto -c .*' },
      'check process m matching "mosquitto -c .*"',
    ],
    [
      'check process m match "^/usr/sbin/mosquitto"',
      { name: 'm', type: 'process', matching: '^/usr/sbin/mosquitto' },
      'check process m matching "^/usr/sbin/mosquitto"',
    ],
    [
      'check host edge with address 10.0.0.7\n  if failed port 1883 then alert',
      { name: 'edge', type: 'host', address: '10.0.0.7' },
      'check host edge with address 10.0.0.7',
    ],
    [
      'check file conf with path /etc/mosquitto/mosquitto.conf',
      { name: 'conf', type: 'file', path: '/etc/mosquitto/mosquitto.conf' },
      'check file conf with path /etc/mosquitto/mosquitto.conf',
    ],
    [
      'check directory data with path /var/lib/mosquitto',
      { name: 'data', type: 'directory', path: '/var/lib/mosquitto' },
      'check directory data with path /var/lib/mosquitto',
    ],
    [
      'check fifo pipe with path /run/broker.fifo',
      { name: 'pipe', type: 'fifo', path: '/run/broker.fifo' },
      'check fifo pipe with path /run/broker.fifo',
    ],
    [
      'check program probe with path "/usr/local/bin/probe --quick"',
      { name: 'probe', type: 'program', program: { argv: ['/usr/local/bin/probe', '--quick'] } },
      'check program probe with path "/usr/local/bin/probe --quick"',
    ],
    ['check system gateway', { name: 'gateway', type: 'system' }, 'check system gateway'],
    [
      'check filesystem rootfs with path /',
      { name: 'rootfs', type: 'filesystem', path: '/' },
      'check filesystem rootfs with path /',
    ],
    // monit's old name for a file system.
    [
      'check device sda1 with path /dev/sda1',
      { name: 'sda1', type: 'filesystem', path: '/dev/sda1' },
      'check filesystem sda1 with path /dev/sda1',
    ],
    [
      'check network lan with interface eth0',
      { name: 'lan', type: 'network', interface: 'eth0' },
      'check network lan with interface eth0',
    ],
    [
      'check network lan with address 192.168.1.2',
      { name: 'lan', type: 'network', address: '192.168.1.2' },
      'check network lan with address 192.168.1.2',
    ],
  ];
  for (const [text, model, printed] of cases) {
    void test(text.split('\n')[0] as string, async () => {
      const r = await only(`${text}\n`);
      assert.deepEqual(header(r.service), model);
      assert.equal(r.printed, printed);
      assert.deepEqual(r.warnings, []);
    });
  }

  void test("`check process … path P` is read as matching the command's start, with a warning", async () => {
    const r = await only('check process m with path /usr/sbin/mosquitto.bin\n');
    assert.equal(r.service.matching, '^/usr/sbin/mosquitto\\.bin');
    assert.deepEqual(r.warnings, [
      `h.rc:1:22: warning: 'check process … path' is not supported; the process is found by 'matching "^/usr/sbin/mosquitto.bin"' instead`,
    ]);
    assert.ok(new RegExp(r.service.matching ?? '').test('/usr/sbin/mosquitto.bin -c /etc/m.conf'));
    assert.ok(!new RegExp(r.service.matching ?? '').test('/usr/sbin/mosquittoXbin'));
  });
});

void describe('service type headers: errors at the word that is wrong', () => {
  const cases: [string, string][] = [
    [
      'check process m',
      `h.rc:1:16: expected 'pidfile PATH' or 'matching "REGEX"' after 'check process m', found end of file`,
    ],
    ['check process m with pidfile', 'h.rc:1:29: expected a pidfile path, found end of file'],
    ['check process m matching', 'h.rc:1:25: expected a pattern, found end of file'],
    [
      'check process m with pidfile run/m.pid',
      "h.rc:1:30: the pidfile path 'run/m.pid' is relative: write it from '/'",
    ],
    [
      'check process m matching "(unclosed"',
      'h.rc:1:26: invalid regular expression "(unclosed": Invalid regular expression: /(unclosed/: Unterminated group',
    ],
    ['check host h', "h.rc:1:13: expected 'address HOST' after 'check host h', found end of file"],
    ['check host h with address', 'h.rc:1:26: expected a host name or address, found end of file'],
    ['check file f', "h.rc:1:13: expected 'path PATH' after 'check file f', found end of file"],
    ['check file f with path', 'h.rc:1:23: expected a file path, found end of file'],
    ['check directory d address /x', "h.rc:1:19: expected 'path PATH' after 'check directory d', found 'address'"],
    ['check directory d with path', 'h.rc:1:28: expected a directory path, found end of file'],
    ['check fifo p', "h.rc:1:13: expected 'path PATH' after 'check fifo p', found end of file"],
    ['check fifo p with path', 'h.rc:1:23: expected a fifo path, found end of file'],
    ['check program p', `h.rc:1:16: expected 'path "COMMAND"' after 'check program p', found end of file`],
    ['check program p with path', 'h.rc:1:26: expected a command in quotes, found end of file'],
    ['check filesystem f', "h.rc:1:19: expected 'path PATH' after 'check filesystem f', found end of file"],
    ['check device f with path', 'h.rc:1:25: expected a mount point, a path or a device, found end of file'],
    [
      'check network n with path /x',
      "h.rc:1:22: expected 'interface IF' or 'address A' after 'check network n', found 'path'",
    ],
    ['check network n with interface', 'h.rc:1:31: expected an interface name, found end of file'],
    ['check network n with address', 'h.rc:1:29: expected an address, found end of file'],
  ];
  // A host with no test is an error of its own (it would watch nothing).
  const nothing =
    "h.rc:1:1: 'check host h' has no port or ping test, so it would monitor nothing: add 'if failed port N then alert'";
  for (const [text, error] of cases) {
    void test(text, async () => {
      const errors = await errorsOf(`${text}\n`);
      assert.deepEqual(
        errors.filter((e) => !text.startsWith('check host') || e !== nothing),
        [error],
      );
    });
  }
});

void describe('the registry of service types', () => {
  void test('each type is listed under its own word and documents itself in README.md', async () => {
    const lines = new Set((await readFile(README, 'utf8')).split('\n'));
    for (const [key, t] of Object.entries(SERVICE_TYPES)) {
      assert.equal(t.type, key);
      assert.equal(serviceTypeOf(key as ServiceType), t);
      assert.equal(serviceTypeNamed(key.toUpperCase()), key);
      assert.ok(t.docs.length > 0, key);
      for (const row of t.docs) {
        assert.ok(row.startsWith(`| \`check ${key} NAME`) && row.endsWith(' |'), row);
        assert.ok(lines.has(row), `README.md lacks: ${row}`);
      }
    }
    assert.equal(serviceTypeNamed('device'), 'filesystem');
    assert.equal(serviceTypeNamed('dir'), undefined);
  });

  void test('the host, a file system and a network interface are observed; before loading, asking is an error', async () => {
    const { config } = await parseRules(
      [
        'check system gateway',
        'check filesystem rootfs with path /',
        'check network lo with interface lo',
        'check process m with pidfile /run/m.pid',
        'check file conf with path /etc/hostname',
        '',
      ].join('\n'),
      'h.rc',
    );
    const [system, filesystem, network, process, file] = config.services as Service[];
    assert.throws(
      () => createObserver(system as Service),
      /^Error: the 'system' observer is not loaded: await loadChecks\(config\) first$/,
    );
    assert.equal(createObserver(process as Service), undefined);
    await loadObservers(config.services);
    await loadObservers(config.services);
    assert.equal(createObserver(process as Service), undefined);
    assert.equal(createObserver(file as Service), undefined);
    for (const s of [system, filesystem, network] as Service[]) {
      const observer = createObserver(s);
      assert.ok(observer, s.type);
      const observed = await observer.observe(Date.now(), new AbortController().signal);
      assert.equal(observed.ok, true, `${s.type}: ${observed.ok ? '' : observed.message}`);
    }
  });
});

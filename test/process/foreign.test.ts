// Which process a pidfile may name: the broker plausibly (its program named by the rules, or the one
// identified before), never PID 1 or brokerwatch, and, from a pidfile an ordinary user wrote, only
// that user's own processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessIdentity } from '../../src/process/identity.js';
import { foreignReason, programNames } from '../../src/process/foreign.js';

const proc = (pid: number, exe: string | undefined, ...cmdline: string[]): ProcessIdentity => ({
  pid,
  startTime: 1000,
  ...(exe !== undefined ? { exe } : {}),
  cmdline,
});
const MOSQUITTO = proc(4711, '/usr/sbin/mosquitto', '/usr/sbin/mosquitto', '-c', '/etc/mosquitto/mosquitto.conf');
const initScript = { words: ['mosquitto', '/etc/init.d/mosquitto', 'start', '/etc/init.d/mosquitto', 'stop'] };

void test('the broker the rules name is adopted, by its name, its programs, matching or the last identity', () => {
  assert.equal(foreignReason(MOSQUITTO, initScript), undefined);
  assert.equal(foreignReason(MOSQUITTO, { words: ['broker', 'systemctl', 'start', 'mosquitto.service'] }), undefined);
  assert.equal(
    foreignReason(MOSQUITTO, { words: ['broker', '/usr/local/bin/run'], matching: 'mosquitto.conf$' }),
    undefined,
  );
  assert.equal(
    foreignReason(MOSQUITTO, { words: ['broker', '/usr/local/bin/run'], knownExe: '/usr/sbin/mosquitto' }),
    undefined,
  );
  // An interpreter's script names the program: node dist/demo/broker.js.
  const demo = proc(99, '/usr/bin/node', 'node', '/srv/demo/broker.js', '--port', '18830');
  assert.deepEqual(programNames(demo), ['node', 'broker']);
  assert.equal(foreignReason(demo, { words: ['demo', '/opt/bw/demo/broker.js'] }), undefined);
});

void test('a process the rules do not name is foreign, and the reason says which', () => {
  const sshd = proc(812, '/usr/sbin/sshd', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups');
  assert.equal(foreignReason(sshd, initScript), 'pid 812 (/usr/sbin/sshd) is not a program the rules name (sshd)');
  // A kernel thread: no executable, no command line.
  assert.match(foreignReason(proc(2, undefined), initScript) ?? '', /^pid 2 \(unknown program\) is not a program/);
  // `matching` that does not match is no excuse.
  assert.ok(foreignReason(sshd, { ...initScript, matching: '^/usr/sbin/mosquitto' }));
});

void test('PID 1 and brokerwatch itself never are the broker, whatever the rules say', () => {
  const init = proc(1, '/usr/lib/systemd/systemd', '/sbin/init');
  assert.equal(
    foreignReason(init, { words: ['init', 'systemd'] }),
    'pid 1 (/usr/lib/systemd/systemd) is the init process',
  );
  const self = proc(process.pid, process.execPath, process.execPath);
  assert.match(foreignReason(self, { words: ['node'] }) ?? '', /is brokerwatch itself$/);
});

void test("a pidfile an ordinary user wrote vouches only for that user's processes", () => {
  // The broker's user (uid 107) points the pidfile at a root process that has the broker's name.
  assert.equal(
    foreignReason(MOSQUITTO, initScript, { pidfile: 107, process: 0 }),
    'pid 4711 (/usr/sbin/mosquitto) runs as uid 0, but the pidfile belongs to uid 107',
  );
  assert.equal(foreignReason(MOSQUITTO, initScript, { pidfile: 107, process: 107 }), undefined);
  // root's pidfile may name any user's broker (start-stop-daemon writes it before mosquitto drops root).
  assert.equal(foreignReason(MOSQUITTO, initScript, { pidfile: 0, process: 107 }), undefined);
});

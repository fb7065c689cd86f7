// A real Prometheus (Debian's) scraping three brokerwatch daemons (the shipped bundle, as processes),
// each supervising its own mosquitto, with config/prometheus.yml as documented: its job, basic auth
// with a read-only user of `set httpd`, and the recording and alerting rules of config/. Only the
// targets, a 1 s scrape and evaluation interval, and the alerts' `for:` (minutes long as documented,
// 5 s in this copy) differ. All three targets come up with a service each; then one broker is
// SIGKILLed whose daemon cannot start it again (its start program fails), and Prometheus shows the
// failure in a query, in the recording rules, and as BrokerServiceFailed firing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerSpec } from '../daemon/harness.js';
import {
  ChildDaemon,
  Cleanup,
  brokerRules,
  brokerSpec,
  brokerStartedOutside,
  pidIn,
  servingBroker,
  signal,
  testDir,
  writeRules,
} from '../daemon/harness.js';
import { MOSQUITTO_BIN } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { PromSample } from './server.js';
import { Prometheus, writeTestConfig } from './server.js';

const LIMIT = { timeout: 240_000 };
const SCRAPER = { user: 'prometheus', password: 'scr4pe-Secret-pw' };
const ALERT_FOR_S = 5;
/** How long Prometheus may take to see a change: scrapes and evaluations every second, on a busy machine. */
const SEEN_MS = 60_000;

interface Host {
  readonly name: string;
  readonly broker: BrokerSpec;
  readonly target: string;
  daemon?: ChildDaemon;
}

interface TargetDto {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError: string;
}

interface RuleDto {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health: string;
  readonly lastError?: string;
  readonly duration?: number;
  readonly alerts?: ReadonlyArray<{ labels: Record<string, string>; state: string; activeAt: string }>;
}

/** The rules file of one daemon: its status server for Prometheus, and its broker. */
function hostRules(dir: string, h: Host, port: number, startProgram?: string): string {
  const broker = startProgram === undefined ? h.broker : { ...h.broker, startCommand: startProgram };
  return [
    'set daemon 1',
    `set statefile ${join(dir, `${h.name}.state.json`)}`,
    `set httpd port ${port} address 127.0.0.1`,
    `  allow ${SCRAPER.user}:${SCRAPER.password} read-only`,
    brokerRules(broker, [
      `if failed host 127.0.0.1 port ${h.broker.port} protocol mqtt with timeout 1 seconds then restart`,
    ]),
  ].join('\n');
}

const byService = (samples: readonly PromSample[]): Record<string, string> =>
  Object.fromEntries(samples.map((s) => [s.metric.service ?? '', s.value[1]]));

void describe('Prometheus scraping three daemons with config/prometheus.yml', LIMIT, () => {
  const cleanup = new Cleanup();
  const hosts: Host[] = [];
  let prom: Prometheus;
  let failing: Host;

  before(async () => {
    const dir = await testDir(cleanup, 'brokerwatch-prometheus-');
    for (const name of ['alpha', 'beta', 'gamma']) {
      const broker = await brokerSpec(dir, `broker-${name}`, cleanup);
      hosts.push({ name, broker, target: `127.0.0.1:${await freePort()}` });
    }
    failing = hosts[2] as Host;
    // gamma's broker runs before its daemon, which adopts it: its own start program only fails.
    await brokerStartedOutside(failing.broker);
    for (const h of hosts) {
      const file = join(dir, `${h.name}.rc`);
      const port = Number(h.target.split(':')[1]);
      // A start program that fails the way a broken install does: mosquitto without its config file.
      const broken = `${MOSQUITTO_BIN} -d -c ${join(h.broker.dir, 'missing.conf')}`;
      await writeRules(file, hostRules(dir, h, port, h === failing ? broken : undefined));
      h.daemon = await ChildDaemon.start(file, cleanup);
    }
    await Promise.all(hosts.map((h) => servingBroker(h.broker, { timeoutMs: 20_000 })));
    const promDir = join(dir, 'prometheus');
    await mkdir(promDir, { mode: 0o700 });
    await writeTestConfig(promDir, {
      targets: hosts.map((h) => h.target),
      password: SCRAPER.password,
      interval: '1s',
      alertFor: `${ALERT_FOR_S}s`,
    });
    prom = await Prometheus.start(promDir, cleanup);
  });
  after(() => cleanup.run());

  void test('all three targets are up, scraped with the documented job and basic auth', async () => {
    const targets = await waitFor(
      async () => {
        const d = await prom.api<{ activeTargets: TargetDto[] }>('targets?state=active');
        const mine = d.activeTargets.filter((t) => t.labels.job === 'brokerwatch');
        return mine.length === 3 && mine.every((t) => t.health === 'up') ? mine : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'three brokerwatch targets up' },
    );
    assert.deepEqual(targets.map((t) => t.labels.instance).sort(), hosts.map((h) => h.target).sort());
    for (const t of targets) assert.match(t.scrapeUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const up = await prom.query('up{job="brokerwatch"}');
    assert.deepEqual(
      up.map((s) => s.value[1]),
      ['1', '1', '1'],
    );
  });

  void test("brokerwatch_service_up has a series for each daemon's service, all 1; the rules load", async () => {
    const up = await waitFor(
      async () => {
        const s = await prom.query('brokerwatch_service_up{job="brokerwatch"}');
        return s.length === 3 && s.every((x) => x.value[1] === '1') ? s : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'every service up in Prometheus' },
    );
    assert.deepEqual(
      Object.fromEntries(up.map((s) => [s.metric.instance, [s.metric.service, s.metric.type]])),
      Object.fromEntries(hosts.map((h) => [h.target, [h.broker.name, 'process']])),
    );
    const rules = (await prom.api<{ groups: Array<{ name: string; rules: RuleDto[] }> }>('rules')).groups;
    assert.deepEqual(rules.map((g) => g.name).sort(), ['brokerwatch', 'brokerwatch-recording']);
    const all = rules.flatMap((g) => g.rules);
    assert.equal(all.filter((r) => r.type === 'alerting').length, 7);
    assert.equal(all.filter((r) => r.type === 'recording').length, 5);
    const failing = await waitFor(
      async () => {
        const s = await prom.query('instance:brokerwatch_services_failing:count');
        return s.length === 3 ? s : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'the recording rule for failing services' },
    );
    assert.deepEqual(
      failing.map((s) => s.value[1]),
      ['0', '0', '0'],
    );
    const bad = (await prom.api<{ groups: Array<{ rules: RuleDto[] }> }>('rules')).groups
      .flatMap((g) => g.rules)
      .filter((r) => r.health === 'err');
    assert.deepEqual(
      bad.map((r) => `${r.name}: ${r.lastError ?? ''}`),
      [],
    );
  });

  void test('a broker its daemon cannot restart: failing in a query, in the recording rules, and BrokerServiceFailed fires', async () => {
    const name = failing.broker.name;
    const pid = pidIn(failing.broker.pidfile);
    assert.ok(pid !== undefined, 'the adopted broker has a pidfile');
    assert.deepEqual(await prom.query('brokerwatch_service_up{job="brokerwatch"} == 0'), [], 'nothing fails before');
    signal(pid, 'SIGKILL');
    const down = await waitFor(
      async () => {
        const s = await prom.query(`brokerwatch_service_up{job="brokerwatch"} == 0`);
        return s.length > 0 ? s : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: `${name} failing in Prometheus` },
    );
    assert.deepEqual(
      down.map((s) => [s.metric.instance, s.metric.service]),
      [[failing.target, name]],
    );
    const counts = await waitFor(
      async () => {
        const s = await prom.query('instance:brokerwatch_services_failing:count');
        return s.some((x) => x.value[1] === '1') ? s : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'the recording rule counts the failing service' },
    );
    assert.deepEqual(
      Object.fromEntries(counts.map((s) => [s.metric.instance, s.value[1]])),
      Object.fromEntries(hosts.map((h) => [h.target, h === failing ? '1' : '0'])),
    );
    // Why: the failure counters say which classes happened; the start program's failure among them.
    const classes = await waitFor(
      async () => {
        const s = await prom.query(`brokerwatch_failures_total{service="${name}"} > 0`);
        return s.some((x) => x.metric.class === 'start-failed') ? s : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'a start-failed failure counted' },
    );
    assert.ok(classes.every((s) => s.metric.instance === failing.target));
    const firing = await waitFor(
      async () => {
        const groups = (await prom.api<{ groups: Array<{ rules: RuleDto[] }> }>('rules')).groups;
        const rule = groups.flatMap((g) => g.rules).find((r) => r.name === 'BrokerServiceFailed');
        return rule?.alerts?.some((a) => a.state === 'firing') ? rule : undefined;
      },
      { timeoutMs: SEEN_MS, intervalMs: 250, message: 'BrokerServiceFailed never fired' },
    );
    assert.equal(firing.duration, ALERT_FOR_S, 'the test copy of the rules has the short for:');
    assert.deepEqual(
      firing.alerts?.map((a) => [a.labels.instance, a.labels.service, a.labels.severity, a.state]),
      [[failing.target, name, 'critical', 'firing']],
    );
    // It was pending for `for:` first: activeAt is when it started to be pending.
    const alerts = await prom.api<{ alerts: Array<{ labels: Record<string, string>; activeAt: string }> }>('alerts');
    const active = alerts.alerts.find((a) => a.labels.alertname === 'BrokerServiceFailed');
    assert.ok(active && Date.now() - Date.parse(active.activeAt) >= ALERT_FOR_S * 1000, JSON.stringify(active));
    // The other two stay healthy in Prometheus's eyes.
    const ups = byService(await prom.query('brokerwatch_service_up{job="brokerwatch"}'));
    assert.deepEqual(ups, { 'broker-alpha': '1', 'broker-beta': '1', [name]: '0' });
    assert.ok(pidIn(failing.broker.pidfile) === pid, 'nothing restarted the broker');
  });
});

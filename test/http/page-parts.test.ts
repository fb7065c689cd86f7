// The web page's parts on their own: the latency ring (slots, wrap-around, failures, the hour's
// edge), the SVG chart (scale, broken lines, failure and clipping marks, escaping), CSRF tokens (user binding,
// expiry, forgery) and the renderer's escaping, badges and the buttons each service is offered.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistory } from '../../src/http/latency-history.js';
import { formatMs, latencyChart, niceCeil, scaleTop, summarize } from '../../src/http/page/chart.js';
import { CsrfTokens } from '../../src/http/page/csrf.js';
import { escapeHtml, formatDuration } from '../../src/http/page/html.js';
import { badge, processActions, renderPage } from '../../src/http/page/render.js';
import type { ServiceDto, StatusDto } from '../../src/http/dto.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

void describe('LatencyHistory', () => {
  void test('folds samples into 30 s slots: count, average, max, failures', () => {
    const h = new LatencyHistory();
    h.add('b', 'port 1883', T0 + 1_000, 2, false);
    h.add('b', 'port 1883', T0 + 2_000, 4, false);
    h.add('b', 'port 1883', T0 + 3_000, undefined, true);
    h.add('b', 'port 1883', T0 + 31_000, 10, false);
    const s = h.series('b', T0 + 60_000);
    assert.equal(s.slotMs, 30_000);
    assert.equal(s.test, 'port 1883');
    assert.deepEqual(s.points, [
      { t: T0, count: 2, probes: 3, avgMs: 3, maxMs: 4, failures: 1 },
      { t: T0 + 30_000, count: 1, probes: 1, avgMs: 10, maxMs: 10, failures: 0 },
    ]);
  });

  void test('keeps one hour: older slots drop out, and a slot reused after the wrap starts clean', () => {
    const h = new LatencyHistory();
    h.add('b', 't', T0, 5, false);
    h.add('b', 't', T0 + 3_600_000, 7, false); // the same ring position, an hour later
    const s = h.series('b', T0 + 3_600_000 + 1);
    assert.deepEqual(
      s.points.map((p) => [p.t, p.avgMs]),
      [[T0 + 3_600_000, 7]],
    );
    assert.equal(h.series('b', T0 + 2 * 3_600_000 + 30_000).points.length, 0, 'nothing within the last hour');
    assert.deepEqual(h.series('nobody', T0), {
      from: T0 - 3_600_000,
      to: T0,
      slotMs: 30_000,
      test: null,
      points: [],
      gapMs: 45_000,
    });
  });

  void test('a slot whose probes all failed has no latency, only failures', () => {
    const h = new LatencyHistory();
    h.add('b', 't', T0, undefined, true);
    assert.deepEqual(h.series('b', T0 + 1).points, [
      { t: T0, count: 0, probes: 1, avgMs: null, maxMs: null, failures: 1 },
    ]);
    h.retain(new Set(['other']));
    assert.equal(h.series('b', T0 + 1).points.length, 0, 'retain forgets removed services');
  });

  void test('a probe that answered too slowly is a failure with its time: the chart shows how slow', () => {
    const h = new LatencyHistory();
    const rule = {
      id: 'r1',
      condition: {
        kind: 'port',
        host: '127.0.0.1',
        port: 1883,
        transport: 'tcp',
        timeoutMs: 1000,
        retry: 1,
        protocol: 'mqtt',
      },
    };
    const service = { name: 'b', rules: [rule] } as unknown as Parameters<LatencyHistory['record']>[0]['service'];
    h.record({
      service,
      results: [{ ruleId: 'r1', status: 'failed', class: 'latency', message: 'slow', metrics: { totalMs: 900 } }],
      dueAt: T0,
      startedAt: T0,
      finishedAt: T0 + 900,
    });
    h.record({
      service,
      results: [{ ruleId: 'r1', status: 'failed', class: 'port-closed', message: 'refused', metrics: { totalMs: 1 } }],
      dueAt: T0 + 1000,
      startedAt: T0 + 1000,
      finishedAt: T0 + 1001,
    });
    assert.deepEqual(h.series('b', T0 + 2000).points, [
      { t: T0, count: 1, probes: 2, avgMs: 900, maxMs: 900, failures: 2 },
    ]);
    assert.equal(h.series('b', T0 + 2000).test, 'port 1883 protocol mqtt');
  });

  void test("the line breaks only at a gap longer than the service's own cycle", () => {
    const h = new LatencyHistory();
    for (let i = 0; i < 10; i++) h.add('b', 't', T0 + i * 120_000, 5, false); // set daemon 120
    const s = h.series('b', T0 + 10 * 120_000);
    assert.equal(s.gapMs, 180_000);
    const svg = latencyChart(s, 'x');
    assert.equal(svg.match(/<polyline class="avg"/g)?.length, 1, 'one line, not dots');
    assert.doesNotMatch(svg, /avg-dot/);
  });

  void test('saved and read back: the same series; a file of another shape is ignored', () => {
    const h = new LatencyHistory();
    for (let i = 0; i < 5; i++) h.add('b', 'port 1883', T0 + i * 1000, 2 + i, i === 3);
    const file = JSON.parse(JSON.stringify(h.toFile())) as unknown;
    const back = new LatencyHistory();
    back.restore(file);
    assert.deepEqual(back.series('b', T0 + 10_000), h.series('b', T0 + 10_000));
    for (const odd of [
      null,
      'x',
      { ...(file as object), slotMs: 10_000 },
      { ...(file as object), services: { b: { test: 't', lastAt: 1, intervalMs: 1, data: 'AAAA' } } },
    ]) {
      const other = new LatencyHistory();
      other.restore(odd);
      assert.equal(other.series('b', T0 + 10_000).points.length, 0, JSON.stringify(odd).slice(0, 60));
    }
  });
});

void describe('the latency chart', () => {
  void test('nice scales and readable times', () => {
    assert.deepEqual([0.3, 1, 3, 7, 12, 99, 1001].map(niceCeil), [0.5, 1, 5, 10, 20, 100, 2000]);
    assert.deepEqual([0.25, 9.96, 12.4, 999, 999.6, 1500, 9_960, 12_000].map(formatMs), [
      '0.3 ms',
      '10 ms',
      '12 ms',
      '999 ms',
      '1.0 s',
      '1.5 s',
      '10 s',
      '12 s',
    ]);
    assert.equal(formatDuration(3 * 86_400 + 4 * 3_600 + 5), '3d 4h');
    assert.equal(formatDuration(65), '1m 5s');
  });

  void test('a line per run of slots, broken by a gap; failures marked; scale from the slowest', () => {
    const h = new LatencyHistory();
    for (const i of [0, 1, 2, 5, 6]) h.add('b', 't', T0 + i * 30_000, 4 + i, false);
    h.add('b', 't', T0 + 9 * 30_000, undefined, true);
    h.add('b', 't', T0 + 10 * 30_000, 40, false);
    const s = h.series('b', T0 + 11 * 30_000);
    const svg = latencyChart(s, 'Probe latency of <b>');
    assert.equal(svg.match(/<polyline class="avg"/g)?.length, 2, 'two runs of slots');
    assert.equal(svg.match(/<circle class="avg-dot"/g)?.length, 1, 'a lone slot is a dot');
    assert.equal(svg.match(/<rect class="fail"/g)?.length, 1);
    assert.match(svg, />50 ms<\/text>/, 'the scale tops at a nice value above 40 ms');
    assert.match(svg, /<title>Probe latency of &lt;b&gt;<\/title>/);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    const sum = summarize(s);
    assert.deepEqual(sum, { median: 6, max: 40, failures: 1, samples: 7 });
  });

  void test('one spike does not flatten the hour: the scale follows the averages and the 90th percentile of the slowest', () => {
    const h = new LatencyHistory();
    for (let i = 0; i < 20; i++) h.add('b', 't', T0 + i * 30_000, 3 + (i % 3), false);
    h.add('b', 't', T0 + 20 * 30_000, 300, false);
    h.add('b', 't', T0 + 20 * 30_000 + 1, 1, false);
    const s = h.series('b', T0 + 21 * 30_000);
    assert.equal(scaleTop(s), 200, 'the spike slot averages 150 ms: it must fit, its 300 ms maximum need not');
    const quiet = new LatencyHistory();
    for (let i = 0; i < 20; i++) quiet.add('b', 't', T0 + i * 30_000, 3 + (i % 3), false);
    quiet.add('b', 't', T0 + 20 * 30_000, 1, false);
    quiet.add('b', 't', T0 + 20 * 30_000 + 1, 1, false);
    quiet.add('b', 't', T0 + 20 * 30_000 + 2, 298, false);
    assert.equal(
      scaleTop(quiet.series('b', T0 + 21 * 30_000)),
      100,
      'average 100 ms sets it; the 298 ms maximum is drawn clipped',
    );
    assert.match(latencyChart(quiet.series('b', T0 + 21 * 30_000), 'x'), />100 ms<\/text>/);
  });

  void test('a slowest probe above the scale is marked at the top and named in the label of the chart', () => {
    const h = new LatencyHistory();
    for (let i = 0; i < 20; i++) h.add('b', 't', T0 + i * 30_000, 3 + (i % 3), false);
    h.add('b', 't', T0 + 20 * 30_000, 1, false);
    h.add('b', 't', T0 + 20 * 30_000 + 1, 1, false);
    h.add('b', 't', T0 + 20 * 30_000 + 2, 298, false);
    const svg = latencyChart(h.series('b', T0 + 21 * 30_000), 'Probe latency of b');
    assert.equal(svg.match(/<path class="clipped"/g)?.length, 1, 'one caret, on the clipped slot');
    assert.match(svg, /<path class="clipped" d="[^"]+"><title>slowest 298 ms, above the scale<\/title><\/path>/);
    assert.match(
      svg,
      /aria-label="Probe latency of b; 1 slot above the scale of 100 ms, the slowest 298 ms"/,
      'a screen reader hears it',
    );
    // Nothing clipped, nothing marked.
    const calm = new LatencyHistory();
    for (let i = 0; i < 5; i++) calm.add('b', 't', T0 + i * 30_000, 3, false);
    const plain = latencyChart(calm.series('b', T0 + 6 * 30_000), 'Probe latency of b');
    assert.doesNotMatch(plain, /class="clipped"|above the scale/);
    assert.match(plain, /aria-label="Probe latency of b"/);
  });

  void test('an empty hour draws axes only', () => {
    const svg = latencyChart(new LatencyHistory().series('x', T0), 'empty');
    assert.doesNotMatch(svg, /polyline|circle|class="fail"/);
    assert.match(svg, />now<\/text>/);
  });
});

void describe('CSRF tokens', () => {
  void test('bound to the user, to this server, and to 12 hours', () => {
    let now = T0;
    const key = Buffer.alloc(32, 7);
    const tokens = new CsrfTokens({ key, now: () => now });
    const t = tokens.issue('admin');
    assert.ok(tokens.verify('admin', t));
    assert.equal(tokens.verify('ops', t), false, 'another user');
    assert.equal(new CsrfTokens({ now: () => now }).verify('admin', t), false, 'another server (a new key)');
    for (const bad of [
      undefined,
      42,
      '',
      '.',
      'abc',
      `${t}x`,
      t.replace(/^[^.]+/, (T0 + 1).toString(36)),
      'x'.repeat(300),
    ])
      assert.equal(tokens.verify('admin', bad), false, String(bad));
    // Rightly signed, but issued in the future (a clock set back since): refused.
    const future = new CsrfTokens({ key, now: () => T0 + 3_600_000 }).issue('admin');
    assert.equal(tokens.verify('admin', future), false, 'issued in the future');
    now = T0 + 12 * 3_600_000;
    assert.ok(tokens.verify('admin', t), 'still good at 12 h');
    now += 1;
    assert.equal(tokens.verify('admin', t), false, 'expired');
  });
});

function svc(over: Partial<ServiceDto> = {}): ServiceDto {
  return {
    name: 'mosquitto',
    type: 'process',
    status: 'ok',
    failure: null,
    monitor: 'monitored',
    monitorSince: T0,
    mode: 'active',
    pid: 42,
    uptimeSeconds: 3600,
    cpuPercent: null,
    memoryBytes: null,
    memoryPercent: null,
    restarts: 0,
    action: null,
    pending: null,
    backoff: { attempts: 0, gaveUp: false, retryAt: null },
    lastCheckAt: T0,
    ownProblem: null,
    probe: {},
    checks: [],
    ...over,
  };
}

const DAEMON: StatusDto['daemon'] = {
  name: 'brokerwatch',
  version: '1',
  pid: 1,
  host: 'h',
  startedAt: T0,
  uptimeSeconds: 5,
  rulesFile: '/etc/b.rc',
  cycleSeconds: 1,
};

void describe('the page renderer', () => {
  void test('badges say what is going on, in monit words', () => {
    assert.deepEqual(badge(svc(), T0), { text: 'ok', cls: 'ok' });
    assert.deepEqual(badge(svc({ status: 'failed' }), T0), { text: 'failed', cls: 'failed' });
    assert.deepEqual(badge(svc({ monitor: 'not-monitored', status: 'failed' }), T0), {
      text: 'not monitored',
      cls: 'off',
    });
    assert.deepEqual(badge(svc({ action: 'restart' }), T0), { text: 'restarting…', cls: 'busy' });
    assert.deepEqual(badge(svc({ status: 'failed', pending: { action: 'restart', dueAt: T0 + 4_000 } }), T0), {
      text: 'restart in 4s',
      cls: 'busy',
    });
    assert.deepEqual(badge(svc({ status: 'failed', backoff: { attempts: 5, gaveUp: true, retryAt: T0 } }), T0), {
      text: 'gave up',
      cls: 'failed',
    });
    assert.deepEqual(badge(svc({ status: 'unknown', monitor: 'initializing' }), T0), {
      text: 'initializing',
      cls: 'off',
    });
  });

  void test('Start is offered to a stopped process only, Stop to a running one only', () => {
    assert.deepEqual(processActions(svc({ pid: 4711, lastCheckAt: T0 })), ['restart', 'stop']);
    assert.deepEqual(processActions(svc({ pid: null, lastCheckAt: T0 })), ['start']);
    assert.deepEqual(processActions(svc({ pid: null, lastCheckAt: null })), ['restart'], 'not looked at yet');
    assert.deepEqual(processActions(svc({ type: 'host', pid: null, lastCheckAt: T0 })), []);
    const page = (s: ServiceDto): string =>
      renderPage({
        status: { daemon: DAEMON, services: [s] },
        events: [],
        charts: new Map(),
        viewer: { user: 'admin', readOnly: false },
        csrf: 't',
        now: T0,
        assets: { css: '/c.css', js: '/j.js', icon: '/i.svg', iconFailed: '/f.svg' },
      });
    const running = page(svc({ pid: 4711, lastCheckAt: T0 }));
    assert.match(running, /value="stop"/);
    assert.doesNotMatch(running, /value="start"/);
    const stopped = page(svc({ pid: null, lastCheckAt: T0, status: 'failed' }));
    assert.match(stopped, /value="start"/);
    assert.doesNotMatch(stopped, /value="stop"|value="restart"/);
  });

  void test('everything from the daemon is escaped', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const status: StatusDto = {
      daemon: {
        name: 'brokerwatch',
        version: '1',
        pid: 1,
        host: evil,
        startedAt: T0,
        uptimeSeconds: 5,
        rulesFile: `/etc/${evil}`,
        cycleSeconds: 1,
      },
      services: [
        svc({
          status: 'failed',
          failure: { rule: 'r1', type: 'connection', class: 'port-closed', message: evil, since: T0 },
        }),
      ],
    };
    const html = renderPage({
      status,
      events: [
        {
          id: 1,
          service: 'mosquitto',
          type: 'connection',
          state: 'failed',
          action: 'restart',
          class: 'port-closed',
          message: evil,
          time: T0,
        },
      ],
      charts: new Map(),
      viewer: { user: evil, readOnly: false },
      csrf: '"><script>',
      now: T0,
      assets: { css: '/c.css', js: '/j.js', icon: '/i.svg', iconFailed: '/f.svg' },
    });
    assert.doesNotMatch(html, /<img|<script>|onerror=alert\(1\)>/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;"/);
    assert.match(html, /<title>\(1 failed\) brokerwatch on /);
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });
});

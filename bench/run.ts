// `npm run bench`: every benchmark, printed as tables, brokerwatch beside monit 5.33 when it is
// installed. Sections are named on the command line (`node dist/bench/run.js cli http`) or in
// BENCH_SECTIONS (default "kill,liveness,idle,hang,latency,http,alerts,soak,isolation,scale,httpscale,cli,page,
// observers").
// Environment: BENCH_RUNS (kills and hangs per case, default 12), BENCH_IDLE_S (default 60),
// BENCH_SOAK_S (default 600), BENCH_SCALE_S (default 60), BENCH_SCALE_N (services, default 500),
// BENCH_ONLY=brokerwatch to skip monit. With monit, `isolation` takes about 3 minutes and `scale`
// about 2.5 (60 s per supervisor plus start-up). BENCH_CLI_RUNS: runs of each command in `cli`
// (default 20). BENCH_PAGE_RUNS: starts of brokerwatch in `page` (default 10). `protocols` (not in the
// default list): each protocol's probe BENCH_PROTOCOL_RUNS times (default 200) on loopback. `fleet`
// (not in the default list; about 2.5 minutes): BENCH_FLEET_DAEMONS simulated daemons (default 200) × 5
// services read by `brokerwatch fleet --json` BENCH_FLEET_RUNS times (default 10), and the daemon's idle
// cost without and with `set fleet` (BENCH_IDLE_S each).
// `httpscale`: BENCH_HTTPSCALE_N `check host` HTTP checks (default 200) at a 1 s cycle for
// BENCH_HTTPSCALE_S seconds (default 60): schedule lag, sockets and RSS every 10 s, CPU
// (BENCH_HTTPSCALE_NICE=-10: the daemon and its reference timer at that nice value). BENCH_NODE_ARGS:
// node's options for every brokerwatch a section starts (`--cpu-prof --cpu-prof-dir=DIR` profiles it).
import { alertLatencyBench } from './alerts.js';
import { cliStartBench, startCells } from './cli-start.js';
import { fleetBench } from './fleet.js';
import { GIVE_UP_MS, hangBench } from './hang.js';
import { httpBench } from './http.js';
import { httpScaleBench } from './http-scale.js';
import { isolationBench } from './isolation.js';
import type { HangKind } from './isolation.js';
import { latencyBench } from './latency.js';
import { livenessBench } from './liveness.js';
import { observersBench } from './observers.js';
import { pageStartBench } from './page-start.js';
import { protocolBench } from './protocols.js';
import type { HangRule } from './hang.js';
import { bucketMs, freePort, histogramQuantile, monitAvailable, ms, stats, table } from './lib.js';
import type { Stats } from './lib.js';
import type { PromHistogram } from './lib.js';
import { scaleBench } from './scale.js';
import { soakBench } from './soak.js';
import { HOST_SERVICES, idleSideBySide, killBench } from './supervision.js';

const named = process.argv.slice(2).flatMap((a) => a.split(','));
const sections = new Set(
  named.length > 0
    ? named
    : (
        process.env.BENCH_SECTIONS ??
        'kill,liveness,idle,hang,latency,http,alerts,soak,isolation,scale,httpscale,cli,page,observers'
      ).split(','),
);
const runs = Number(process.env.BENCH_RUNS ?? 12);
const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 60);
const soakSeconds = Number(process.env.BENCH_SOAK_S ?? 600);
const scaleSeconds = Number(process.env.BENCH_SCALE_S ?? 60);
const scaleServices = Number(process.env.BENCH_SCALE_N ?? 500);
const kinds: ('brokerwatch' | 'monit')[] =
  process.env.BENCH_ONLY === 'brokerwatch' || !monitAvailable() ? ['brokerwatch'] : ['brokerwatch', 'monit'];
// Each kill comes after the broker has served through at least one full cycle (1 s), so that it is a
// fresh crash and not a crash loop, for both supervisors alike; a random part picks the phase.
const spacingMs = 1_500;
const note = (s: string): boolean => process.stderr.write(`${s}\n`);
const row = (who: string, what: string, v: number[]): string[] => {
  const s = stats(v);
  return [who, what, String(s.n), ms(s.min), ms(s.median), ms(s.p90), ms(s.max)];
};
const HEADER = ['supervisor', 'measure', 'n', 'min', 'median', 'p90', 'max'];
/** "p99 / max" of a schedule-lag histogram, as bucket upper bounds, with its count. */
const lagCell = (h: PromHistogram | undefined): string =>
  h ? `${bucketMs(histogramQuantile(h, 0.99))} / ${bucketMs(histogramQuantile(h, 1))} (n ${h.count})` : '–';

if (sections.has('kill')) {
  const rows: string[][] = [];
  for (const k of kinds) {
    note(`kill benchmark: ${k}, ${runs} runs …`);
    const r = await killBench(k, runs, spacingMs);
    rows.push(row(k, 'kill → start program run', r.detect), row(k, 'kill → CONNACK from new broker', r.serving));
  }
  table('SIGKILL of mosquitto (`set daemon 1`, random phase of the cycle)', HEADER, rows);
  console.log('\nTargets: kill → start median ≤ 50 ms; kill → serving median ≤ 100 ms, p90 ≤ 200 ms.');
}

if (sections.has('observers')) {
  note('observers benchmark …');
  const r = await observersBench(Number(process.env.BENCH_OBSERVER_CYCLES ?? 2000));
  table(
    'CPU per cycle of a service whose type observes (its reading and all its rules)',
    ['type', 'rules', 'µs per cycle'],
    r.map((x) => [x.type, String(x.rules), x.usPerCycle.toFixed(0)]),
  );
}

if (sections.has('liveness')) {
  note(`liveness benchmark: ${runs * 2} kills …`);
  const r = await livenessBench(runs * 2);
  const line = (what: string, v: Stats): string[] => [what, String(v.n), ms(v.min), ms(v.median), ms(v.p90), ms(v.max)];
  table(
    'The crash detector alone: SIGKILL → liveness event (one shared 25 ms tick, pread() of an open /proc/PID/stat)',
    ['process', 'n', 'min', 'median', 'p90', 'max'],
    [line('child of the daemon', r.child), line('daemonized (child of init)', r.daemonized)],
  );
  console.log(`\nCost of a tick: ${r.usPerPidTick.toFixed(2)} µs per watched PID (${r.pids} PIDs).`);
  console.log('Targets: SIGKILL → event p90 ≤ 50 ms; a tick under 50 µs per PID ("a syscall, not a /proc scan").');
}

if (sections.has('idle')) {
  // Each case with every supervisor here measured over the same window (one after the other, a busy
  // minute would fall on one of them only).
  const cases: [string, string, () => Promise<readonly string[]>][] = [
    ['one broker probed every second', '', () => Promise.resolve([])],
    // The same broker rule with the host and its root file system watched too, as servers do.
    [
      'the broker plus check system and check filesystem, every second',
      ' with check system and check filesystem',
      () => Promise.resolve(HOST_SERVICES),
    ],
    // The broker rule with the status server on, as the CLI (theirs and ours) needs it.
    [
      'one broker probed every second, with set httpd',
      ' with set httpd',
      async () => [`set httpd port ${await freePort()} address 127.0.0.1`, '  allow admin:monit'],
    ],
  ];
  for (const [title, what, extra] of cases) {
    note(`idle benchmark${what}: ${kinds.join(' and ')}${kinds.length > 1 ? ' side by side' : ''}, ${idleSeconds} s …`);
    const lines = new Map<string, readonly string[]>();
    for (const k of kinds) lines.set(k, await extra());
    const r = await idleSideBySide(kinds, idleSeconds, (k) => lines.get(k) ?? []);
    table(
      `Idle cost, ${title} (${idleSeconds} s)`,
      ['supervisor', 'CPU (% of a core)', 'RSS (max)'],
      kinds.map((k) => [k, `${r[k].cpuPercent.toFixed(2)} %`, `${r[k].rssMb.toFixed(1)} MB`]),
    );
  }
  console.log("\nTargets: CPU at or below monit's over the same window; RSS ≤ 50 MB.");
}

if (sections.has('hang')) {
  const rows: string[][] = [];
  const cases: [string, HangRule, boolean][] = [
    ['connect', 'connect', false],
    ['connect', 'connect', true],
    ['roundtrip', 'roundtrip', false],
    ['roundtrip', 'roundtrip', true],
  ];
  for (const k of kinds) {
    for (const [label, rule, early] of cases) {
      if (k === 'monit' && rule === 'roundtrip') continue; // monit has no round trip
      note(`hang benchmark: ${k}, ${label}${early ? ', 1–2 s after a restart' : ''}, ${runs} runs …`);
      const v = await hangBench(k, rule, runs, early);
      const ok = v.filter(Number.isFinite);
      const lost = v.length - ok.length;
      const what = `SIGSTOP → serving, ${label === 'connect' ? 'protocol mqtt' : 'roundtrip qos 1'}${early ? ', 1–2 s after a restart' : ''}`;
      rows.push([...row(k, what, ok), lost ? `${lost} of ${v.length}` : '0']);
    }
  }
  table(
    'Hung broker (SIGSTOP; `set daemon 1`, probe `with timeout 1 seconds`)',
    [...HEADER, `not back in ${GIVE_UP_MS / 1000} s`],
    rows,
  );
  console.log('\nTargets: median ≤ 1.2 s; ≤ 1.5 s when the hang comes 1–2 s after a restart.');
}

if (sections.has('latency')) {
  const n = Number(process.env.BENCH_LATENCY_RUNS ?? 200);
  note(`latency benchmark: ${n} probes per QoS …`);
  const res = await latencyBench(n);
  const rows = res.flatMap((r) => {
    const t = stats(r.totalMs);
    const d = stats(r.deliveryMs);
    return [[`QoS ${r.qos}`, String(t.n), ms(t.median), ms(t.p99), ms(d.median), ms(d.p99)]];
  });
  table(
    'Round-trip probe on loopback (connect, subscribe, publish, receive, disconnect)',
    ['QoS', 'n', 'total median', 'total p99', 'delivery median', 'delivery p99'],
    rows,
  );
}

if (sections.has('http')) {
  note('status API benchmark: 10 s of load …');
  const r = await httpBench(10);
  table(
    'GET /api/v1/status, 20 services probed every second (autocannon, 20 connections, same machine)',
    ['requests/s', 'p50', 'p99', 'errors'],
    [[r.reqPerSec.toFixed(0), ms(r.p50Ms), ms(r.p99Ms), String(r.errors)]],
  );
  console.log('\nTarget: ≥ 5,000 req/s, p99 ≤ 10 ms.');
}

if (sections.has('alerts')) {
  note(`alert benchmark: ${Math.max(10, runs)} crashes …`);
  const v = await alertLatencyBench(Math.max(10, runs));
  table('Crash → alert mail accepted by the SMTP server (SMTP up)', HEADER, [
    row('brokerwatch', 'SIGKILL → mail accepted', v),
  ]);
  console.log('\nTarget: ≤ 1 s.');
}

if (sections.has('soak')) {
  note(`soak: ${soakSeconds} s of 1 s round trips …`);
  const samples = await soakBench(soakSeconds, Math.max(1, Math.min(30, Math.round(soakSeconds / 20))));
  const first = samples[0];
  const last = samples[samples.length - 1];
  const maxRss = Math.max(...samples.map((s) => s.rssMb));
  const maxSockets = Math.max(...samples.map((s) => s.sockets));
  table(
    `Soak: a 1 s round trip for ${soakSeconds} s`,
    ['measure', 'start', 'end', 'max'],
    [
      ['open sockets', String(first?.sockets ?? '?'), String(last?.sockets ?? '?'), String(maxSockets)],
      ['RSS', `${first?.rssMb.toFixed(1) ?? '?'} MB`, `${last?.rssMb.toFixed(1) ?? '?'} MB`, `${maxRss.toFixed(1)} MB`],
    ],
  );
}

if (sections.has('isolation')) {
  const rows: string[][] = [];
  const cases: [HangKind, string][] = [
    ['check', 'a check: mqtt test, 30 s timeout'],
    ['start', 'a start program: sleep 30'],
  ];
  for (const k of kinds) {
    for (const [hang, label] of cases) {
      note(`isolation benchmark: ${k}, ${label} …`);
      const r = await isolationBench(k, hang);
      const delays = (v: number[]): string[] => {
        const s = stats(v);
        return [String(s.n), ms(s.median), ms(s.p90), ms(s.max)];
      };
      rows.push([k, 'nothing (the 6 s before)', ...delays(r.before), '–', lagCell(r.lagBefore)]);
      rows.push([
        k,
        label,
        ...delays(r.during),
        r.killToStart === undefined ? 'not started' : ms(r.killToStart),
        lagCell(r.lagDuring),
      ]);
    }
  }
  table(
    'One service hangs 30 s (`set daemon 1`): how late the 6 others ran (5 port tests, a program tick), and a SIGKILLed mosquitto',
    [
      'supervisor',
      'hanging',
      'gaps',
      'delay median',
      'delay p90',
      'delay max',
      'kill → broker start program',
      'schedule lag p99 / max (/metrics)',
    ],
    rows,
  );
  console.log(
    '\nDelay: a gap between two runs of one service that overlaps the hang, less the 1 s cycle. Target: no other service delayed > 50 ms.',
  );
}

if (sections.has('scale')) {
  const rows: string[][] = [];
  const cost: string[][] = [];
  const lags: PromHistogram[] = [];
  for (const k of kinds) {
    note(`scale benchmark: ${k}, ${scaleServices} services, ${scaleSeconds} s …`);
    const r = await scaleBench(k, scaleServices, scaleSeconds);
    const gapRow = (what: string, v: number[]): string[] => {
      const s = stats(v);
      return [k, what, String(s.n), ms(s.median), ms(s.p99), ms(s.max)];
    };
    if (r.lag) {
      const h = r.lag;
      lags.push(h);
      rows.push([
        k,
        'schedule lag (/metrics histogram, bucket upper bounds)',
        String(h.count),
        bucketMs(histogramQuantile(h, 0.5)),
        bucketMs(histogramQuantile(h, 0.99)),
        bucketMs(histogramQuantile(h, 1)),
      ]);
    }
    rows.push(
      gapRow(`gap between two runs of one port test (${r.portServices} services)`, r.serviceGaps),
      gapRow('gap between two runs of the tick program (last in the file)', r.tickGaps),
    );
    cost.push([k, String(r.services), `${r.cpuPercent.toFixed(1)} %`, `${r.rssMb.toFixed(1)} MB`]);
  }
  table(
    `${scaleServices} services on one daemon, \`set daemon 1\` (${scaleSeconds} s)`,
    ['supervisor', 'measure', 'n', 'p50', 'p99', 'max'],
    rows,
  );
  table('Its cost', ['supervisor', 'services', 'CPU (% of a core)', 'RSS (max)'], cost);
  for (const h of lags) {
    const onTime = h.buckets.find(([le]) => le === 0.05)?.[1] ?? 0;
    console.log(
      `\nbrokerwatch cycles started more than 50 ms late: ${(((h.count - onTime) / Math.max(1, h.count)) * 100).toFixed(1)} % of ${h.count}.`,
    );
  }
  console.log('\nTarget: schedule lag p99 ≤ 50 ms.');
}

if (sections.has('httpscale')) {
  const n = Math.max(1, Number(process.env.BENCH_HTTPSCALE_N ?? 200));
  const seconds = Math.max(10, Number(process.env.BENCH_HTTPSCALE_S ?? 60));
  note(`HTTP scale benchmark: ${n} HTTP checks, ${seconds} s …`);
  const nice = process.env.BENCH_HTTPSCALE_NICE;
  const r = await httpScaleBench(n, seconds, 10, nice ? Number(nice) : undefined);
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const sockets = r.samples.map((x) => x.sockets);
  const rss = r.samples.map((x) => x.rssMb);
  const mb = (v: number | undefined): string => (v === undefined ? '?' : `${v.toFixed(1)} MB`);
  const h = r.lag;
  const bucketCount = (x: PromHistogram, le: number): number => x.buckets.find(([b]) => b === le)?.[1] ?? 0;
  const pct = (part: number, all: number): string => `${((part / Math.max(1, all)) * 100).toFixed(2)} %`;
  table(
    `${r.services} \`protocol http\` checks (${r.servers} local servers), \`set daemon 1\`, ${Math.round(r.seconds)} s${nice ? `, nice ${nice}` : ''}`,
    ['measure', 'value'],
    [
      [
        'schedule lag p50 / p99 / max (bucket upper bounds)',
        `${bucketMs(histogramQuantile(h, 0.5))} / ${bucketMs(histogramQuantile(h, 0.99))} / ${bucketMs(histogramQuantile(h, 1))} (n ${h.count})`,
      ],
      [
        'the machine: a bare node timer every 5 ms, lateness p50 / p99 / max',
        `${ms(r.reference.p50)} / ${ms(r.reference.p99)} / ${ms(r.reference.max)} (n ${r.reference.n})`,
      ],
      [
        'at most 5 ms late: cycles · the bare timer',
        `${pct(bucketCount(h, 0.005), h.count)} · ${(r.reference.within5 * 100).toFixed(2)} %`,
      ],
      ['requests answered', `${r.requestsPerSecond.toFixed(1)} /s`],
      [
        `open sockets (every 10 s): start → end (min–max)`,
        `${first?.sockets ?? '?'} → ${last?.sockets ?? '?'} (${Math.min(...sockets)}–${Math.max(...sockets)})`,
      ],
      ['RSS: start → end (max)', `${mb(first?.rssMb)} → ${mb(last?.rssMb)} (${mb(Math.max(...rss))})`],
      ['CPU', `${r.cpuPercent.toFixed(1)} % of a core`],
      ['services down at the end', String(r.down)],
    ],
  );
  console.log('\nTarget: schedule lag p99 ≤ 5 ms; sockets at the end as at the start.');
}

if (sections.has('page')) {
  const n = Math.max(1, Number(process.env.BENCH_PAGE_RUNS ?? 10));
  note(`status page start benchmark: ${n} starts of brokerwatch on the demo rules …`);
  const r = await pageStartBench(n);
  const rows = [
    row('brokerwatch', 'first start, no compile cache: spawn → first 200 of /', [r.uncached.ms]),
    row('brokerwatch', 'first start: its CPU time until then', [r.uncached.cpuMs]),
    row('brokerwatch', 'spawn → first 200 of /', r.cached.firstPage),
    row('brokerwatch', 'its CPU time until then', r.cached.cpu),
    row('node', 'node -e 0 (exec to exit)', r.cached.node),
  ];
  if (r.withoutExtraCa)
    rows.push(
      row('brokerwatch', 'without NODE_EXTRA_CA_CERTS: spawn → first 200', r.withoutExtraCa.firstPage),
      row('brokerwatch', 'without NODE_EXTRA_CA_CERTS: CPU until then', r.withoutExtraCa.cpu),
      row('node', 'without NODE_EXTRA_CA_CERTS: node -e 0', r.withoutExtraCa.node),
    );
  table('`brokerwatch -I` on the demo rules: spawn → first 200 of GET / (polled every 5 ms)', HEADER, rows);
  console.log('\nTarget: the page answers within 300 ms of the start.');
}

if (sections.has('cli')) {
  const n = Math.max(20, Number(process.env.BENCH_CLI_RUNS ?? 20));
  note(`command start-up benchmark: ${n} runs of each command …`);
  const rows = await cliStartBench(n);
  table(
    "Command start-up, exec to exit (verbs against a running daemon; modules: files loaded, with the project's own)",
    ['command', 'case', 'n', 'median', 'p90', '× node -e 0', 'modules', 'packages loaded', 'exit'],
    rows.map(startCells),
  );
  console.log('\nTarget: every brokerwatch command within about 2× `node -e 0`.');
}

if (sections.has('protocols')) {
  const n = Math.max(10, Number(process.env.BENCH_PROTOCOL_RUNS ?? 200));
  note(`per-protocol probe latency: ${n} probes of each protocol on loopback …`);
  const figures = await protocolBench(n);
  table(
    'Per-protocol probe latency on loopback (one probe after another; CPU: this process, in-process peers included)',
    ['protocol', 'n', 'median', 'p99', 'max', 'CPU per probe', 'failed'],
    figures.map((f) => {
      const s = stats(f.totals);
      return [
        f.name,
        String(s.n),
        ms(s.median),
        ms(s.p99),
        ms(s.max),
        `${Math.round(f.cpuUsPerProbe)} µs`,
        String(f.failures),
      ];
    }),
  );
  for (const f of figures.filter((x) => x.firstFailure !== undefined)) console.log(`${f.name}: ${f.firstFailure}`);
}

if (sections.has('fleet')) {
  const daemons = Number(process.env.BENCH_FLEET_DAEMONS ?? 200);
  const n = Math.max(1, Number(process.env.BENCH_FLEET_RUNS ?? 10));
  note(`fleet benchmark: idle ${idleSeconds} s without and with set fleet, then ${daemons} daemons × 5 services …`);
  const r = await fleetBench(daemons, n, idleSeconds);
  const mb = (v: number): string => `${v.toFixed(1)} MB`;
  const mbCells = (v: number[]): string[] => {
    const s = stats(v);
    return [String(s.n), mb(s.min), mb(s.median), mb(s.p90), mb(s.max)];
  };
  table(
    `\`brokerwatch fleet --broker mqtt://127.0.0.1:PORT --json\`: ${r.daemons} daemons × 5 services retained on one mosquitto (${r.services} services of ${r.payloadBytes} B each; ${(r.outputBytes / 1e6).toFixed(1)} MB printed)`,
    ['measure', 'n', 'min', 'median', 'p90', 'max'],
    [
      ['spawn → whole output read', ...cellsMs(r.runs.map((x) => x.printMs))],
      ['spawn → exit', ...cellsMs(r.runs.map((x) => x.exitMs))],
      ['CPU time (user + system)', ...cellsMs(r.runs.map((x) => x.cpuMs))],
      ['peak RSS', ...mbCells(r.runs.map((x) => x.rssMb))],
      ['`node -e 0`: spawn → exit', ...cellsMs(r.node.map((x) => x.exitMs))],
      ['`node -e 0`: CPU time', ...cellsMs(r.node.map((x) => x.cpuMs))],
      ['`node -e 0`: peak RSS', ...mbCells(r.node.map((x) => x.rssMb))],
    ],
  );
  console.log(
    '\nTarget: the whole print within 1 s on loopback. It prints when its marker, published after the SUBACK, comes back behind the retained messages (after 0.3 s without one when the broker drops it).',
  );
  const idleRow = (what: string, x: { cpuPercent: number; rssMb: number }): string[] => [
    what,
    `${x.cpuPercent.toFixed(2)} %`,
    mb(x.rssMb),
  ];
  table(
    `Idle cost of \`set fleet\`, one broker probed every second (${idleSeconds} s each, one after the other)`,
    ['rules', 'CPU (% of a core)', 'RSS (max)'],
    [
      idleRow('without set fleet', r.idleWithout),
      idleRow('with set fleet', r.idleWith),
      [
        'difference',
        `${(r.idleWith.cpuPercent - r.idleWithout.cpuPercent).toFixed(2)} %`,
        mb(r.idleWith.rssMb - r.idleWithout.rssMb),
      ],
    ],
  );
}

function cellsMs(v: number[]): string[] {
  const s = stats(v);
  return [String(s.n), ms(s.min), ms(s.median), ms(s.p90), ms(s.max)];
}

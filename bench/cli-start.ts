// How long a `brokerwatch` command takes from exec to exit, beside Node's own start (`node -e 0`) and
// monit's (`monit -t`, `monit -V`): `-t`, `-V`, `--help` and the verbs against a running daemon.
// Runs are interleaved (one of each case per round), so a busy machine slows every case alike; each
// brokerwatch row also says how many modules the command loaded (cli-modules.ts), the cause of
// most of its time. Target: every command within about twice Node's own start.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, modulesLoaded } from './cli-modules.js';
import { MONIT, freePort, monitAvailable, ms, startBrokerwatch, stats, waitHttp } from './lib.js';
import type { Supervisor } from './lib.js';

interface Case {
  readonly who: 'node' | 'brokerwatch' | 'monit';
  readonly what: string;
  readonly argv: readonly string[];
  /** brokerwatch's own arguments, for the module count. */
  readonly cliArgs?: readonly string[];
}

/** One row of the table: times in ms, and for brokerwatch the modules behind them. */
export interface StartRow {
  readonly who: string;
  readonly what: string;
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  /** Median divided by `node -e 0`'s. */
  readonly ratio: number;
  /** `project files / package files`, and the packages by name. */
  readonly modules?: { readonly project: number; readonly total: number; readonly packages: readonly string[] };
  /** Exit codes seen (a verb that failed would time a different path). */
  readonly exits: readonly (number | null)[];
}

const USER = 'admin:bench-start';

/** Times every case `runs` times; starts a daemon for the verbs and stops it again. */
export async function cliStartBench(runs: number): Promise<StartRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-cli-'));
  let daemon: Supervisor | undefined;
  try {
    const port = await freePort();
    const rules = join(dir, 'brokerwatch.rc');
    const service = ['check program tick with path "/bin/true"', '  if status != 0 then alert'];
    await writeFile(
      rules,
      [
        'set daemon 60',
        `set statefile ${join(dir, 'state.json')}`,
        `set httpd port ${port} address 127.0.0.1`,
        `  allow ${USER}`,
        ...service,
        '',
      ].join('\n'),
    );
    await chmod(rules, 0o600);
    const monitRc = join(dir, 'monitrc');
    await writeFile(
      monitRc,
      [`set idfile ${join(dir, 'monit.id')}`, `set statefile ${join(dir, 'monit.state')}`, ...service, ''].join('\n'),
    );
    await chmod(monitRc, 0o600);
    daemon = await startBrokerwatch(rules, join(dir, 'brokerwatch.log'));
    await waitHttp(`http://127.0.0.1:${port}/api/v1/status`, USER, 20_000);

    const bw = (what: string, ...args: string[]): Case => ({
      who: 'brokerwatch',
      what,
      argv: [process.execPath, CLI_BIN, ...args],
      cliArgs: args,
    });
    const cases: Case[] = [
      { who: 'node', what: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      bw('-V', '-V'),
      bw('--help', '--help'),
      bw('-t', '-c', rules, '-t'),
      bw('status', '-c', rules, 'status'),
      bw('summary', '-c', rules, 'summary'),
      bw('monitor tick', '-c', rules, 'monitor', 'tick'),
      ...(monitAvailable()
        ? [
            { who: 'monit', what: 'monit -t', argv: [MONIT, '-c', monitRc, '-t'] } as const,
            { who: 'monit', what: 'monit -V', argv: [MONIT, '-V'] } as const,
          ]
        : []),
    ];
    const times = cases.map((): number[] => []);
    const exits = cases.map((): Set<number | null> => new Set());
    for (let round = 0; round < runs; round++) {
      cases.forEach((c, i) => {
        const [cmd, ...args] = c.argv;
        const t0 = performance.now();
        const r = spawnSync(cmd ?? '', args, { stdio: 'ignore', timeout: 30_000 });
        times[i]?.push(performance.now() - t0);
        exits[i]?.add(r.status);
      });
    }
    const nodeMedian = stats(times[0] ?? []).median;
    return cases.map((c, i) => {
      const s = stats(times[i] ?? []);
      const m = c.cliArgs ? modulesLoaded(c.cliArgs) : undefined;
      return {
        who: c.who,
        what: c.what,
        n: s.n,
        median: s.median,
        p90: s.p90,
        ratio: s.median / nodeMedian,
        ...(m ? { modules: { project: m.project.length, total: m.total, packages: m.packages } } : {}),
        exits: [...(exits[i] ?? [])],
      };
    });
  } finally {
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The daemon's packages, named first when a command loads them. */
const DAEMON_PACKAGES = ['pino', 'fastify', 'mqtt', 'nodemailer', 'execa', 'aedes', 'prom-client', 'pidusage'];

/** The packages by name, the daemon's first; the first few of a long list. */
function packagesCell(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const rank = (n: string): number =>
    DAEMON_PACKAGES.includes(n) ? DAEMON_PACKAGES.indexOf(n) : DAEMON_PACKAGES.length;
  const sorted = [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return sorted.length <= 6 ? sorted.join(' ') : `${sorted.slice(0, 6).join(' ')} … (${sorted.length} packages)`;
}

/** The table's cells for one row. */
export function startCells(r: StartRow): string[] {
  const m = r.modules;
  return [
    r.who,
    r.what,
    String(r.n),
    ms(r.median),
    ms(r.p90),
    `${r.ratio.toFixed(2)}×`,
    m ? `${m.total} (${m.project} own)` : '–',
    m ? packagesCell(m.packages) : '–',
    r.exits.join(','),
  ];
}

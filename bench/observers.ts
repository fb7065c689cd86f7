// CPU cost per cycle of the service types that observe (system, filesystem, network): one cycle is
// the observer's reading plus every rule's check on it, run back to back in this process. The cost
// is CPU time (process.cpuUsage), not wall time, so waiting on /proc and /sys is not counted.
// Run alone: node dist/bench/observers.js [cycles].
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createCheck, loadChecks } from '../src/checks/registry.js';
import { parseRules } from '../src/config/loader.js';
import { createObserver } from '../src/config/service-types.js';
import { table } from './lib.js';

const RULES: Readonly<Record<string, string>> = {
  system: [
    'check system $HOST',
    '  if loadavg (5min) per core > 4 then alert',
    '  if cpu usage > 95% then alert',
    '  if memory usage > 90% then alert',
    '  if swap usage > 50% then alert',
    '  if uptime < 5 minutes then alert',
  ].join('\n'),
  filesystem: [
    `check filesystem data with path ${tmpdir()}`,
    '  if space usage > 90% then alert',
    '  if inode usage > 90% then alert',
    '  if write rate > 50 MB/s then alert',
    '  if service time > 10 ms then alert',
    '  if changed fsflags then alert',
  ].join('\n'),
  network: [
    'check network loop with interface lo',
    '  if link down then alert',
    '  if download > 10 MB/s then alert',
    '  if total upload > 1 GB in last 1 hour then alert',
    '  if saturation > 90% then alert',
  ].join('\n'),
};

/** Microseconds of CPU per cycle of each type, over CYCLES cycles each. */
export async function observersBench(
  cycles: number,
): Promise<Array<{ type: string; rules: number; usPerCycle: number }>> {
  const out = [];
  for (const [type, text] of Object.entries(RULES)) {
    const { config } = await parseRules(text, `${type}.rc`);
    await loadChecks(config);
    const service = config.services[0];
    const observer = service && createObserver(service);
    if (!service || !observer) throw new Error(`no observer for ${type}`);
    const memos = service.rules.map(() => new Map<string, unknown>());
    const checks = service.rules.map((r) => createCheck(service, r));
    const signal = new AbortController().signal;
    const cycle = async (now: number): Promise<void> => {
      const observed = await observer.observe(now, signal);
      for (const [i, rule] of service.rules.entries())
        await checks[i]?.run({ service, rule, signal, memo: memos[i] ?? new Map(), now, observed });
    };
    for (let i = 0; i < 20; i++) await cycle(i * 1000); // warm up
    const start = process.cpuUsage();
    for (let i = 0; i < cycles; i++) await cycle((20 + i) * 1000);
    const used = process.cpuUsage(start);
    out.push({ type, rules: service.rules.length, usPerCycle: (used.user + used.system) / cycles });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await observersBench(Number(process.argv[2] ?? 2000));
  table(
    'CPU per cycle of a service whose type observes (its reading and all its rules)',
    ['type', 'rules', 'µs per cycle'],
    r.map((x) => [x.type, String(x.rules), x.usPerCycle.toFixed(0)]),
  );
}

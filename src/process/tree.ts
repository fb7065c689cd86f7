// A process and its descendants, from one scan of /proc: what the `total` tests of a process
// (`total cpu`, `total memory`, `total filedescriptors`) and `children` add up.
import { readdir } from '../util/fs-async.js';
import { readProcStat } from './proc-stat.js';

/** PID's direct children count, and PID with all its descendants (PID first). */
export async function descendants(pid: number): Promise<{ children: number; all: number[] }> {
  const names = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const parent = new Map<number, number[]>();
  await Promise.all(
    names.map(async (n) => {
      const st = await readProcStat(Number(n)).catch(() => undefined);
      if (st) parent.set(st.ppid, [...(parent.get(st.ppid) ?? []), Number(n)]);
    }),
  );
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(parent.get(all[i] as number) ?? []));
  return { children: parent.get(pid)?.length ?? 0, all };
}

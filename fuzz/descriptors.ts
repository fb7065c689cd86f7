// Open file descriptors of this process, to prove that a batch of cases left none behind.
import { readdirSync } from 'node:fs';

/** How many descriptors this process holds now (Linux: /proc/self/fd). */
export function openFds(): number {
  // readdir itself holds one descriptor on the folder while it reads.
  return readdirSync('/proc/self/fd').length - 1;
}

/** Polls until at most BASELINE descriptors are open, for up to MS; the count left, or undefined once down. */
export async function fdsBackTo(baseline: number, ms = 5_000): Promise<number | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const now = openFds();
    if (now <= baseline) return undefined;
    if (Date.now() > end) return now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls CONDITION every 10 ms for up to MS; true once it holds. */
export async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

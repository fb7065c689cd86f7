// The V8 flags that hold back V8's compilers beyond the interpreter while the daemon is idle
// (daemon/optimizer.ts), and those that let them go. V8 takes a compile cache only under the flags it
// was made with, so the daemon's caches are compiled and written under the held flags whatever the
// daemon is doing then (cli/launch.ts, util/vendor.ts): a daemon that got busy before its cache was
// written would otherwise write one its next start turns down, every start.
//
// Whether they are held is process-wide and kept on globalThis: the command and the program are two
// scripts, each with its own copy of this module. No imports: the command reads this module without
// node:v8, and the setter is given.

/** Sparkplug (the baseline compiler) and TurboFan (the optimizing compiler) off. */
export const HELD_TIERS = '--no-sparkplug --no-turbofan';

/** Both back on. */
export const RELEASED_TIERS = '--sparkplug --turbofan';

/** node:v8's setFlagsFromString. */
export type SetFlags = (flags: string) => void;

/** Held: the compilers are off now; undefined: this process never held them (the commands). */
interface TierState {
  held: boolean;
}

const STATE = Symbol.for('brokerwatch.compilerTiers');

function state(): TierState | undefined {
  return (globalThis as Record<symbol, TierState | undefined>)[STATE];
}

/** Turns the compilers beyond the interpreter off. */
export function holdTiers(setFlags: SetFlags): void {
  setFlags(HELD_TIERS);
  (globalThis as Record<symbol, TierState | undefined>)[STATE] = { held: true };
}

/** Turns them back on. */
export function releaseTiers(setFlags: SetFlags): void {
  setFlags(RELEASED_TIERS);
  (globalThis as Record<symbol, TierState | undefined>)[STATE] = { held: false };
}

/** True if this process has held the compilers (a daemon), now or before. */
export function tiersEverHeld(): boolean {
  return state() !== undefined;
}

/** Runs FN (a compile, a cache written) under the held flags, and puts the flags back as they were. */
export function underHeldTiers<T>(setFlags: SetFlags, fn: () => T): T {
  const held = state()?.held === true;
  if (!held) setFlags(HELD_TIERS);
  try {
    return fn();
  } finally {
    if (!held) setFlags(RELEASED_TIERS);
  }
}

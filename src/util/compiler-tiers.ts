// The V8 flags that hold back V8's compilers beyond the interpreter while the daemon is idle
// (daemon/optimizer.ts), and those that let them go. V8 takes a compile cache only under the flags it
// was made with, so in a daemon every cache is read and written under the held flags, whatever the
// daemon is doing then (code-cache.ts calls underHeldTiers): a daemon that got busy before its cache
// was written would otherwise write one its next start turns down, every start.
//
// Whether they are held is process-wide and kept on globalThis: the command (cli/launch.ts) and the
// program are two scripts, each with its own copy of this module. No imports: the command reads this
// module without node:v8, and the flag setter is given by whoever holds the compilers.

/** Sparkplug (the baseline compiler) and TurboFan (the optimizing compiler) off. */
export const HELD_TIERS = '--no-sparkplug --no-turbofan';

/** Both back on. */
export const RELEASED_TIERS = '--sparkplug --turbofan';

/** node:v8's setFlagsFromString. */
export type SetFlags = (flags: string) => void;

/** Whether the compilers are off now, and how flags are set; none in a process that never held them. */
interface TierState {
  readonly held: boolean;
  readonly setFlags: SetFlags;
}

const STATE = Symbol.for('brokerwatch.compilerTiers');
const slots = globalThis as Record<symbol, TierState | undefined>;

/** Turns the compilers beyond the interpreter off. */
export function holdTiers(setFlags: SetFlags): void {
  setFlags(HELD_TIERS);
  slots[STATE] = { held: true, setFlags };
}

/** Turns them back on. */
export function releaseTiers(setFlags: SetFlags): void {
  setFlags(RELEASED_TIERS);
  slots[STATE] = { held: false, setFlags };
}

/** Runs FN (a compile with a cache, a cache written) under the held flags in a process that has held
 *  them (a daemon), putting the flags back as they were; in one that never has (a command), as it is. */
export function underHeldTiers<T>(fn: () => T): T {
  const state = slots[STATE];
  if (!state || state.held) return fn();
  state.setFlags(HELD_TIERS);
  try {
    return fn();
  } finally {
    state.setFlags(RELEASED_TIERS);
  }
}

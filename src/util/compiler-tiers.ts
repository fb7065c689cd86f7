// The V8 flags that hold back V8's compilers beyond the interpreter while the daemon is idle
// (daemon/optimizer.ts), and those that let them go. The command (cli/launch.ts) compiles the daemon's
// script under the held flags, as its compile cache is written under them: V8 takes a cache only
// under the flags it was made with. No imports: the command reads this module without node:v8.

/** Sparkplug (the baseline compiler) and TurboFan (the optimizing compiler) off. */
export const HELD_TIERS = '--no-sparkplug --no-turbofan';

/** Both back on. */
export const RELEASED_TIERS = '--sparkplug --turbofan';

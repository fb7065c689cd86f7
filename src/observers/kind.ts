// The contract of a service type's observation: what a service whose subject is not a process (the
// host, a file system, a network interface) reads once per cycle, before its rules' checks run.
// Several rules and every status output read the same reading as named facts, so no check reads
// /proc again. Each type's observer is one file here, loaded lazily through its service type
// (config/service-types/<type>.ts), like a check kind's runtime.
import type { Service } from '../config/model.js';

/** One cycle's named readings: a number, a word (a mount's flags, a link's duplex), or null for
 *  "not measurable yet" (a rate before its second sample) or "not available here". */
export type Facts = Readonly<Record<string, number | string | null>>;

/** What one cycle's observation found: its facts, or why there are none (a missing mount, interface). */
export type Observed =
  | { readonly ok: true; readonly facts: Facts }
  | { readonly ok: false; readonly message: string; readonly facts?: Facts };

/** The observation of one service, with its own memory across cycles (rates need two samples). */
export interface Observer {
  /** Never throws to mean "down": a missing subject is `ok: false`. NOW is the cycle's epoch ms. */
  observe(now: number, signal: AbortSignal): Promise<Observed>;
}

/** What an observer module exports. */
export interface ObserverModule {
  readonly create: (service: Service) => Observer;
}

/** A number fact, or undefined when absent, null or a word. */
export function numberFact(facts: Facts | undefined, name: string): number | undefined {
  const v = facts?.[name];
  return typeof v === 'number' ? v : undefined;
}

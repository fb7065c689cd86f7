// What every fuzz target provides: a session that runs one case from a seeded generator and says
// whether the code under test accepted or rejected the input, or which promise it broke.
import type { Rng } from './prng.js';

/** One input file of a case, kept when the case is a finding. */
export interface InputFile {
  readonly name: string;
  readonly data: Buffer | string;
}

/** What one case did. */
export interface CaseReport {
  /** The input was taken as valid (a rules file loaded, a request answered 2xx/3xx, a probe passed). */
  readonly verdict: 'accepted' | 'rejected';
  /** A promise broken: a crash, a hang, a leak, a 500, a position outside the file. */
  readonly finding?: string;
  /** The input, to reproduce the case without the generator. */
  readonly input: readonly InputFile[];
}

/** An open target: its peers and servers are up until close(). */
export interface FuzzSession {
  run(rng: Rng, index: number): Promise<CaseReport>;
  /** Checked after every batch of cases (a good request still served, no descriptor left open). */
  checkpoint?(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** One fuzz target. */
export interface FuzzTarget {
  readonly name: string;
  /** Cases between two checkpoints. */
  readonly batch: number;
  open(): Promise<FuzzSession>;
}

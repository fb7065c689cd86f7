// The contract of a check kind: what the rules front end, the state machine and the HTTP server
// know of one condition. Each kind lives in its own folder (`checks/<kind>/syntax.ts` for all of
// this, `checks/<kind>/check.ts` for the runtime) and is named by one line in registry.ts.
import type { Cursor } from '../config/cursor.js';
import { ParseAbort } from '../config/cursor.js';
import type { Command, EventType, Service, ServiceType } from '../config/model.js';
import type { Check } from './types.js';

/** What every condition of the model has: the tag of its kind. */
export interface ConditionBase {
  readonly kind: string;
}

/** Where a kind's grammar starts; the parser hands it the cursor standing on that word. */
export interface Claims {
  /** Words (lower-case) that open it right after `if`. */
  readonly if?: readonly string[];
  /** Words that open it after `if failed`. */
  readonly failed?: readonly string[];
  /** A start no word says (`N restarts within …`, `total cpu`); asked before any word is looked up. */
  readonly at?: (c: Cursor) => boolean;
  /**
   * The service types these claims hold in; every type when absent. A word may mean different tests
   * in different types (`cpu` of a process, `cpu` of the system): each meaning is its own kind,
   * scoped here, and the parser picks the claimant by (word, service type). In a type no scoped
   * claimant covers, the first claimant in registry order reads it and its `misplaced` says why not.
   */
  readonly types?: readonly ServiceType[];
}

/** What a grammar piece may know beyond its words. */
export interface ParseContext {
  readonly serviceType: ServiceType;
  /** Which claim led here: the word right after `if`, or after `if failed`. */
  readonly after: 'if' | 'failed';
}

/** The printer's spelling, handed to each kind's print piece so that every kind writes values alike. */
export interface Spelling {
  /** A name, path or address: bare when that reads back as one word, quoted otherwise. */
  word(s: string): string;
  /** Always in double quotes. */
  quote(s: string): string;
  /** A non-negative number in plain decimals. */
  number(n: number): string;
  /** Milliseconds in the largest exact unit: `30 seconds`. */
  duration(ms: number): string;
  /** Bytes in the largest exact unit: `512 MB`. */
  size(bytes: number): string;
  /** A program as a quoted command string with its `as uid`, `with timeout`. */
  command(cmd: Command): string;
  /** A password: itself, or the mask when secrets are hidden. */
  secret(s: string): string;
  /** True for words the lexer treats specially wherever they stand (noise words, `include`). */
  isLexerWord(s: string): boolean;
}

/** Everything about one condition kind except its runtime check. */
export interface KindSyntax<C extends ConditionBase> {
  /** The model's tag; also the key of the kind's registry line. */
  readonly kind: C['kind'];
  /** The words its grammar starts with. */
  readonly claims: Claims;
  /** Reads the condition from the claimed word on; throws IgnoredRule for a form it only warns about. */
  parse(c: Cursor, ctx: ParseContext): C;
  /** The condition as `brokerwatch -t -v` writes it after `if` (the parser reads it back the same). */
  print(cond: C, s: Spelling): string;
  /** monit's event name for a failure or recovery of this condition. */
  eventType(cond: C): EventType;
  /** Failures not counted right after a start, until the first ok (a broker needs time to listen). */
  readonly startGrace: boolean;
  /** A one-shot: each failure is an event ("changed") with no failed state, and never drives restarts. */
  readonly oneShot?: boolean;
  /** Passwords and tokens inside the condition, masked in every HTTP output. */
  secrets?(cond: C): readonly (string | undefined)[];
  /** The error for this condition in a service type it does not apply to; undefined where it does. */
  misplaced?(cond: C, type: ServiceType): string | undefined;
  /** Its row in README.md's table of tests. */
  readonly docs: KindDocs;
}

/** One row of README.md's table of tests: `| syntax | services | meaning | example |`. */
export interface KindDocs {
  /** The forms, in backquotes: `` `uptime OP DURATION` ``. */
  readonly syntax: string;
  /** The service types it applies to, in words. */
  readonly services: string;
  readonly meaning: string;
  readonly example: string;
}

/** The README row of a kind, exactly as the table holds it. */
export function docsRow(d: KindDocs): string {
  return `| ${d.syntax} | ${d.services} | ${d.meaning} | ${d.example} |`;
}

/** Makes the check of one rule; undefined when nothing runs for it (the state machine decides). */
export type CheckFactory<C extends ConditionBase> = (cond: C, service: Service) => Check | undefined;

/** What a kind's `check.ts` exports. */
export interface CheckModule<C extends ConditionBase> {
  readonly check: CheckFactory<C>;
}

/** Thrown by a grammar piece after warning about a form brokerwatch does not evaluate: the parser
 *  still reads the rate and action, then drops the rule. */
export class IgnoredRule extends ParseAbort {}

/** Skips what is left of an ignored test up to its `then`, and drops the rule. */
export function ignoreRule(c: Cursor): never {
  c.skipUntil((t) => t.type === 'word' && t.lower === 'then');
  throw new IgnoredRule();
}

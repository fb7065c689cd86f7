// The contract of a service type (`check process|host|file|program …`): how its header after the
// name is read and printed. Each type is one file here and one line in ../service-types.ts.
import type { Cursor } from '../cursor.js';
import type { Token } from '../lexer.js';
import type { Command } from '../model.js';
import type { Spelling } from '../../checks/kind.js';
import type { ObserverModule } from '../../observers/kind.js';

/** What a header says: how the service is found or run. */
export interface ServiceHeader {
  pidfile?: string;
  matching?: string;
  address?: string;
  path?: string;
  program?: Command;
  /** network: the interface (`with interface IF`). */
  interface?: string;
}

/** Everything the rules front end knows of one service type. */
export interface ServiceTypeSyntax<T extends string = string> {
  /** The word after `check`. */
  readonly type: T;
  /** Reads the header after `check TYPE NAME` into H; NAMETOK names the service in messages. */
  parseHeader(c: Cursor, h: ServiceHeader, nameTok: Token): void;
  /** The header as the printer writes it after `check TYPE NAME `. */
  printHeader(h: Readonly<ServiceHeader>, s: Spelling): string;
  /** Its rows of README.md's table of services: `| statement | what is watched |`. */
  readonly docs: readonly string[];
  /** Older words for the same type (`check device` is `check filesystem`). */
  readonly aliases?: readonly string[];
  /** What the type observes once per cycle for its rules and the status (observers/); loaded by the
   *  daemon only, like a check's runtime. */
  readonly observer?: () => Promise<ObserverModule>;
}

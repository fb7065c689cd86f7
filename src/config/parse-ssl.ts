// monit's SSL options block, `{ verify: enable, selfsigned: allow, cacertificatefile: PATH, … }`,
// as `set ssl` (global), `set mailserver … using ssl` and a port test's `ssl` take it (monit 5.33,
// https://mmonit.com/monit/documentation/monit.html#SSL-OPTIONS). Each key may be written `key:`,
// `key :` or glued to its value (`verify:enable`); commas are blanks. `cafile` is brokerwatch's short
// name for `cacertificatefile`.
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { Token } from './lexer.js';
import type { SourcePos } from './model.js';

/** What a block set; keys it does not name stay undefined. */
export interface SslOptions {
  verify?: boolean;
  allowSelfSigned?: boolean;
  caFile?: string;
  caPath?: string;
  clientPemFile?: string;
  pemFile?: string;
  pemChain?: string;
  pemKey?: string;
  /** Keys read but not used by brokerwatch (version, ciphers), for a warning where they stand. */
  readonly unused: Array<{ readonly key: string; readonly pos: SourcePos }>;
}

const KEYS = [
  'verify',
  'selfsigned',
  'version',
  'ciphers',
  'pemfile',
  'pemchain',
  'pemkey',
  'clientpemfile',
  'cacertificatefile',
  'cacertificatepath',
];
const VERSION = /^-?(auto|sslauto|sslv[23]|tlsv1[123]?)$/;

/** True for a TLS protocol-version word of monit's (`tlsv12`, `-tlsv1`, `sslauto`, …). */
export function isSslVersionWord(t: Token): boolean {
  return t.type === 'word' && VERSION.test(t.lower);
}

/** Parses `{ … }` (the cursor is at `{`). */
export function parseSslBlock(c: Cursor): SslOptions {
  const out: SslOptions = { unused: [] };
  const open = c.next();
  for (;;) {
    const keyTok = c.peek();
    if (keyTok.type === '}') {
      c.next();
      return out;
    }
    if (keyTok.type === 'eof')
      c.fail(keyTok, `expected '}' to close the SSL options opened at line ${open.pos.line}, found end of file`);
    if (keyTok.type !== 'word')
      c.fail(keyTok, `expected an SSL option (${KEYS.join(', ')}), found ${describe(keyTok)}`);
    c.next();
    readOption(c, keyTok, out);
  }
}

/** An option's key, and readers for the value after it: `key: value`, `key value` or `key:value`. */
interface OptionValue {
  readonly key: string;
  /** The value of `key:value`, written as one word. */
  readonly glued: string | undefined;
  readonly value: (expected: string) => string;
  /** `yes` or `no` (`enable`/`disable`): true for `yes`. */
  readonly choice: (yes: string, no: string) => boolean;
}

function optionValue(c: Cursor, keyTok: Token): OptionValue {
  const colon = keyTok.text.indexOf(':');
  const key = (colon < 0 ? keyTok.lower : keyTok.lower.slice(0, colon)).replace(/-/g, '');
  // `verify:enable` carries its value; `verify :` has the colon as a word of its own.
  const glued = colon >= 0 && colon < keyTok.text.length - 1 ? keyTok.text.slice(colon + 1) : undefined;
  if (glued === undefined && colon < 0 && c.peek().type === 'word' && c.peek().text === ':') c.next();
  return {
    key,
    glued,
    value: (expected) => (glued !== undefined ? glued : c.expectValue(`${expected} after '${key}:'`).text),
    choice: (yes, no) => {
      const v = glued !== undefined ? glued.toLowerCase() : c.peek().type === 'word' ? c.peek().lower : '';
      if (v !== yes && v !== no)
        c.fail(
          glued !== undefined ? keyTok : c.peek(),
          `expected '${yes}' or '${no}' after '${key}:', found ${glued !== undefined ? `'${glued}'` : describe(c.peek())}`,
        );
      if (glued === undefined) c.next();
      return v === yes;
    },
  };
}

/** One option of the block (the cursor is after its key) into `out`. */
function readOption(c: Cursor, keyTok: Token, out: SslOptions): void {
  const { key, glued, value, choice } = optionValue(c, keyTok);
  switch (key) {
    case 'verify':
      out.verify = choice('enable', 'disable');
      break;
    case 'selfsigned':
      out.allowSelfSigned = choice('allow', 'reject');
      break;
    case 'cacertificatefile':
    case 'cafile':
      out.caFile = value('a CA certificates file');
      break;
    case 'cacertificatepath':
      out.caPath = value('a folder of CA certificates');
      break;
    case 'clientpemfile':
      out.clientPemFile = value('a client PEM file');
      break;
    case 'pemfile':
      out.pemFile = value('a PEM file');
      break;
    case 'pemchain':
    case 'certificatefile': // brokerwatch's names for set httpd's certificate and key
    case 'certfile':
      out.pemChain = value('a certificate chain PEM file');
      break;
    case 'pemkey':
    case 'certificatekey':
    case 'keyfile':
      out.pemKey = value('a private key PEM file');
      break;
    case 'ciphers':
    case 'cipher':
      value('a cipher list');
      out.unused.push({ key: 'ciphers', pos: keyTok.pos });
      break;
    case 'version':
      if (glued === undefined) while (isSslVersionWord(c.peek())) c.next();
      out.unused.push({ key: 'version', pos: keyTok.pos });
      break;
    default:
      c.fail(keyTok, `unknown SSL option '${keyTok.text.replace(/:.*$/, '')}': expected ${KEYS.join(', ')}`);
  }
}

/** The files an SSL options block names, noted for `-t` at the block (its keys keep no position). */
export function noteSslFiles(c: Cursor, o: SslOptions, pos: SourcePos): void {
  const files: Array<[string | undefined, 'file' | 'folder', string]> = [
    [o.caFile, 'file', 'SSL CA certificates file'],
    [o.caPath, 'folder', 'SSL CA certificates folder'],
    [o.clientPemFile, 'file', 'SSL client PEM file'],
    [o.pemFile, 'file', 'SSL server PEM file'],
    [o.pemChain, 'file', 'SSL certificate chain file'],
    [o.pemKey, 'file', 'SSL private key file'],
  ];
  for (const [path, kind, what] of files) if (path !== undefined) c.refs.push({ kind, what, path, pos });
}

// The one table of brokerwatch's error codes (fastify's lib/errors.js habit): each code has its
// message, its HTTP status (when the API can answer with it) and the exit code of the CLI that meets
// it. HTTP responses, log lines and the CLI's messages all use these codes; docs/errors.md documents
// every one, and a test keeps the two in step.

/** One row of the table. `status` is absent for codes only the CLI produces. */
export interface ErrorSpec {
  readonly status?: number;
  readonly exit: number;
  readonly message: string;
}

/** Every error code brokerwatch reports. */
export const ERRORS = {
  BW_BAD_REQUEST: { status: 400, exit: 1, message: 'the request is malformed' },
  BW_UNAUTHORIZED: { status: 401, exit: 4, message: 'authentication required' },
  BW_FORBIDDEN: { status: 403, exit: 4, message: 'this user may only read (read-only)' },
  BW_CSRF: {
    status: 403,
    exit: 1,
    message: 'the form is stale or comes from another site: reload the status page and try again',
  },
  BW_NOT_FOUND: { status: 404, exit: 1, message: 'no such route' },
  BW_UNKNOWN_SERVICE: { status: 404, exit: 5, message: 'no such service' },
  BW_PAYLOAD_TOO_LARGE: { status: 413, exit: 1, message: 'the request body is too large' },
  BW_UNSUPPORTED_MEDIA: { status: 415, exit: 1, message: 'actions need Content-Type: application/json' },
  BW_RELOAD_REFUSED: { status: 422, exit: 1, message: 'the rules file has errors; the old rules keep running' },
  BW_RATE_LIMITED: { status: 429, exit: 1, message: 'too many requests; try again later' },
  BW_INTERNAL: { status: 500, exit: 1, message: 'internal error' },
  BW_UNAVAILABLE: { status: 503, exit: 3, message: 'brokerwatch is shutting down' },
  BW_NOT_RUNNING: { exit: 3, message: 'brokerwatch is not running' },
  BW_NO_HTTPD: { exit: 3, message: "the rules file has no 'set httpd': the daemon serves no API" },
  BW_RULES_FILE: { exit: 1, message: 'cannot read the rules file' },
  BW_BAD_RESPONSE: { exit: 1, message: 'the daemon gave an answer brokerwatch does not understand' },
  BW_USAGE: { exit: 2, message: 'usage error' },
} as const satisfies Record<string, ErrorSpec>;

/** A code of the table. */
export type ErrorCode = keyof typeof ERRORS;

/** The codes, in table order. */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** An error with a code from the table; `message` defaults to the table's. */
export class BwError extends Error {
  readonly code: ErrorCode;
  /** fastify and @fastify/rate-limit read `statusCode` from thrown errors. */
  readonly statusCode: number;

  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERRORS[code].message);
    this.name = 'BwError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.statusCode = spec.status ?? 500;
  }

  /** The CLI's exit code for this error. */
  get exitCode(): number {
    return ERRORS[this.code].exit;
  }
}

/** True if `code` is one of the table's codes (e.g. when read from a daemon's answer). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** The JSON body of every API error: `{ error: { code, message } }`. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

// Masking secrets in free text: check and event messages, printed rules, error messages, which might
// quote a value from the rules file.

/** Shorter values occur in ordinary text ("ok", port numbers): they are masked only as whole words. */
const MIN_SECRET_LENGTH = 4;
const MASK = '********';

/** Replaces every secret in a text with asterisks. */
export class Scrubber {
  readonly #long: readonly string[];
  readonly #short: readonly RegExp[];

  constructor(secrets: readonly string[]) {
    this.#long = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.#short = secrets
      .filter((s) => s.length > 0 && s.length < MIN_SECRET_LENGTH)
      .map((s) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])`, 'gu'));
  }

  /** `text` with every secret masked. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.#long) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const re of this.#short) out = out.replace(re, MASK);
    return out;
  }
}

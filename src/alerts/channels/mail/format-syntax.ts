// `mail-format { from: … reply-to: … subject: … message: … }`, global (`set mail-format`) or a
// mail recipient's own: parsed from the block's raw text, and printed back.
import type { Cursor } from '../../../config/cursor.js';
import type { Token } from '../../../config/lexer.js';
import type { MailFormat } from '../../../config/model.js';

const FORMAT_KEY = /^[ \t]*(from|reply-to|subject|message):/gim;

/** A `mail-format { from: … subject: … message: … }` block: each key to its line's end, message to the end. */
export function parseMailFormat(block: Token, c: Cursor): MailFormat {
  const text = block.text;
  const keys = [...text.matchAll(FORMAT_KEY)];
  const inline = /^\s*(from|reply-to|subject|message):/i.exec(text);
  if (keys.length === 0 && !inline && text.trim() !== '') {
    c.fail(block, "expected 'from:', 'reply-to:', 'subject:' or 'message:' in mail-format");
  }
  const out: { from?: string; replyTo?: string; subject?: string; message?: string } = {};
  keys.forEach((m, i) => {
    const key = (m[1] as string).toLowerCase();
    const from = (m.index ?? 0) + m[0].length;
    const next = keys[i + 1];
    const end =
      key === 'message' ? (next?.index ?? text.length) : Math.min(next?.index ?? text.length, lineEnd(text, from));
    // trimEnd, not .replace(/\s+$/, ''): that regex is quadratic on a long run of blanks.
    const value =
      key === 'message'
        ? text
            .slice(from, end)
            .replace(/^[ \t]*\n?/, '')
            .trimEnd()
        : text.slice(from, end).trim();
    if (key === 'from') out.from = value;
    else if (key === 'reply-to') out.replyTo = value;
    else if (key === 'subject') out.subject = value;
    else out.message = value;
  });
  return out;
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? text.length : i;
}

/**
 * `mail-format { … }`: one key a line, the message last (it runs to the closing brace). A message
 * that starts with blanks begins on the next line, where the parser keeps them.
 */
export function printMailFormat(f: MailFormat, indent: string): string {
  const lines = ['mail-format {'];
  if (f.from !== undefined) lines.push(`${indent}  from: ${f.from}`);
  if (f.replyTo !== undefined) lines.push(`${indent}  reply-to: ${f.replyTo}`);
  if (f.subject !== undefined) lines.push(`${indent}  subject: ${f.subject}`);
  if (f.message !== undefined) {
    const m = f.message;
    lines.push(
      m === '' ? `${indent}  message:` : /^[ \t\n]/.test(m) ? `${indent}  message:\n${m}` : `${indent}  message: ${m}`,
    );
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

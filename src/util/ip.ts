// `net.isIP` without its cost at start: Node checks IPv6 with one very large regular expression,
// compiled at its first use (some 10 ms). Most words a rules file gives it (`admin:secret`,
// `localhost`, an IPv4 address) cannot be IPv6, which a glance at their characters tells.
import { isIP, isIPv4 } from 'node:net';

/** Characters of an IPv6 address before its zone (`%eth0`): hex digits, colons, dots (IPv4 tail). */
const IPV6_HEAD = /^[0-9A-Fa-f:.]*$/;

/** 4 or 6 when `text` is an IP address of that family, 0 otherwise: `net.isIP`'s answer. */
export function ipFamily(text: string): 0 | 4 | 6 {
  const percent = text.indexOf('%');
  const head = percent < 0 ? text : text.slice(0, percent);
  if (!head.includes(':') || !IPV6_HEAD.test(head)) return isIPv4(text) ? 4 : 0;
  return isIP(text) as 0 | 4 | 6;
}

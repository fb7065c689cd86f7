// What iputils' `ping -n -c 1` says, read: the reply's round-trip time, or why there was none. The
// output is read in the C locale (the check sets LC_ALL=C), as iputils 20221126 prints it:
//   64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.077 ms
//   From 10.0.0.1 icmp_seq=1 Destination Host Unreachable
//   1 packets transmitted, 0 received, 100% packet loss, time 0ms     (exit status 1)
//   ping: nohost.invalid: Name or service not known                    (exit status 2)
import type { FailureClass } from '../result.js';

/** What to tell a user whose system cannot send ICMP echo requests for us. */
export const PING_NEEDS =
  'ping needs iputils-ping (apt-get install iputils-ping) or unprivileged ICMP sockets: net.ipv4.ping_group_range';

/** One run of `ping -c 1`: a reply and its time, or the failure it reports. */
export type PingReading =
  | { readonly ok: true; readonly rttMs: number }
  | { readonly ok: false; readonly class: FailureClass; readonly message: string; readonly final: boolean };

/** Reads one run's output and exit status; `final` says whether trying again can change anything. */
export function readPing(stdout: string, stderr: string, status: number | null): PingReading {
  const time = /\btime[=<]([\d.]+) ?ms\b/.exec(stdout)?.[1];
  if (time !== undefined) return { ok: true, rttMs: Number(time) };
  const from = /^From (\S+?):? (?:icmp_seq=\d+ )?(.+)$/m.exec(stdout);
  if (from)
    return {
      ok: false,
      class: 'port-closed',
      message: `${from[2] ?? 'unreachable'} (from ${from[1] ?? '?'})`,
      final: false,
    };
  if (status === 1) return { ok: false, class: 'response-timeout', message: 'no echo reply', final: false };
  const said =
    stderr
      .trim()
      .split('\n')[0]
      ?.replace(/^(?:\S*\/)?ping: /, '') ?? ''; // iputils names itself as it was run
  if (/Name or service not known|Temporary failure in name resolution|No address associated|not known/.test(said))
    return { ok: false, class: 'port-closed', message: `cannot resolve host: ${said}`, final: true };
  // ping4 of an IPv6 address, ping6 of an IPv4 one: the host has no address to ping that way, which
  // monit counts as a failed ping (not brokerwatch's own fault).
  if (/Address family for hostname not supported/.test(said))
    return { ok: false, class: 'port-closed', message: `no address of that IP version: ${said}`, final: true };
  if (/Operation not permitted|Permission denied|socket:|Lacking privilege/.test(said))
    return { ok: false, class: 'internal', message: `${said}; ${PING_NEEDS}`, final: true };
  return {
    ok: false,
    class: 'internal',
    message: `ping failed (status ${status ?? 'killed'}): ${said || 'no output'}`,
    final: true,
  };
}

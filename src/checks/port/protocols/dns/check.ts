// DNS: monit's query for ". IN NS" and its checks of the answer's header (packet.ts), over UDP
// (`type udp`: one datagram each way; a closed port answers with ICMP port unreachable, which the
// connected socket reports as ECONNREFUSED) or over TCP (RFC 1035 §4.2.2: each message after its
// length in two bytes). Timed: requestMs (query sent), firstByteMs (answer received), totalMs.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { asFailure, ProbeFailure, socketFailure } from '../../../mqtt/classify.js';
import { withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { answerProblem, readHeader, rootNsQuery } from './packet.js';
import { monotonicMs } from '../../../../util/clock.js';

/** The largest answer read over TCP: a root NS answer is about 1 kB. */
const TCP_CAP = 65_537;

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return input.cond.transport === 'udp' ? overUdp(input) : overTcp(input);
}

function judged(msg: Buffer, id: number): string {
  const problem = answerProblem(msg, id);
  if (problem !== undefined) throw new ProbeFailure('protocol-error', problem);
  return `DNS answer NOERROR, ${readHeader(msg)?.answers ?? 0} answer records`;
}

function overTcp(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    const q = rootNsQuery();
    const t = monotonicMs();
    const framed = Buffer.alloc(2 + q.bytes.length);
    framed.writeUInt16BE(q.bytes.length, 0);
    q.bytes.copy(framed, 2);
    conn.write(framed);
    conn.metrics.requestMs = Math.round(monotonicMs() - t);
    conn.awaiting('DNS answer');
    const msg = await conn.read((b, final) => {
      const need = b.length >= 2 ? 2 + b.readUInt16BE(0) : Infinity;
      if (b.length >= need) return need;
      if (final) throw new ProbeFailure('protocol-error', `DNS answer cut short after ${b.length} bytes`);
      return -1;
    }, TCP_CAP);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    return judged(msg.subarray(2), q.id);
  });
}

/** One datagram each way, within the deadline; never throws. */
async function overUdp(input: ProbeInput): Promise<ProbeOutcome> {
  const metrics: Record<string, number> = {};
  const t0 = monotonicMs();
  let sock: UdpSocket | undefined;
  let fail: (f: ProbeFailure) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  failed.catch(() => undefined);
  const timer = input.clock.setTimeout(
    () => fail(new ProbeFailure('response-timeout', `no DNS answer within ${input.timeoutMs} ms`)),
    input.timeoutMs,
  );
  const onAbort = (): void => fail(new ProbeFailure('internal', 'check aborted'));
  input.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (input.signal.aborted) onAbort();
    const address = await Promise.race([resolve(input), failed]);
    const s = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    sock = s;
    s.on('error', (e: NodeJS.ErrnoException) =>
      fail(
        e.code === 'ECONNREFUSED'
          ? new ProbeFailure('port-closed', 'connection refused (ICMP port unreachable)')
          : socketFailure(e, 'open'),
      ),
    );
    await Promise.race([new Promise<void>((ok) => s.connect(input.target.port, address, ok)), failed]);
    const q = rootNsQuery();
    const t = monotonicMs();
    const answer = new Promise<Buffer>((ok) => s.once('message', ok));
    await Promise.race([
      new Promise<void>((ok, ko) => s.send(q.bytes, (e) => (e ? ko(socketFailure(e, 'open')) : ok()))),
      failed,
    ]);
    metrics.requestMs = Math.round(monotonicMs() - t);
    const msg = await Promise.race([answer, failed]);
    metrics.firstByteMs = Math.round(monotonicMs() - t);
    const message = judged(msg, q.id);
    return { ok: true, message, metrics: { ...metrics, totalMs: Math.round(monotonicMs() - t0) } };
  } catch (e) {
    const f = asFailure(e);
    return {
      ok: false,
      class: f.class_,
      message: f.message,
      metrics: { ...metrics, totalMs: Math.round(monotonicMs() - t0) },
    };
  } finally {
    timer.cancel();
    input.signal.removeEventListener('abort', onAbort);
    sock?.close();
  }
}

/** The address to send to: the target's, or its host name looked up in the test's address family. */
async function resolve(input: ProbeInput): Promise<string> {
  const { host, family } = input.target;
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host, family ? { family } : {})).address;
  } catch (e) {
    throw socketFailure(e as NodeJS.ErrnoException, 'tcp');
  }
}

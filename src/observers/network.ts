// `check network NAME with interface IF | address A`: the interface from /sys/class/net, read once
// per cycle: link state, speed and duplex, and its traffic counters, whose rates per second need two
// cycles (null on the first). `with address` finds the interface holding that address each cycle.
import { rethrowOwnFault } from '../util/own-fault.js';
import { readKernelFile } from '../util/kernel-file.js';
import { networkInterfaces } from 'node:os';
import type { Service } from '../config/model.js';
import type { Facts, Observed, Observer, ObserverModule } from './kind.js';

const COUNTERS = {
  downloadBytes: 'rx_bytes',
  uploadBytes: 'tx_bytes',
  downloadPackets: 'rx_packets',
  uploadPackets: 'tx_packets',
  downloadErrors: 'rx_errors',
  uploadErrors: 'tx_errors',
} as const;
type Counter = keyof typeof COUNTERS;

async function readSys(iface: string, file: string): Promise<string | undefined> {
  try {
    return readKernelFile(`/sys/class/net/${iface}/${file}`).trim();
  } catch (e) {
    rethrowOwnFault(e);
    return undefined;
  }
}

/** The interface holding ADDRESS, if any. */
function interfaceOf(address: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces()))
    if (addrs?.some((a) => a.address === address)) return name;
  return undefined;
}

/** The link: up unless the kernel says down (loopback says `unknown`, and carries). */
async function linkFacts(iface: string): Promise<Facts> {
  const [oper, carrier, speed, duplex] = await Promise.all(
    ['operstate', 'carrier', 'speed', 'duplex'].map((f) => readSys(iface, f)),
  );
  const up = oper !== 'down' && oper !== 'lowerlayerdown' && carrier !== '0';
  const mbps = speed === undefined ? NaN : Number(speed);
  return {
    operstate: oper ?? null,
    linkUp: up ? 1 : 0,
    // Virtual interfaces have no speed (EINVAL, or -1).
    speedBitsPerSecond: Number.isFinite(mbps) && mbps > 0 ? mbps * 1_000_000 : null,
    duplex: duplex === 'full' || duplex === 'half' ? duplex : null,
  };
}

class NetworkObserver implements Observer {
  #prev: { at: number; iface: string; c: Record<Counter, number> } | undefined;

  constructor(private readonly service: Service) {}

  async observe(now: number): Promise<Observed> {
    const s = this.service;
    const iface = s.interface ?? (s.address !== undefined ? interfaceOf(s.address) : undefined);
    const what = s.interface ?? `with address ${s.address ?? ''}`;
    if (iface === undefined || (await readSys(iface, 'operstate')) === undefined)
      return { ok: false, message: `network interface ${what} does not exist` };
    const values = await Promise.all(
      (Object.keys(COUNTERS) as Counter[]).map(
        async (k) => [k, Number(await readSys(iface, `statistics/${COUNTERS[k]}`))] as const,
      ),
    );
    const c = Object.fromEntries(values) as Record<Counter, number>;
    const prev = this.#prev?.iface === iface ? this.#prev : undefined;
    this.#prev = { at: now, iface, c };
    const secs = prev ? (now - prev.at) / 1000 : 0;
    const rates = Object.fromEntries(
      (Object.keys(COUNTERS) as Counter[]).map((k) => [
        `${k}PerSecond`,
        prev && secs > 0 ? Math.max(0, (c[k] - prev.c[k]) / secs) : null,
      ]),
    );
    const link = await linkFacts(iface);
    return {
      ok: true,
      facts: { interface: iface, ...link, ...c, ...rates, saturationPercent: saturation(link, rates) },
    };
  }
}

/** Traffic as a share of the link speed: the larger direction on full duplex, both on half. */
function saturation(link: Facts, rates: Record<string, number | null>): number | null {
  const speed = link['speedBitsPerSecond'];
  const down = rates['downloadBytesPerSecond'];
  const up = rates['uploadBytesPerSecond'];
  if (typeof speed !== 'number' || down == null || up == null) return null;
  const bits = (link['duplex'] === 'half' ? down + up : Math.max(down, up)) * 8;
  return Math.round((bits / speed) * 1000) / 10;
}

export const create: ObserverModule['create'] = (service) => new NetworkObserver(service);

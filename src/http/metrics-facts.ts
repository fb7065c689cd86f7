// Prometheus gauges of what system, filesystem and network services read each cycle, from the facts
// of their last cycle (see observers/): one table row per gauge, the facts it reads and its labels.
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { ServiceType } from '../config/model.js';
import type { RunnerStatus } from '../daemon/service-runner.js';

interface FactGauge {
  readonly name: string;
  readonly help: string;
  readonly type: ServiceType;
  /** The extra label and, for each of its values, the fact read. */
  readonly label?: string;
  readonly facts: Readonly<Record<string, string>>;
}

const GAUGES: readonly FactGauge[] = [
  {
    name: 'brokerwatch_system_load',
    help: 'Load average of the host over 1, 5 and 15 minutes',
    type: 'system',
    label: 'period',
    facts: { '1m': 'load1', '5m': 'load5', '15m': 'load15' },
  },
  {
    name: 'brokerwatch_system_cpu_percent',
    help: "Share of the host's CPU time since the previous cycle, by kind (usage: all but idle and I/O wait)",
    type: 'system',
    label: 'kind',
    facts: {
      usage: 'cpuUsage',
      user: 'cpuUser',
      system: 'cpuSystem',
      wait: 'cpuWait',
      nice: 'cpuNice',
      steal: 'cpuSteal',
    },
  },
  {
    name: 'brokerwatch_system_memory_percent',
    help: 'Memory in use on the host',
    type: 'system',
    facts: { '': 'memoryPercent' },
  },
  {
    name: 'brokerwatch_system_swap_percent',
    help: 'Swap in use on the host',
    type: 'system',
    facts: { '': 'swapPercent' },
  },
  {
    name: 'brokerwatch_filesystem_space_used_percent',
    help: 'Space in use on the file system (of the blocks not reserved for root, as df says)',
    type: 'filesystem',
    facts: { '': 'spaceUsedPercent' },
  },
  {
    name: 'brokerwatch_filesystem_space_available_bytes',
    help: 'Space a non-root user can still write on the file system',
    type: 'filesystem',
    facts: { '': 'spaceAvailableBytes' },
  },
  {
    name: 'brokerwatch_filesystem_inodes_used_percent',
    help: 'Inodes in use on the file system',
    type: 'filesystem',
    facts: { '': 'inodesUsedPercent' },
  },
  {
    name: 'brokerwatch_filesystem_io_bytes_per_second',
    help: 'Bytes read and written per second on the device behind the file system',
    type: 'filesystem',
    label: 'direction',
    facts: { read: 'readBytesPerSecond', write: 'writeBytesPerSecond' },
  },
  {
    name: 'brokerwatch_network_link_up',
    help: 'Whether the interface link is up',
    type: 'network',
    facts: { '': 'linkUp' },
  },
  {
    name: 'brokerwatch_network_bytes_per_second',
    help: 'Bytes per second through the interface since the previous cycle',
    type: 'network',
    label: 'direction',
    facts: { download: 'downloadBytesPerSecond', upload: 'uploadBytesPerSecond' },
  },
  {
    name: 'brokerwatch_network_saturation_percent',
    help: 'Traffic as a share of the link speed (the larger direction; full duplex)',
    type: 'network',
    facts: { '': 'saturationPercent' },
  },
];

/** Registers the gauges of the table, read from the runners at scrape time. */
export function registerFactGauges(registers: Registry[], runners: () => RunnerStatus[]): void {
  for (const g of GAUGES) {
    new Gauge({
      name: g.name,
      help: g.help,
      labelNames: g.label ? ['service', g.label] : ['service'],
      registers,
      collect() {
        this.reset();
        for (const s of runners()) {
          if (s.service.type !== g.type || !s.facts) continue;
          for (const [value, fact] of Object.entries(g.facts)) {
            const v = s.facts[fact];
            if (typeof v !== 'number') continue;
            this.set(g.label ? { service: s.service.name, [g.label]: value } : { service: s.service.name }, v);
          }
        }
      },
    });
  }
}

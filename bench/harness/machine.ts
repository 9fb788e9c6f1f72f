/** The machine a run happened on, and the process's peak memory. */
import os from 'node:os';

export interface MachineInfo {
  readonly os: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryMb: number;
  readonly node: string;
  /** 1-minute load average at the start: other work on the machine skews every figure. */
  readonly loadAverage: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    loadAverage: Number((os.loadavg()[0] ?? 0).toFixed(2)),
  };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

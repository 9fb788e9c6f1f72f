/**
 * The shape of bench/results/latest.json: every row measured, the chart series, the targets
 * with PASS/MISS, the cross-checks, and the machine they ran on.
 */
import type { LatencySummary } from './stats.js';
import type { MachineInfo } from './machine.js';

export type Unit = 'checks/s' | 'results/s' | 'rels/s' | 'writes/s' | 'ops/s' | 'subjects/s';

export interface BenchRow {
  /** Groups rows in the table, e.g. `check docs-10k sqlite`. */
  readonly section: string;
  /** What was measured, e.g. `trellis warm`, `casbin`, `floor Map.get`. */
  readonly name: string;
  readonly system: string;
  readonly dataset?: string;
  readonly relationships?: number;
  readonly backend?: 'sqlite' | 'postgres' | 'memory' | 'none';
  readonly concurrency?: number;
  readonly latency?: LatencySummary;
  readonly throughput: number;
  readonly unit: Unit;
  readonly operations: number;
  /** Engine cache hits / (hits + misses) during the timed part, when the system has a cache. */
  readonly cacheHitRatio?: number;
  /** Process peak RSS (MB) when the row finished; process-wide, so it only grows. */
  readonly peakRssMb: number;
  /** This row's throughput divided by the reference Trellis row's (floors > 1, peers < 1). */
  readonly vsTrellis?: number;
  /** Name of the Trellis row `vsTrellis` is relative to. */
  readonly reference?: string;
  /** Server CPU time per operation (gRPC rows). */
  readonly serverCpuUsPerOp?: number;
  /** `ok`, or why the row must not be compared (e.g. answers disagreed with Trellis). */
  readonly status: 'ok' | 'disagrees' | 'error' | 'skipped';
  readonly note?: string;
}

export interface ChartPoint {
  readonly relationships: number;
  readonly p50Us: number;
}

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
}

export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly goal: string;
  /** The measured figure, formatted, or why it could not be measured. */
  readonly measured: string;
  readonly status: 'PASS' | 'MISS' | 'N/A';
}

export interface CrossCheckReport {
  readonly section: string;
  readonly system: string;
  readonly questions: number;
  readonly disagreements: number;
  /** Up to five disagreeing questions with both answers. */
  readonly examples: readonly string[];
}

export interface BenchResults {
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly rows: readonly BenchRow[];
  readonly chart: readonly ChartSeries[];
  readonly targets: readonly TargetResult[];
  readonly crossChecks: readonly CrossCheckReport[];
  /** Sections that failed or were skipped, with the reason. */
  readonly problems: readonly string[];
}

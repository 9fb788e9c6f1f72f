/**
 * Collects everything a run measures (rows, chart points, cross-checks, problems) and runs each
 * section so that one failing section is reported without losing the others.
 */
import type { BenchRow, ChartSeries, CrossCheckReport } from './results.js';
import { peakRssMb } from './machine.js';

export type RowInput = Omit<BenchRow, 'peakRssMb' | 'status'> & { readonly status?: BenchRow['status'] };

export class Recorder {
  readonly rows: BenchRow[] = [];
  readonly crossChecks: CrossCheckReport[] = [];
  readonly problems: string[] = [];
  private readonly series = new Map<string, { relationships: number; p50Us: number }[]>();

  constructor(private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}

  add(row: RowInput): BenchRow {
    const full: BenchRow = { ...row, status: row.status ?? 'ok', peakRssMb: peakRssMb() };
    this.rows.push(full);
    const p50 = full.latency ? `${full.latency.p50Us.toFixed(1)}µs p50, ` : '';
    this.log(
      `  ${full.section} / ${full.name}: ${p50}${full.throughput.toFixed(0)} ${full.unit}${full.status === 'ok' ? '' : ` [${full.status}]`}`,
    );
    return full;
  }

  crossChecked(report: CrossCheckReport): void {
    this.crossChecks.push(report);
    if (report.disagreements > 0) {
      this.log(
        `  DISAGREEMENT ${report.section} / ${report.system}: ${report.disagreements} of ${report.questions}: ${report.examples.join(' | ')}`,
      );
    }
  }

  point(series: string, relationships: number, p50Us: number): void {
    const points = this.series.get(series) ?? [];
    points.push({ relationships, p50Us });
    this.series.set(series, points);
  }

  chart(): ChartSeries[] {
    return [...this.series].map(([name, points]) => ({ name, points }));
  }

  problem(what: string): void {
    this.problems.push(what);
    this.log(`  PROBLEM ${what}`);
  }

  note(line: string): void {
    this.log(line);
  }

  /**
   * Runs one section; an exception becomes a recorded problem, not the end of the run. A section
   * that overruns `timeoutMs` is abandoned (reported; its rows so far are kept) so one pathological
   * operation cannot hold the whole run hostage. Its work may continue in the background until
   * the process exits, so later figures can be disturbed: the problem says so.
   */
  async section(name: string, fn: () => Promise<void>, timeoutMs = Infinity): Promise<void> {
    const t0 = Date.now();
    this.log(`[${name}]`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const overrun = new Promise<never>((_, reject) => {
        if (Number.isFinite(timeoutMs)) {
          timer = setTimeout(
            () =>
              reject(
                new Error(`abandoned after ${(timeoutMs / 1000).toFixed(0)} s; figures after it may be disturbed by its unfinished work`),
              ),
            timeoutMs,
          );
        }
      });
      await Promise.race([fn(), overrun]);
    } catch (e) {
      this.problem(`${name}: ${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 3).join(' / ') : String(e)}`);
    } finally {
      clearTimeout(timer);
      this.log(`[${name}] ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      globalThis.gc?.();
    }
  }
}

/**
 * A hand-written SVG line chart of check latency (p50, log scale) against dataset size (log
 * scale), one line per system. No dependency: the chart is a few dozen SVG elements.
 */
import type { ChartSeries } from './results.js';
import { formatCount, formatLatency } from './format.js';

const W = 760;
const H = 440;
const M = { left: 70, right: 190, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

export function renderCheckLatencyChart(series: readonly ChartSeries[], title: string): string {
  const points = series.flatMap((s) => s.points).filter((p) => p.p50Us > 0 && p.relationships > 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  if (points.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`);
    return parts.join('\n');
  }
  const xTicks = decades(Math.min(...points.map((p) => p.relationships)), Math.max(...points.map((p) => p.relationships)));
  const yTicks = decades(Math.min(...points.map((p) => p.p50Us)), Math.max(...points.map((p) => p.p50Us)));
  const [x0, x1] = [Math.log10(xTicks[0] ?? 1), Math.log10(xTicks[xTicks.length - 1] ?? 10)];
  const [y0, y1] = [Math.log10(yTicks[0] ?? 1), Math.log10(yTicks[yTicks.length - 1] ?? 10)];
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sx = (v: number): number => M.left + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (v: number): number => M.top + plotH - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * plotH;
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + plotH}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${M.top + plotH + 18}" text-anchor="middle">${formatCount(t)}</text>`);
  }
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${M.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatLatency(t))}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">relationships in the dataset (log)</text>`);
  parts.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">check latency p50 (log)</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const pts = s.points.filter((p) => p.p50Us > 0 && p.relationships > 0).sort((a, b) => a.relationships - b.relationships);
    if (pts.length > 1) {
      const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p.relationships).toFixed(1)},${sy(p.p50Us).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of pts) {
      parts.push(
        `<circle cx="${sx(p.relationships).toFixed(1)}" cy="${sy(p.p50Us).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${formatLatency(p.p50Us)} at ${formatCount(p.relationships)}`)}</title></circle>`,
      );
    }
    const ly = M.top + 10 + i * 20;
    parts.push(`<line x1="${M.left + plotW + 14}" y1="${ly}" x2="${M.left + plotW + 34}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${M.left + plotW + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The lookup figure as a self-contained SVG line chart: hops against ring size, ring size on a log2 axis. */
import type { LookupPoint } from './lookup';

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 56, right: 150, top: 40, bottom: 52 };

interface Series {
  label: string;
  color: string;
  dash?: string;
  value(point: LookupPoint): number;
}

const SERIES: Series[] = [
  { label: 'mean hops', color: '#1f6feb', value: (p) => p.meanHops },
  { label: 'p99 hops', color: '#d1242f', dash: '6 4', value: (p) => p.p99Hops },
  { label: '½·log₂N + 1', color: '#6e7781', dash: '2 4', value: (p) => p.bound },
];

function fmt(x: number): string {
  return String(Math.round(x * 10) / 10);
}

export function lookupChart(points: readonly LookupPoint[]): string {
  if (points.length === 0) throw new RangeError('a chart needs at least one ring size');
  const sorted = [...points].sort((a, b) => a.nodes - b.nodes);
  const logs = sorted.map((p) => Math.log2(p.nodes));
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  // One ring size sits mid-axis rather than dividing by a zero-width range.
  const x = (nodes: number) => MARGIN.left + (hi === lo ? plotW / 2 : ((Math.log2(nodes) - lo) / (hi - lo)) * plotW);
  const yMax = Math.ceil(Math.max(...sorted.flatMap((p) => SERIES.map((s) => s.value(p))))) + 1;
  const y = (hops: number) => MARGIN.top + plotH - (hops / yMax) * plotH;
  const bottom = MARGIN.top + plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">Lookup hops against ring size (simulator)</text>`,
  ];
  for (let hops = 0; hops <= yMax; hops++) {
    parts.push(`<line x1="${MARGIN.left}" y1="${fmt(y(hops))}" x2="${MARGIN.left + plotW}" y2="${fmt(y(hops))}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${fmt(y(hops) + 4)}" text-anchor="end">${hops}</text>`);
  }
  for (const p of sorted) {
    parts.push(`<line x1="${fmt(x(p.nodes))}" y1="${bottom}" x2="${fmt(x(p.nodes))}" y2="${bottom + 5}" stroke="#24292f"/>`);
    parts.push(`<text x="${fmt(x(p.nodes))}" y="${bottom + 18}" text-anchor="middle">${p.nodes}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + plotW}" y2="${bottom}" stroke="#24292f"/>`);
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#24292f"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">peers in the ring (N, log scale)</text>`);
  parts.push(`<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">hops per lookup</text>`);
  SERIES.forEach((s, i) => {
    const coords = sorted.map((p) => `${fmt(x(p.nodes))},${fmt(y(s.value(p)))}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(`<polyline data-series="${s.label}" points="${coords.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    const ly = MARGIN.top + 12 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly + 4}">${s.label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

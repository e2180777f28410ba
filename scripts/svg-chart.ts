/** A dependency-free SVG line chart for the benchmark reports. */

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  /** Drawn against the right-hand axis. */
  right?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function lineChartSvg(title: string, xLabel: string, leftLabel: string, rightLabel: string | undefined, series: Series[], marks: Array<{ x: number; label: string }> = []): string {
  const W = 960;
  const H = 420;
  const L = 70;
  const R = rightLabel ? 80 : 20;
  const T = 40;
  const B = 60;
  const pw = W - L - R;
  const ph = H - T - B;
  const all = series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p[0]), ...marks.map((m) => m.x)));
  const yMaxL = niceMax(Math.max(0, ...series.filter((s) => !s.right).flatMap((s) => s.points.map((p) => p[1]))));
  const yMaxR = niceMax(Math.max(0, ...series.filter((s) => s.right).flatMap((s) => s.points.map((p) => p[1]))));
  const x = (v: number) => L + (v / xMax) * pw;
  const y = (v: number, right?: boolean) => T + ph - (v / (right ? yMaxR : yMaxL)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const yy = T + (ph * i) / 5;
    out.push(`<line x1="${L}" y1="${yy}" x2="${L + pw}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${yy + 4}" text-anchor="end">${Math.round((yMaxL * (5 - i)) / 5)}</text>`);
    if (rightLabel) out.push(`<text x="${L + pw + 6}" y="${yy + 4}">${Math.round((yMaxR * (5 - i)) / 5)}</text>`);
  }
  for (let i = 0; i <= 10; i++) {
    const xx = L + (pw * i) / 10;
    out.push(`<line x1="${xx}" y1="${T + ph}" x2="${xx}" y2="${T + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${xx}" y="${T + ph + 18}" text-anchor="middle">${Math.round((xMax * i) / 10)}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 22}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(leftLabel)}</text>`);
  if (rightLabel) out.push(`<text transform="translate(${W - 14} ${T + ph / 2}) rotate(90)" text-anchor="middle">${esc(rightLabel)}</text>`);
  for (const m of marks) {
    out.push(`<line x1="${x(m.x)}" y1="${T}" x2="${x(m.x)}" y2="${T + ph}" stroke="#c00" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x(m.x) + 3}" y="${T + 12}" fill="#c00" font-size="10">${esc(m.label)}</text>`);
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1], s.right).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.right ? ' stroke-dasharray="6 3"' : ''}/>`);
  }
  series.forEach((s, i) => {
    const lx = L + 10 + i * 220;
    out.push(`<line x1="${lx}" y1="${H - 8}" x2="${lx + 24}" y2="${H - 8}" stroke="${s.color}" stroke-width="2"${s.right ? ' stroke-dasharray="6 3"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${H - 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

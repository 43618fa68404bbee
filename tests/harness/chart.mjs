// A small SVG step chart: active leases over time per pool, with each pool's cap.
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

export function chart(pools, title) {
  const width = 900, height = 360, left = 50, right = 170, top = 40, bottom = 40;
  const tMax = Math.max(1000, ...pools.flatMap((p) => p.samples.map((s) => s[0])));
  const yMax = Math.max(1, ...pools.map((p) => p.cap), ...pools.flatMap((p) => p.samples.map((s) => s[1]))) + 1;
  const x = (t) => left + (t / tMax) * (width - left - right);
  const y = (v) => height - bottom - (v / yMax) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15">${title}</text>`,
    `<line x1="${left}" y1="${y(0)}" x2="${width - right}" y2="${y(0)}" stroke="#333"/>`,
    `<line x1="${left}" y1="${y(0)}" x2="${left}" y2="${top}" stroke="#333"/>`,
  ];
  for (let v = 0; v <= yMax; v += Math.max(1, Math.ceil(yMax / 8))) {
    parts.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text><line x1="${left}" y1="${y(v)}" x2="${width - right}" y2="${y(v)}" stroke="#eee"/>`);
  }
  for (let s = 0; s <= tMax / 1000; s += Math.max(1, Math.ceil(tMax / 1000 / 10))) {
    parts.push(`<text x="${x(s * 1000)}" y="${height - bottom + 16}" text-anchor="middle">${s}s</text>`);
  }
  pools.forEach((p, i) => {
    const color = COLORS[i % COLORS.length];
    let d = "";
    p.samples.forEach(([t, v], j) => { d += j === 0 ? `M${x(t)},${y(v)}` : `H${x(t)}V${y(v)}`; });
    parts.push(`<line x1="${left}" y1="${y(p.cap)}" x2="${width - right}" y2="${y(p.cap)}" stroke="${color}" stroke-dasharray="6 4"/>`);
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const max = Math.max(0, ...p.samples.map((s) => s[1]));
    parts.push(`<text x="${width - right + 10}" y="${top + 20 + i * 36}" fill="${color}">${p.name}: cap ${p.cap}</text>`);
    parts.push(`<text x="${width - right + 10}" y="${top + 34 + i * 36}" fill="${color}">max held ${max}</text>`);
  });
  parts.push(`<text x="${(width - right + left) / 2}" y="${height - 6}" text-anchor="middle">time since start (dashed: cap)</text>`, "</svg>");
  return parts.join("\n");
}

/**
 * Capacity in use over time as text, one block per series: a row per slot (the top row is the
 * pool's last slot), a column per `bucketMs`; a column shows the most slots in use in its bucket.
 * series: [{ name, cap, steps: [[t ms, in use]] }].
 */
export function asciiChart(series, { bucketMs = 250 } = {}) {
  const end = Math.max(1, ...series.flatMap((s) => s.steps.map(([t]) => t)));
  const columns = Math.ceil(end / bucketMs);
  const lines = [];
  for (const s of series) {
    const peak = Array.from({ length: columns }, (_, c) => Math.max(0, ...s.steps.filter(([t]) => t >= c * bucketMs && t < (c + 1) * bucketMs).map(([, n]) => n)));
    // A bucket without a sample keeps the level before it.
    for (let c = 1; c < columns; c++) if (!s.steps.some(([t]) => t >= c * bucketMs && t < (c + 1) * bucketMs)) peak[c] = peak[c - 1];
    lines.push(`  ${s.name}`);
    for (let level = s.cap; level >= 1; level--) lines.push(`  ${String(level).padStart(3)} │${peak.map((n) => (n >= level ? "█" : "·")).join("")}`);
  }
  const ticks = Array.from({ length: columns }, (_, c) => ((c * bucketMs) % 5000 === 0 ? "|" : " ")).join("");
  lines.push(`      └${ticks}`, `       each column ${bucketMs} ms, a mark every 5 s; █ a slot in use`);
  return lines.join("\n");
}

#!/usr/bin/env bash
# Prints line and branch coverage per shipped assembly from the Cobertura reports coverlet wrote
# under $1 (one per test project; a class counted in several reports takes its best figure).
set -uo pipefail
dir=${1:?results directory}
files=$(find "$dir" -name 'coverage.cobertura.xml')
[ -n "$files" ] || { echo "coverage: no report found"; exit 1; }
node - $files <<'JS'
const { readFileSync } = require("node:fs");
// package -> class file -> line number -> hits, and branch conditions -> [covered, total]
const lines = new Map(), branches = new Map();
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, "utf8");
  for (const pkg of xml.matchAll(/<package name="([^"]+)"[\s\S]*?<\/package>/g)) {
    const name = pkg[1];
    for (const cls of pkg[0].matchAll(/<class [^>]*filename="([^"]+)"[\s\S]*?<\/class>/g)) {
      for (const line of cls[0].matchAll(/<line number="(\d+)" hits="(\d+)"(?: branch="True" condition-coverage="\d+% \((\d+)\/(\d+)\)")?/g)) {
        const key = `${name}|${cls[1]}|${line[1]}`;
        lines.set(key, Math.max(lines.get(key) ?? 0, Number(line[2])));
        if (line[3] !== undefined) {
          const prev = branches.get(key) ?? [0, Number(line[4])];
          branches.set(key, [Math.max(prev[0], Number(line[3])), Number(line[4])]);
        }
      }
    }
  }
}
const sum = new Map();
for (const [key, hits] of lines) {
  const pkg = key.split("|")[0];
  const s = sum.get(pkg) ?? { l: 0, lc: 0, b: 0, bc: 0 };
  s.l++; if (hits > 0) s.lc++;
  const b = branches.get(key); if (b) { s.b += b[1]; s.bc += b[0]; }
  sum.set(pkg, s);
}
for (const [pkg, s] of [...sum].sort()) {
  const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : "n/a");
  console.log(`coverage: ${pkg}: lines ${pct(s.lc, s.l)}% (${s.lc}/${s.l}), branches ${pct(s.bc, s.b)}% (${s.bc}/${s.b})`);
}
JS

// Builds build/quickstart: tests/render/quickstart plus main.tf made of the README quick start's
// HCL blocks, verbatim except for the module source (pointed at this checkout).
//
//   node tools/quickstart.mjs [repo-root]
import { readFileSync, writeFileSync, mkdirSync, cpSync, rmSync } from "node:fs";
import { join, resolve, relative } from "node:path";

export function buildQuickstart(root = ".") {
  root = resolve(root);
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Quick start"));
  if (!section) throw new Error("README.md has no '## Quick start' section");
  const blocks = [...section.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length < 2) throw new Error("the quick start should have the module block and the integration block");
  const out = join(root, "build", "quickstart");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(root, "tests", "render", "quickstart"), out, { recursive: true });
  cpSync(join(root, "tests", "terraform", "fixtures", "lease-manager-test.zip"), join(out, "worker.zip"));
  const source = relative(out, root) || ".";
  const main = blocks.join("\n").replace(/source\s*=\s*"github\.com\/[^"]+"/, `source = "${source}"`);
  if (!main.includes(`source = "${source}"`)) throw new Error("the quick start's module source was not found");
  writeFileSync(join(out, "main.tf"), "# Generated from README.md's quick start by tools/quickstart.mjs.\n\n" + main);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(buildQuickstart(process.argv[2] ?? "."));
}

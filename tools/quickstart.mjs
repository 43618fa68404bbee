// Builds build/quickstart: tests/render/quickstart plus main.tf made of the README quick start's
// HCL blocks, verbatim except for the module source (pointed at this checkout).
//
//   node tools/quickstart.mjs [repo-root] [--callback]
//
// --callback (or { callback: true }) uncomments the quick start's one `sfn_wait_strategy = "callback"`
// line and writes build/quickstart-callback: the switch of strategy the README promises is one input.
import { readFileSync, writeFileSync, mkdirSync, cpSync, rmSync } from "node:fs";
import { join, resolve, relative } from "node:path";

export function buildQuickstart(root = ".", { callback = false } = {}) {
  root = resolve(root);
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Quick start"));
  if (!section) throw new Error("README.md has no '## Quick start' section");
  const blocks = [...section.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length < 2) throw new Error("the quick start should have the module block and the integration block");
  const out = join(root, "build", callback ? "quickstart-callback" : "quickstart");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(root, "tests", "render", "quickstart"), out, { recursive: true });
  cpSync(join(root, "tests", "terraform", "fixtures", "lease-manager-test.zip"), join(out, "worker.zip"));
  const source = relative(out, root) || ".";
  let main = blocks.join("\n").replace(/source\s*=\s*"github\.com\/[^"]+"/, `source = "${source}"`);
  if (callback) {
    const switched = main.replace(/^(\s*)# (sfn_wait_strategy = "callback")$/m, "$1$2");
    if (switched === main) throw new Error("the quick start has no commented-out sfn_wait_strategy = \"callback\" line");
    main = switched;
  }
  if (!main.includes(`source = "${source}"`)) throw new Error("the quick start's module source was not found");
  writeFileSync(join(out, "main.tf"), "# Generated from README.md's quick start by tools/quickstart.mjs.\n\n" + main);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  console.log(buildQuickstart(args.find((a) => !a.startsWith("--")) ?? ".", { callback: args.includes("--callback") }));
}

// Generates the README's inputs and outputs tables from variables.tf and outputs.tf.
//
//   node tools/tfdocs.mjs [--check] <module-dir> <README.md>
//
// Writes between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->; with --check, changes nothing
// and fails when the README is out of date (make test runs it so the tables cannot drift).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

// Blocks of a terraform-fmt'ed file: `kind "name" { ... }` with balanced braces.
function blocks(text, kind) {
  const found = [];
  const re = new RegExp(`^${kind} "([^"]+)" \\{`, "gm");
  let m;
  while ((m = re.exec(text))) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < text.length; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) break;
    }
    found.push({ name: m[1], body: text.slice(m.index + m[0].length, i) });
  }
  return found;
}

function balance(line) {
  let depth = 0;
  for (const c of line) {
    if (c === "(" || c === "{" || c === "[") depth++;
    if (c === ")" || c === "}" || c === "]") depth--;
  }
  return depth;
}

// Top-level attribute `key = value` of a block body (value may span lines with balanced brackets).
function attribute(body, key) {
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(new RegExp(`^  ${key}\\s+= (.*)$`));
    if (!m) continue;
    let value = m[1];
    let depth = balance(value);
    while (depth > 0 && ++i < lines.length) {
      value += "\n" + lines[i];
      depth += balance(lines[i]);
    }
    return value.trim();
  }
  return null;
}

const unquote = (s) => (s && s.startsWith('"') ? JSON.parse(s) : s);
const code = (s) => "`" + s.replace(/\s+/g, " ").replace(/\|/g, "\\|") + "`";
const cell = (s) => s.replace(/\|/g, "\\|");

export function tables(moduleDir) {
  const variables = blocks(readFileSync(join(moduleDir, "variables.tf"), "utf8"), "variable");
  const outputs = blocks(readFileSync(join(moduleDir, "outputs.tf"), "utf8"), "output");
  const lines = ["### Inputs", "", "| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"];
  for (const v of variables) {
    const def = attribute(v.body, "default");
    lines.push(`| <a name="input_${v.name}"></a> [${v.name}](#input\\_${v.name.replace(/_/g, "\\_")}) | ${cell(unquote(attribute(v.body, "description")) ?? "")} | ${code(attribute(v.body, "type") ?? "any")} | ${def === null ? "n/a" : code(def)} | ${def === null ? "yes" : "no"} |`);
  }
  lines.push("", "### Outputs", "", "| Name | Description |", "|------|-------------|");
  for (const o of outputs) {
    lines.push(`| <a name="output_${o.name}"></a> [${o.name}](#output\\_${o.name.replace(/_/g, "\\_")}) | ${cell(unquote(attribute(o.body, "description")) ?? "")} |`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const check = args[0] === "--check";
  const [moduleDir, readme] = check ? args.slice(1) : args;
  const text = existsSync(readme) ? readFileSync(readme, "utf8") : "";
  const begin = "<!-- BEGIN_TF_DOCS -->";
  const end = "<!-- END_TF_DOCS -->";
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`${readme}: no ${begin} ... ${end} section`);
    process.exit(1);
  }
  const updated = text.slice(0, a + begin.length) + "\n" + tables(moduleDir) + "\n" + text.slice(b);
  if (check) {
    const ok = updated === text;
    console.log(ok ? `ok   ${readme} tables match ${moduleDir}` : `FAIL ${readme} tables are out of date: run 'make docs'`);
    console.log(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
    process.exit(ok ? 0 : 1);
  }
  writeFileSync(readme, updated);
}

// Generates the README's inputs and outputs tables from variables*.tf and outputs*.tf.
//
//   node tools/tfdocs.mjs [--check] [--full] <module-dir> <README.md>
//
// --full adds Requirements, Providers, Modules and Resources (for the examples' root configurations).
//
// Writes between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->; with --check, changes nothing
// and fails when the README is out of date (make test runs it so the tables cannot drift).
import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
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

function tfFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith(".tf")).sort().map((f) => readFileSync(join(dir, f), "utf8"));
}

const anchor = (prefix, name) => `<a name="${prefix}_${name}"></a> [${name}](#${prefix}\\_${name.replace(/_/g, "\\_")})`;
const registry = (type, kind) =>
  `https://registry.terraform.io/providers/hashicorp/${type.split("_")[0]}/latest/docs/${kind === "data" ? "data-sources" : "resources"}/${type.split("_").slice(1).join("_")}`;

// Requirements, providers, modules and resources of a root configuration (an example).
function configurationTables(dir) {
  const text = tfFiles(dir).join("\n");
  const lines = ["## Requirements", "", "| Name | Version |", "|------|---------|"];
  const required = text.match(/required_version\s*=\s*"([^"]+)"/);
  if (required) lines.push(`| ${anchor("requirement", "terraform")} | ${required[1]} |`);
  const providers = [...text.matchAll(/^\s{4}(\w+) = \{\n\s+source\s+= "([^"]+)"\n\s+version\s+= "([^"]+)"/gm)];
  for (const p of providers) lines.push(`| ${anchor("requirement", p[1])} | ${p[3]} |`);
  lines.push("", "## Providers", "", "| Name | Version |", "|------|---------|");
  for (const p of providers) lines.push(`| ${anchor("provider", p[1])} | ${p[3]} |`);
  lines.push("", "## Modules", "", "| Name | Source | Version |", "|------|--------|---------|");
  for (const m of blocks(text, "module").sort((a, b) => (a.name < b.name ? -1 : 1))) {
    lines.push(`| ${anchor("module", m.name)} | ${unquote(attribute(m.body, "source"))} | ${unquote(attribute(m.body, "version")) ?? "n/a"} |`);
  }
  lines.push("", "## Resources", "", "| Name | Type |", "|------|------|");
  const managed = [...text.matchAll(/^resource "(\w+)" "(\w+)"/gm)].map((m) => [m[1], m[2]]).sort((a, b) => (`${a[0]}.${a[1]}` < `${b[0]}.${b[1]}` ? -1 : 1));
  const data = [...text.matchAll(/^data "(\w+)" "(\w+)"/gm)].map((m) => [m[1], m[2]]).sort((a, b) => (`${a[0]}.${a[1]}` < `${b[0]}.${b[1]}` ? -1 : 1));
  for (const [type, name] of managed) lines.push(`| [${type}.${name}](${registry(type, "resource")}) | resource |`);
  for (const [type, name] of data) lines.push(`| [${type}.${name}](${registry(type, "data")}) | data source |`);
  return lines.join("\n") + "\n\n";
}

// variables.tf, then variables-<concern>.tf in name order (likewise outputs): the tables list the
// inputs in the order a reader meets them in the files.
function concernFiles(dir, base) {
  const split = readdirSync(dir).filter((f) => f.startsWith(`${base}-`) && f.endsWith(".tf")).sort();
  return [`${base}.tf`, ...split].filter((f) => existsSync(join(dir, f))).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
}

export function tables(moduleDir, full = false) {
  const variables = blocks(concernFiles(moduleDir, "variables"), "variable");
  const outputs = blocks(concernFiles(moduleDir, "outputs"), "output");
  const level = full ? "##" : "###";
  const lines = [`${level} Inputs`, "", "| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"];
  for (const v of variables) {
    const def = attribute(v.body, "default");
    lines.push(`| <a name="input_${v.name}"></a> [${v.name}](#input\\_${v.name.replace(/_/g, "\\_")}) | ${cell(unquote(attribute(v.body, "description")) ?? "")} | ${code(attribute(v.body, "type") ?? "any")} | ${def === null ? "n/a" : code(def)} | ${def === null ? "yes" : "no"} |`);
  }
  lines.push("", `${level} Outputs`, "", "| Name | Description |", "|------|-------------|");
  for (const o of outputs) {
    lines.push(`| <a name="output_${o.name}"></a> [${o.name}](#output\\_${o.name.replace(/_/g, "\\_")}) | ${cell(unquote(attribute(o.body, "description")) ?? "")} |`);
  }
  if (full && outputs.length === 0) lines.push("No outputs.");
  return (full ? configurationTables(moduleDir) : "") + lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
  const [moduleDir, readme] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const check = flags.includes("--check");
  const full = flags.includes("--full");
  const text = existsSync(readme) ? readFileSync(readme, "utf8") : "";
  const begin = "<!-- BEGIN_TF_DOCS -->";
  const end = "<!-- END_TF_DOCS -->";
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`${readme}: no ${begin} ... ${end} section`);
    process.exit(1);
  }
  const updated = text.slice(0, a + begin.length) + "\n" + tables(moduleDir, full) + "\n" + text.slice(b);
  if (check) {
    const ok = updated === text;
    console.log(ok ? `ok   ${readme} tables match ${moduleDir}` : `FAIL ${readme} tables are out of date: run 'make docs'`);
    console.log(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
    process.exit(ok ? 0 : 1);
  }
  writeFileSync(readme, updated);
}

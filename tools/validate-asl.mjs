// Validates state machine definitions with both asl-validator and @wmfs/statelint.
//
//   node tools/validate-asl.mjs <definition.json>...
//
// Each validator has blind spots (statelint predates Distributed Map's ItemReader/ItemBatcher and
// the JSONata fields); where statelint reports only such a field, the finding is listed as a known
// blind spot instead of a failure, and asl-validator's verdict stands. Prints "N passed, N failed".
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import aslValidator from "asl-validator";

const require = createRequire(import.meta.url);
const statelint = require("@wmfs/statelint");

// Fields newer than statelint's grammar: it reports them as unknown; AWS and asl-validator know them.
const STATELINT_BLIND_SPOTS = [
  /Field "(ItemReader|ItemBatcher|ResultWriter|ItemSelector|ToleratedFailurePercentage|ToleratedFailureCount|ItemProcessor|Label|MaxItems)"/,
  /"ProcessorConfig"/,
  /Field "(QueryLanguage|Arguments|Output|Assign)" not allowed/,
  /Field "Condition" not allowed in .*\.Choices\[\d+\]/,
];

export function validate(definition) {
  const problems = [];
  const blindSpots = [];
  // asl-validator adds defaults (QueryLanguage) to what it is given: each validator gets its own copy.
  const { isValid, errors } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (!isValid) problems.push(...errors.map((e) => `asl-validator: ${e["Error code"] ?? ""} ${e.Message ?? JSON.stringify(e)}`));
  for (const finding of statelint().validate(structuredClone(definition))) {
    if (STATELINT_BLIND_SPOTS.some((re) => re.test(finding))) blindSpots.push(`statelint (blind spot): ${finding}`);
    else problems.push(`statelint: ${finding}`);
  }
  return { problems, blindSpots };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let passed = 0;
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    const { problems, blindSpots } = validate(JSON.parse(readFileSync(file, "utf8")));
    for (const b of blindSpots) console.log(`  note ${file}: ${b}`);
    if (problems.length === 0) {
      passed++;
      console.log(`ok   ${file}`);
    } else {
      failed++;
      console.log(`FAIL ${file}`);
      for (const p of problems) console.log(`     ${p}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

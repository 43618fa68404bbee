// The one launcher of the local peers: tests/LocalLambda (C#, shared with the .NET tests), started
// as a child process per peer. DynamoDB Local and the local Lambda host both come from it.
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** tests/LocalLambda, built on first use: the one launcher of the local peers (C#, shared with the .NET tests). */
function localPeersDll() {
  const dll = join(repoRoot, "tests", "LocalLambda", "bin", "Release", "net8.0", "LocalLambda.dll");
  if (!existsSync(dll)) {
    const build = spawnSync("dotnet", ["build", join(repoRoot, "tests", "LocalLambda"), "-c", "Release", "--nologo", "-v", "quiet"], { encoding: "utf8" });
    if (build.status !== 0) throw new Error(`building tests/LocalLambda failed:\n${build.stdout}`);
  }
  return dll;
}

/** Starts tests/LocalLambda with `args` and resolves with the text after `prefix` on its first line. */
export async function startPeerProcess(args, prefix) {
  const child = spawn("dotnet", [localPeersDll(), ...args], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, DOTNET_ROLL_FORWARD: "Major" } });
  const lines = createInterface({ input: child.stdout });
  const value = await new Promise((res, rej) => {
    lines.once("line", (line) => (line.startsWith(prefix) ? res(line.slice(prefix.length)) : rej(new Error(line))));
    child.once("exit", (code) => rej(new Error(`tests/LocalLambda ${args.join(" ")} exited with ${code}`)));
  });
  return { child, value };
}

/** Closes a peer process's stdin (its signal to stop) and waits for it, killing it after 5 s. */
export async function stopPeerProcess(child) {
  child.stdin.end();
  await new Promise((r) => { if (child.exitCode !== null) r(); else { child.once("exit", r); setTimeout(() => { child.kill("SIGKILL"); r(); }, 5000); } });
}


/**
 * `deno run -A bench/pip_imports.ts`: records which of the runtime's own
 * source files `pip install -r requirements.txt` imports, in import order,
 * and writes them to `lib/python/pip_imports.ts` (see `lib/python/bytecode.ts`).
 *
 * How: the benchmark's runtime without its bytecode, a by-hand staging of the
 * example app (the command supply runs), then every `.pyc` Python wrote next
 * to a source that came with the runtime, ordered by the time it was written
 * (Python writes each one right after compiling the module at its import).
 * @module
 */
import { join } from "node:path";
import { pythonRuntime } from "../tests/support/runtimes.ts";
import { mirrorEnv } from "../tests/support/pip_mirror.ts";
import { sourceOfPyc, stdlibDir } from "../lib/python/bytecode.ts";
import { byHandStaging, withoutBytecode } from "./by_hand.ts";
import { REPO } from "./staging.ts";
import { removeTree, runChecked } from "./support.ts";

/** Files under `root` with their mtimes in ns (Deno's Date keeps only ms: too coarse here). */
async function files(root: string): Promise<{ rel: string; mtime: bigint }[]> {
  const text = await runChecked("find", [root, "-type", "f", "-printf", "%T@ %P\\n"]);
  return text.split("\n").filter(Boolean).map((line) => {
    const space = line.indexOf(" ");
    const [sec, frac = ""] = line.slice(0, space).split(".");
    return { rel: line.slice(space + 1), mtime: BigInt(sec + frac.padEnd(9, "0").slice(0, 9)) };
  });
}

async function main(): Promise<void> {
  const runtime = await pythonRuntime("3.11");
  const pip = await mirrorEnv();
  if (!runtime || !pip) throw new Error("needs a pyenv CPython 3.11 and a pip mirror");
  const work = await Deno.makeTempDir({ dir: join(REPO, "bench"), prefix: ".pip-imports-" });
  try {
    const bare = await withoutBytecode(runtime.tarball, join(work, "rt"), runtime.version);
    const before = new Set(
      (await files(join(work, "rt", "stage"))).map((f) => f.rel).filter((r) => r.endsWith(".py")),
    );
    await byHandStaging(join(work, "staging"), bare.tarball, { pip });
    const python = join(work, "staging", "tmp", "contents123456789", "deps", "0", "python");
    const stdlib = stdlibDir(python, runtime.version);
    const prefix = stdlib.slice(python.length + 1) + "/";
    const written = (await files(stdlib))
      .map((f) => ({ ...f, source: sourceOfPyc(f.rel) }))
      .filter((f) => f.source !== undefined && before.has(prefix + f.source))
      .sort((a, b) => (a.mtime < b.mtime ? -1 : a.mtime > b.mtime ? 1 : 0));
    const lines = written.map((f) => `  ${JSON.stringify(f.source)},`);
    const out = join(REPO, "lib", "python", "pip_imports.ts");
    const header = (await Deno.readTextFile(out)).split("export const PIP_IMPORTS")[0];
    await Deno.writeTextFile(
      out,
      `${header}export const PIP_IMPORTS: readonly string[] = [\n${lines.join("\n")}\n];\n`,
    );
    console.log(`${written.length} files written to ${out} (run deno fmt on it)`);
  } finally {
    await removeTree(work);
  }
}

if (import.meta.main) await main();

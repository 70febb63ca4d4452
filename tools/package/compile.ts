/**
 * `deno compile` of the buildpack's `mod.ts` into one executable: target
 * x86_64 Linux, every permission granted at compile time (`-A`, no
 * prompts), only the npm packages the program reaches embedded
 * (`--exclude-unused-npm`), the lockfile frozen. The sources are first
 * copied with fixed mtimes (the embedded file system records them) to
 * `<repo>/dist/.compile-src`, a fixed path (module specifiers contain it).
 * @module
 */
import { dirname, join } from "node:path";
import { packageCompileFailed } from "../../lib/errors.ts";
import type { DenortSource } from "./denort.ts";

/** What the compiled program needs (its module graph lives in these). */
const SOURCES = ["mod.ts", "cmd", "lib", "deno.json", "deno.lock"];

async function copySources(from: string, to: string, epoch: number): Promise<void> {
  const copy = async (rel: string) => {
    const src = join(from, rel);
    const info = await Deno.lstat(src);
    if (info.isDirectory) {
      await Deno.mkdir(join(to, rel), { recursive: true });
      for await (const e of Deno.readDir(src)) {
        if (!e.name.endsWith("_test.ts")) await copy(join(rel, e.name));
      }
    } else if (info.isFile) {
      await Deno.mkdir(dirname(join(to, rel)), { recursive: true });
      await Deno.copyFile(src, join(to, rel));
      await Deno.utime(join(to, rel), epoch, epoch);
    }
  };
  for (const rel of SOURCES) await copy(rel);
}

/**
 * V8 settings baked into the executable, the same as the dev shim's
 * (`bin/buildpack`), each for supply's peak memory (issue 9, measured with
 * `deno task bench --only rss`; no measurable cost in time with `--only
 * cold`): a 1 MiB young generation (extraction allocates many short-lived
 * chunks), `--single-threaded` (no V8 worker threads, whose malloc arenas
 * and stacks cost ~5 MiB) and `--no-turbofan` (Maglev still optimises;
 * TurboFan's code and its compilations cost ~3 MiB in the extraction).
 */
export const V8_FLAGS = "--max-semi-space-size=1,--single-threaded,--no-turbofan";

/** The `deno compile` arguments. Pure. */
export function compileArgs(options: { src: string; output: string; target: string }): string[] {
  return [
    "compile",
    "--allow-all",
    "--no-prompt",
    `--v8-flags=${V8_FLAGS}`,
    "--target",
    options.target,
    "--exclude-unused-npm",
    "--app-name",
    "python-buildpack",
    "--config",
    join(options.src, "deno.json"),
    "--frozen",
    "--output",
    options.output,
    join(options.src, "mod.ts"),
  ];
}

/** Compile `<repo>/mod.ts` to `output`, streaming deno's output to stderr. */
export async function compileBuildpack(options: {
  repo: string;
  buildDir: string;
  output: string;
  target: string;
  epoch: number;
  denort: DenortSource;
  log: (line: string) => void;
}): Promise<void> {
  // A fixed path (the embedded module specifiers contain it), gitignored via dist/.
  const src = join(options.repo, "dist", ".compile-src");
  await Deno.remove(src, { recursive: true }).catch(() => {});
  await copySources(options.repo, src, options.epoch);
  const env: Record<string, string> = {};
  if (options.denort.kind === "DENORT_BIN") env.DENORT_BIN = options.denort.path;
  const args = compileArgs({ src, output: options.output, target: options.target });
  options.log(`deno ${args.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args,
    env,
    stdout: "inherit",
    stderr: "inherit",
    stdin: "null",
  }).output();
  await Deno.remove(src, { recursive: true }).catch(() => {});
  if (!status.success) throw packageCompileFailed(status.code);
}

/**
 * Bytecode for runtimes shipped without it. The official runtime tarballs
 * carry no `__pycache__`: the first `python -m pip` of every staging then
 * compiles the ~400 modules pip imports (stdlib and pip's own) as it goes,
 * about 1.1-1.6 s of a 1.5 s pip run. Started as pip starts, a second
 * process compiles the same files from the other end of pip's import order
 * ({@link PIP_IMPORTS}), so the two meet about halfway and pip finds the rest
 * compiled.
 *
 * It never changes what gets installed: the stdlib's `.pyc` files are
 * written as `unchecked-hash` (valid whatever the mtimes; pip never touches
 * the stdlib), pip's own as `checked-hash` (checked against the source at
 * import, so an app that upgrades pip meanwhile gets no stale bytecode), and
 * both Python and this compiler write each `.pyc` atomically (a temp file
 * renamed), so whichever writes last leaves a valid file.
 * @module
 */
import { join } from "node:path";
import { PIP_IMPORTS } from "./pip_imports.ts";

/** One file for the compiler: its path and how its `.pyc` is checked. */
export interface CompileItem {
  /** Absolute path of the `.py` file. */
  path: string;
  /** `u`: unchecked-hash (stdlib), `c`: checked-hash (site-packages). */
  mode: "u" | "c";
}

/**
 * The compiler, run as `python -c`: reads `<mode> <path>` lines on stdin and
 * compiles each, skipping what fails (pip then compiles it itself, or the
 * app does at its first import, as without this).
 */
export const COMPILER = [
  "import sys, py_compile",
  "M = py_compile.PycInvalidationMode",
  "n = 0",
  "for line in sys.stdin:",
  "    mode, path = line.rstrip('\\n').split(' ', 1)",
  "    try:",
  "        py_compile.compile(path, doraise=True, invalidation_mode=" +
  "M.UNCHECKED_HASH if mode == 'u' else M.CHECKED_HASH)",
  "        n += 1",
  "    except Exception:",
  "        pass",
  "print(n)",
].join("\n");

/** `lib/python3.X` of a runtime, from its `X.Y[.Z]` version. */
export function stdlibDir(pythonDir: string, version: string): string {
  const [major, minor] = version.split(".");
  return join(pythonDir, "lib", `python${major}.${minor}`);
}

/** The `.pyc` that shows a runtime ships bytecode: `os`'s, which every Python imports. */
export function osPyc(pythonDir: string, version: string): string {
  const [major, minor] = version.split(".");
  return join(stdlibDir(pythonDir, version), "__pycache__", `os.cpython-${major}${minor}.pyc`);
}

/** Where Python caches the bytecode of `rel` (`a/b.py` to `a/__pycache__/b.cpython-311.pyc`). */
export function pycOf(rel: string, version: string): string {
  const [major, minor] = version.split(".");
  const slash = rel.lastIndexOf("/");
  const dir = slash < 0 ? "" : rel.slice(0, slash + 1);
  const stem = rel.slice(slash + 1).replace(/\.py$/, "");
  return `${dir}__pycache__/${stem}.cpython-${major}${minor}.pyc`;
}

/**
 * What to compile, in order: pip's imports from last to first (pip goes the
 * other way), only those that need it; stdlib files unchecked, site-packages
 * files checked. Pure.
 *
 * @param stdlib the runtime's `lib/python3.X`
 * @param needsCompiling whether a source (relative to `stdlib`) exists and
 *   has no `.pyc` yet (a runtime restored from the app cache has them all)
 * @param imports pip's imports in import order (default {@link PIP_IMPORTS})
 */
export function compileOrder(
  stdlib: string,
  needsCompiling: (rel: string) => boolean,
  imports: readonly string[] = PIP_IMPORTS,
): CompileItem[] {
  const items: CompileItem[] = [];
  for (let i = imports.length - 1; i >= 0; i--) {
    const rel = imports[i];
    if (rel.startsWith("/") || rel.split("/").includes("..") || !rel.endsWith(".py")) continue;
    if (!needsCompiling(rel)) continue;
    items.push({ path: join(stdlib, rel), mode: rel.startsWith("site-packages/") ? "c" : "u" });
  }
  return items;
}

/** A compile running beside pip. */
export interface BytecodeJob {
  /** Files handed to the compiler. */
  files: number;
  /** Resolves once the compiler has exited (never rejects): how many it compiled, and when. */
  finished: Promise<{ compiled: number; ms: number }>;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * When the runtime at `pythonDir` has no bytecode, start compiling what pip
 * is about to import, in a child process; undefined when the runtime has
 * bytecode already (os's `.pyc`, or a `.pyc` for every file pip imports). Await `finished` before the
 * environment is saved or the droplet is made.
 *
 * @param pythonDir the installed runtime (`<deps>/0/python`)
 * @param options.version its version (`3.11.7`)
 * @param options.env the environment pip gets (`LD_LIBRARY_PATH` for libpython)
 */
export function compileBytecodeBehindPip(
  pythonDir: string,
  options: { version: string; env: Record<string, string> },
): BytecodeJob | undefined {
  if (isFile(osPyc(pythonDir, options.version))) return undefined;
  const stdlib = stdlibDir(pythonDir, options.version);
  const items = compileOrder(
    stdlib,
    (rel) => isFile(join(stdlib, rel)) && !isFile(join(stdlib, pycOf(rel, options.version))),
  );
  if (items.length === 0) return undefined;
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(join(pythonDir, "bin", "python3"), {
      // -I: isolated (no user site, no PYTHON* variables, no cwd on sys.path).
      args: ["-I", "-c", COMPILER],
      env: options.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return undefined; // An optimisation: pip compiles what it needs anyway.
  }
  const input = items.map((i) => `${i.mode} ${i.path}\n`).join("");
  const finished = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input)).catch(() => {});
    await writer.close().catch(() => {});
    const text = await new Response(child.stdout).text().catch(() => "");
    await child.status;
    const compiled = Number(text.trim());
    return {
      compiled: Number.isInteger(compiled) ? compiled : 0,
      ms: performance.now() - started,
    };
  })();
  return { files: items.length, finished };
}

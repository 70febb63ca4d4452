/**
 * A cached (offline) buildpack's bytecode for a runtime shipped without it:
 * the packager ran the runtime once, compiled what pip imports (as the
 * compiler beside pip would, see `bytecode.ts`) and bundled the `.pyc` files
 * as a `python-bytecode` dependency tied to that runtime's sha256. Staging
 * adds them to the extracted runtime, so pip and the compiler find them
 * compiled: about 0.7 s of a first staging on two CPUs.
 *
 * Only an optimisation: an archive that is missing, damaged or holds
 * anything but `.pyc` files of the runtime's own sources is left out with a
 * warning, and staging compiles as without it.
 * @module
 */
import { join } from "../path.ts";
import { dependenciesFor, type Dependency, type Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import type { Logger } from "../log.ts";

/** The manifest name of a runtime's bytecode archive. */
export const BYTECODE_DEPENDENCY = "python-bytecode";

/**
 * The bytecode archive made from exactly `runtime` (same version, same
 * tarball sha256: an override that swaps the tarball gets none). Pure.
 */
export function bytecodeArchiveFor(
  manifest: Manifest,
  runtime: Dependency,
  stack: string,
): Dependency | undefined {
  return dependenciesFor(manifest, BYTECODE_DEPENDENCY, stack).find((d) =>
    d.version === runtime.version && d.runtimeSha256 === runtime.sha256.toLowerCase()
  );
}

/**
 * Why `rel` (a file of the archive, relative to the runtime) cannot be one of
 * a `version` runtime's `.pyc` files; undefined when it can: under
 * `lib/pythonX.Y/`, in a `__pycache__` dir, named `<module>.cpython-XY.pyc`.
 * Pure.
 */
export function bytecodeEntryProblem(rel: string, version: string): string | undefined {
  const [major, minor] = version.split(".");
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return "not a plain relative path";
  if (parts[0] !== "lib" || parts[1] !== `python${major}.${minor}`) {
    return `not under lib/python${major}.${minor}/`;
  }
  if (parts.length < 4 || parts[parts.length - 2] !== "__pycache__") {
    return "not in a __pycache__ dir";
  }
  const tag = `.cpython-${major}${minor}.pyc`;
  const name = parts[parts.length - 1];
  if (!name.endsWith(tag) || name.length === tag.length) return `not a *${tag} file`;
  return undefined;
}

/** The source a `.pyc` of the archive belongs to (`a/__pycache__/b.cpython-311.pyc` -> `a/b.py`). Pure. */
export function sourceOfArchivePyc(rel: string): string {
  const parts = rel.split("/");
  const name = parts.pop()!;
  parts.pop(); // __pycache__
  return [...parts, `${name.slice(0, name.indexOf("."))}.py`].join("/");
}

/** Regular files under `dir`, relative; anything else is reported by name. */
async function listFiles(dir: string): Promise<{ files: string[]; others: string[] }> {
  const files: string[] = [];
  const others: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) files.push(path);
      else others.push(path);
    }
  };
  await walk("");
  return { files, others };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Add the bytecode archive `dep` (bundled in the buildpack) to the runtime
 * just extracted at `pythonDir`: each `.pyc` whose source is there and has
 * none yet is renamed into place (whole files: a `.pyc` is either there and
 * complete or not). Resolves with how many were added; 0 with a warning when
 * the archive is not used.
 */
export async function addBytecodeArchive(
  dep: Dependency,
  pythonDir: string,
  options: { installer: DependencyInstaller; log: Logger },
): Promise<number> {
  const { installer, log } = options;
  if (!(await installer.isBundled(dep))) {
    log.debug(`${dep.name} ${dep.version} is not in the buildpack: pip's imports compile here`);
    return 0;
  }
  const scratch = `${pythonDir}.bytecode-${crypto.randomUUID().slice(0, 8)}`;
  const skip = (why: string) => {
    log.warning(
      `Not using the buildpack's ${dep.name} ${dep.version} (${why}); ` +
        "compiling pip's imports during staging instead. Repackage the buildpack to fix it.",
    );
    return 0;
  };
  try {
    try {
      await installer.install(dep, scratch);
    } catch (err) {
      return skip(err instanceof Error ? err.message.split("\n")[0] : String(err));
    }
    const { files, others } = await listFiles(scratch);
    if (others.length) return skip(`${others[0]} is not a regular file`);
    for (const rel of files) {
      const problem = bytecodeEntryProblem(rel, dep.version);
      if (problem) return skip(`${rel}: ${problem}`);
    }
    let added = 0;
    try {
      for (const rel of files) {
        const target = join(pythonDir, rel);
        if (!(await exists(join(pythonDir, sourceOfArchivePyc(rel)))) || (await exists(target))) {
          continue;
        }
        await Deno.mkdir(join(target, ".."), { recursive: true });
        await Deno.rename(join(scratch, rel), target);
        added++;
      }
    } catch (err) {
      // What was added is whole and valid; the compiler does the rest.
      return skip(`after ${added} files: ${err instanceof Error ? err.message : err}`);
    }
    log.info(`Added ${added} precompiled modules of pip's imports from the buildpack`);
    return added;
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

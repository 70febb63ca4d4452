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
import { pathExists } from "../path_exists.ts";
import { sourceOfPyc } from "./bytecode.ts";

/** The manifest name of a runtime's bytecode archive. */
export const BYTECODE_DEPENDENCY = "python-bytecode";

/** The archive a runtime got its files from: the staging SBOM and the cache record name it. */
export type UsedBytecodeArchive = Pick<Dependency, "version" | "sha256">;

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

/** What {@link BytecodeArchive} fetched: its checked files in a scratch dir, or why not. */
type Fetched = { scratch: string; files: string[] } | { skip?: string; scratch?: string };

/**
 * A cached buildpack's bytecode archive for the runtime being installed at
 * `pythonDir`: fetched, verified, extracted and checked into a scratch dir
 * beside it from {@link BytecodeArchive.start} on, while the runtime itself
 * is extracted (its own extract child, on the other CPU); then
 * {@link addTo} renames each `.pyc` whose source is there and has none yet
 * into place (whole files: a `.pyc` is either there and complete or not).
 */
export class BytecodeArchive {
  #dep: Dependency;
  #pythonDir: string;
  #log: Logger;
  #fetched: Promise<Fetched>;

  private constructor(dep: Dependency, pythonDir: string, options: ArchiveOptions) {
    this.#dep = dep;
    this.#pythonDir = pythonDir;
    this.#log = options.log;
    this.#fetched = this.#fetch(options.installer).catch((err) => ({ skip: String(err) }));
  }

  /** Start fetching `dep` for the runtime that is going to `pythonDir`. */
  static start(dep: Dependency, pythonDir: string, options: ArchiveOptions): BytecodeArchive {
    return new BytecodeArchive(dep, pythonDir, options);
  }

  async #fetch(installer: DependencyInstaller): Promise<Fetched> {
    const dep = this.#dep;
    if (!(await installer.isBundled(dep))) {
      this.#log.debug(
        `${dep.name} ${dep.version} is not in the buildpack: pip's imports compile here`,
      );
      return {};
    }
    const scratch = `${this.#pythonDir}.bytecode-${crypto.randomUUID().slice(0, 8)}`;
    try {
      // The runtime's install takes the prestarted extract child.
      await installer.install(dep, scratch, { prestarted: false });
    } catch (err) {
      return { skip: err instanceof Error ? err.message.split("\n")[0] : String(err) };
    }
    let listed: { files: string[]; others: string[] };
    try {
      listed = await listFiles(scratch);
    } catch (err) {
      // Never a rejection: nothing awaits this until the runtime is in place.
      return { scratch, skip: `cannot list it: ${err instanceof Error ? err.message : err}` };
    }
    const { files, others } = listed;
    if (others.length) return { scratch, skip: `${others[0]} is not a regular file` };
    for (const rel of files) {
      const problem = bytecodeEntryProblem(rel, dep.version);
      if (problem) return { scratch, skip: `${rel}: ${problem}` };
    }
    return { scratch, files };
  }

  #skip(why: string): number {
    this.#log.warning(
      `Not using the buildpack's ${this.#dep.name} ${this.#dep.version} (${why}); ` +
        "compiling pip's imports during staging instead. Repackage the buildpack to fix it.",
    );
    return 0;
  }

  /**
   * Once the runtime is at `pythonDir`: add the archive's files. Resolves
   * with how many were added; 0, with a warning, when the archive is not used.
   */
  async addTo(): Promise<number> {
    const fetched = await this.#fetched;
    try {
      if (!("files" in fetched)) return fetched.skip ? this.#skip(fetched.skip) : 0;
      let added = 0;
      try {
        for (const rel of fetched.files) {
          const target = join(this.#pythonDir, rel);
          // An accepted entry is a .pyc path: it has a source.
          const source = join(this.#pythonDir, sourceOfPyc(rel)!);
          if (!(await pathExists(source)) || (await pathExists(target))) continue;
          await Deno.mkdir(join(target, ".."), { recursive: true });
          await Deno.rename(join(fetched.scratch, rel), target);
          added++;
        }
      } catch (err) {
        // What was added is whole and valid; the compiler does the rest.
        return this.#skip(`after ${added} files: ${err instanceof Error ? err.message : err}`);
      }
      this.#log.info(`Added ${added} precompiled modules of pip's imports from the buildpack`);
      return added;
    } finally {
      await this.discard();
    }
  }

  /** Remove what was fetched (the runtime's install failed, or after {@link addTo}). */
  async discard(): Promise<void> {
    const { scratch } = await this.#fetched;
    if (scratch) await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/** Where a {@link BytecodeArchive} comes from and logs. */
export interface ArchiveOptions {
  /** The staging's installer (the archive is one of the buildpack's dependencies). */
  installer: DependencyInstaller;
  /** The staging's log. */
  log: Logger;
}

/**
 * Add the bytecode archive `dep` to the runtime already at `pythonDir`
 * ({@link BytecodeArchive}, without the overlap). Resolves with how many
 * `.pyc` files were added.
 */
export function addBytecodeArchive(
  dep: Dependency,
  pythonDir: string,
  options: ArchiveOptions,
): Promise<number> {
  return BytecodeArchive.start(dep, pythonDir, options).addTo();
}

/**
 * Putting the CPython runtime into `deps/<IDX>/python`: reused from the app
 * cache when the previous staging used the same runtime, otherwise
 * extracted from the manifest dependency. Then `deps/<IDX>/bin` and `lib`
 * get relative links into it.
 * @module
 */
import { join, relative } from "../path.ts";
import type { Dependency } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import type { Logger } from "../log.ts";
import {
  beginSave,
  type EnvironmentRecord,
  forget,
  lookUp,
  type PreSave,
  restore,
} from "./environment_cache.ts";
import { installedDistributions, sitePackagesDir } from "./site_packages.ts";
import { type BytecodeJob, compileBytecodeBehindPip } from "./bytecode.ts";
import { BytecodeArchive, type UsedBytecodeArchive } from "./bytecode_archive.ts";
import { RUNTIME_EXTRA_LIB_DIR } from "./python_env.ts";

/** How the runtime got into place. */
export interface RuntimeResult {
  /** The previous environment (with packages) was reused. */
  reused: boolean;
  /** Its record, when reused. */
  previous?: EnvironmentRecord;
  /** Distributions the runtime tarball itself ships. */
  runtimePackages: string[];
  /** The next staging's copy, begun early (see `environment_cache.ts` `PreSave`). */
  preSave?: PreSave;
  /** A runtime installed without bytecode: what pip imports, compiling (see `bytecode.ts`). */
  bytecode?: BytecodeJob;
  /** The buildpack's bytecode archive whose files were added (now, or to the reused environment). */
  bytecodeArchive?: UsedBytecodeArchive;
}

/** Install or reuse the runtime in `<depsIdxDir>/python`. */
export async function installRuntime(
  dep: Dependency,
  options: {
    depsIdxDir: string;
    cacheDir: string;
    buildpackVersion: string;
    stack: string;
    installer: DependencyInstaller;
    log: Logger;
    /** `BP_CLEAN_INSTALL`: do not reuse the cached environment this time. */
    clean?: boolean;
    /** The environment pip will get, once the runtime is in place (for the bytecode compiler). */
    pythonEnv: () => Record<string, string>;
    /** A cached buildpack's bytecode for this runtime (see `bytecode_archive.ts`). */
    bytecodeArchive?: Dependency;
  },
): Promise<RuntimeResult> {
  const { log, cacheDir } = options;
  const pythonDir = join(options.depsIdxDir, "python");
  log.step(`Installing python ${dep.version}`);
  const { record, reasons } = await lookUp(cacheDir, {
    buildpackVersion: options.buildpackVersion,
    stack: options.stack,
    runtime: { version: dep.version, sha256: dep.sha256 },
    clean: options.clean,
  });
  await Deno.remove(pythonDir, { recursive: true }).catch(() => {});
  if (record && reasons.length === 0) {
    const restored = await restore(cacheDir, pythonDir, record);
    if (restored.ok) {
      options.installer.keep(dep);
      log.info(
        `Reusing the Python environment from the previous staging (same python ${dep.version} runtime)`,
      );
      return {
        reused: true,
        previous: record,
        runtimePackages: record.runtimePackages,
        preSave: restored.preSave,
        ...(record.bytecodeArchive && { bytecodeArchive: record.bytecodeArchive }),
      };
    }
    log.warning(
      `The cached Python environment is damaged: ${restored.reason}. Installing it afresh.`,
    );
  } else if (record || options.clean) {
    log.info(`Not reusing the cached Python environment: ${reasons.join("; ")}`);
  }
  await forget(cacheDir);
  // A cached buildpack's bytecode for it is fetched and extracted meanwhile, on the other CPU.
  const archive = options.bytecodeArchive &&
    BytecodeArchive.start(options.bytecodeArchive, pythonDir, options);
  try {
    await options.installer.install(dep, pythonDir);
  } catch (err) {
    await archive?.discard();
    throw err;
  }
  const added = await archive?.addTo() ?? 0;
  const sp = sitePackagesDir(pythonDir);
  // A runtime shipped without bytecode (as the official tarballs are) gets what pip
  // imports compiled beside pip instead of by pip (what the archive did not bring);
  // one stat when it has bytecode.
  const bytecode = compileBytecodeBehindPip(pythonDir, {
    version: dep.version,
    env: options.pythonEnv(),
  });
  return {
    reused: false,
    runtimePackages: sp ? installedDistributions(sp) : [],
    // The app cache's copy of the runtime is made while pip runs (once the compiler is
    // done: pip and it have both CPUs until then); the save adds pip's part.
    preSave: beginSave(cacheDir, pythonDir, { after: bytecode?.finished }),
    ...(bytecode && { bytecode }),
    ...(added > 0 && options.bytecodeArchive && {
      bytecodeArchive: {
        version: options.bytecodeArchive.version,
        sha256: options.bytecodeArchive.sha256,
      },
    }),
  };
}

/**
 * Relative symlinks `deps/<IDX>/bin/*` -> `../python/bin/*`, and into
 * `deps/<IDX>/lib` both `../python/lib/*` and, when the runtime has it,
 * `../python/usr/lib/x86_64-linux-gnu/*`.
 */
export async function linkRuntime(depsIdxDir: string): Promise<void> {
  const links: [string, string][] = [["bin", "bin"], ["lib", RUNTIME_EXTRA_LIB_DIR], [
    "lib",
    "lib",
  ]];
  for (const [sub, from] of links) {
    const dir = join(depsIdxDir, sub);
    await Deno.mkdir(dir, { recursive: true });
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(depsIdxDir, "python", from)));
    } catch {
      continue;
    }
    for (const e of entries) {
      const link = join(dir, e.name);
      await Deno.remove(link).catch(() => {});
      await Deno.symlink(relative(dir, join(depsIdxDir, "python", from, e.name)), link);
    }
  }
}

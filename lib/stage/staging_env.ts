/**
 * The environment buildpack subprocesses see during staging: the platform's
 * env, every `deps/<i>/{bin,lib,include,pkgconfig}` prepended to the search
 * paths and every `deps/<i>/env/NAME` file exported (what earlier buildpacks
 * supply to later ones). The platform's variables that would redirect or
 * break a Python install (PIP_TARGET, PYTHONPATH, ...) are left out, so no
 * process the buildpack starts (hooks, conda, pip) sees them.
 * @module
 */
import { join } from "../path.ts";
import { withoutIgnoredVariables } from "../python/hostile_env.ts";

const PATH_VARS: [string, string][] = [
  ["bin", "PATH"],
  ["lib", "LD_LIBRARY_PATH"],
  ["lib", "LIBRARY_PATH"],
  ["include", "CPATH"],
  ["pkgconfig", "PKG_CONFIG_PATH"],
];

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Deps indexes present under `depsDir`, in the platform's order. */
export function depsIndexes(depsDir: string): string[] {
  try {
    return [...Deno.readDirSync(depsDir)].filter((e) => e.isDirectory && /^\d+$/.test(e.name))
      .map((e) => e.name).sort((a, b) => Number(a) - Number(b));
  } catch {
    return [];
  }
}

/** Prepend `dirs` to a `:`-separated list. */
export function prependPath(dirs: string[], current: string | undefined): string {
  return [...dirs, ...(current ? current.split(":").filter(Boolean) : [])].join(":");
}

/**
 * Staging env over `base` (the platform's env without the variables
 * hostile_env.ts ignores): search paths from every deps dir (lower index
 * first, as libbuildpack does) and the values of their `env/` files (which a
 * buildpack writes on purpose, so they are kept).
 */
export function stagingEnv(depsDir: string, base: Record<string, string>): Record<string, string> {
  const env = withoutIgnoredVariables(base);
  const idxs = depsIndexes(depsDir);
  for (const [sub, name] of PATH_VARS) {
    const dirs = idxs.map((i) => join(depsDir, i, sub)).filter(isDir);
    if (dirs.length) env[name] = prependPath(dirs, env[name]);
  }
  for (const i of idxs) {
    const envDir = join(depsDir, i, "env");
    if (!isDir(envDir)) continue;
    for (const e of Deno.readDirSync(envDir)) {
      if (e.isFile) env[e.name] = Deno.readTextFileSync(join(envDir, e.name));
    }
  }
  return env;
}

/**
 * The environment the staged python runs with, at staging and in finalize,
 * and where a runtime keeps what the dynamic linker must find. Its own small
 * module: finalize needs it without pip's install code (and the lock-file
 * parsers, YAML and tar code that come with it) loading at its start.
 * @module
 */
import { join } from "../path.ts";
import { withoutIgnoredVariables } from "./hostile_env.ts";

/**
 * Where the official Cloud Foundry python tarballs carry libraries the stack
 * lacks (Tcl/Tk for `_tkinter`), relative to the runtime. Their buildpack
 * links it into `deps/<IDX>/lib` (so LD_LIBRARY_PATH finds them); so do we.
 */
export const RUNTIME_EXTRA_LIB_DIR = "usr/lib/x86_64-linux-gnu";

const STAGING_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/**
 * The env for the staged python: the staging env minus every variable that
 * would redirect or break an install or change how python starts
 * (PYTHONHOME/PYTHONPATH of the host or of another buildpack, PIP_TARGET,
 * PIP_USER, PYTHONINSPECT, ...: see hostile_env.ts; `ignoredVariables` lists
 * them for the log), pip's cache in the app cache, and the stack's CA bundle.
 */
export function pythonEnv(
  base: Record<string, string>,
  paths: { cacheDir: string; depsIdxDir: string; caBundleExists?: boolean },
): Record<string, string> {
  const env = withoutIgnoredVariables(base);
  env.XDG_CACHE_HOME = join(paths.cacheDir, "pip_cache");
  env.PIP_NO_INPUT = "1";
  env.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  // Staging runs as root only in emulators; on the platform it is vcap.
  env.PIP_ROOT_USER_ACTION ??= "ignore";
  // pip trusts only PIP_CERT; keep it in line with the buildpack's own downloads.
  if (!env.PIP_CERT) {
    if (env.SSL_CERT_FILE) env.PIP_CERT = env.SSL_CERT_FILE;
    else if (paths.caBundleExists ?? true) env.PIP_CERT = STAGING_CA_BUNDLE;
  }
  const python = join(paths.depsIdxDir, "python");
  const prepend = (name: string, dirs: string[]) => {
    const value = [...dirs, ...(env[name] ? [env[name]] : [])].join(":");
    if (value) env[name] = value;
  };
  prepend("PATH", [join(python, "bin")]);
  // A runtime without RUNPATH (like the official ones) finds libpython and
  // its bundled Tcl/Tk only through these.
  prepend("LD_LIBRARY_PATH", [join(python, "lib"), join(python, RUNTIME_EXTRA_LIB_DIR)]);
  // What compilers of C extensions need (the official buildpack sets CFLAGS;
  // CPATH and LIBRARY_PATH leave the app's own CFLAGS/LDFLAGS alone): the
  // runtime's Python.h for builds that do not ask sysconfig, and libpython
  // for those that link it.
  prepend("LIBRARY_PATH", [join(python, "lib")]);
  prepend("CPATH", includeDirs(python));
  return env;
}

/** `<python>/include/python3.X` (one per ABI the runtime ships; none before it is installed). */
function includeDirs(python: string): string[] {
  try {
    return [...Deno.readDirSync(join(python, "include"))]
      .filter((e) => e.isDirectory && /^python\d+\.\d+/.test(e.name))
      .map((e) => join(python, "include", e.name)).sort();
  } catch {
    return [];
  }
}

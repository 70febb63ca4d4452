/**
 * `conda env update -n dep_env -f environment.yml` and `conda clean -pt`,
 * with conda's package cache in the app cache. The environment is the
 * staging env (so `CONDA_*`, `PIP_*` and proxy variables reach conda and the
 * pip it runs for a `pip:` section) minus what would point conda's own
 * Python elsewhere.
 * @module
 */
import { join } from "../path.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { condaEnvUpdateFailed } from "../errors.ts";

/** The name of the environment conda creates and profile.d activates. */
export const ENV_NAME = "dep_env";

/** Variables that would make conda's Python load another Python's files. */
const FOREIGN_PYTHON_VARS = [
  "PYTHONHOME",
  "PYTHONPATH",
  "PYTHONUSERBASE",
  "PYTHONSTARTUP",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "CONDA_DEFAULT_ENV",
  "CONDA_SHLVL",
];

/** conda's environment: `base` plus `CONDA_PKGS_DIRS=<cache>/conda`. Pure. */
export function condaEnv(
  base: Record<string, string>,
  paths: { cacheDir: string },
): Record<string, string> {
  const env = { ...base };
  for (const k of FOREIGN_PYTHON_VARS) delete env[k];
  env.CONDA_PKGS_DIRS = join(paths.cacheDir, "conda");
  return env;
}

/** The `conda env update` arguments, as the official buildpack passes them. Pure. */
export function envUpdateArgs(environmentYml: string, options: { debug: boolean }): string[] {
  return [
    "env",
    "update",
    ...(options.debug ? ["--debug", "--verbose"] : ["--quiet"]),
    "-n",
    ENV_NAME,
    "-f",
    environmentYml,
  ];
}

/** Create or update `dep_env` from the app's environment.yml, then `conda clean -pt`. */
export async function updateEnvironment(
  condaDir: string,
  options: { environmentYml: string; env: Record<string, string>; log: Logger; debug: boolean },
): Promise<void> {
  const { log, env } = options;
  log.step("Installing Dependencies");
  log.step("Installing conda environment from environment.yml");
  const conda = join(condaDir, "bin", "conda");
  log.debug(`Setting CONDA_PKGS_DIRS to ${env.CONDA_PKGS_DIRS}`);
  const args = envUpdateArgs(options.environmentYml, { debug: options.debug });
  log.debug(`Run Conda: ${conda} ${args.join(" ")}`);
  const update = await run(conda, args, { cwd: "/", env, log });
  if (update.code !== 0) throw condaEnvUpdateFailed("conda env update", update.code);
  const clean = await run(conda, ["clean", "-pt"], { cwd: "/", env, log });
  if (clean.code !== 0) throw condaEnvUpdateFailed("conda clean", clean.code);
}

/**
 * What supply leaves in `deps/<IDX>` for later buildpacks and for runtime:
 * `env/` files, `profile.d/python.sh` and `config.yml`. The texts are pure
 * functions so tests can check them without a filesystem.
 * @module
 */
import { join } from "../path.ts";

/** Facts the launch files are made from. */
export interface LaunchFacts {
  /** Zero-padded deps index. */
  depsIdx: string;
  /** Buildpack version (config.yml). */
  buildpackVersion: string;
  /** Whether NLTK data was installed into `deps/<IDX>/python/nltk_data`. */
  nltkData?: boolean;
}

/**
 * `profile.d/python.sh`, sourced by the launcher from `$DEPS_DIR`-relative
 * paths only: nothing here may name a staging path.
 */
export function profileScript(facts: LaunchFacts): string {
  const d = `$DEPS_DIR/${facts.depsIdx}`;
  return [
    "export LANG=${LANG:-en_US.UTF-8}",
    "export PYTHONHASHSEED=${PYTHONHASHSEED:-random}",
    `export PYTHONPATH=${d}`,
    `export PYTHONHOME=${d}/python`,
    "export PYTHONUNBUFFERED=1",
    `export LD_LIBRARY_PATH=${d}/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`,
    "export FORWARDED_ALLOW_IPS='*'",
    "export GUNICORN_CMD_ARGS=${GUNICORN_CMD_ARGS:-'--access-logfile -'}",
    ...(facts.nltkData ? [`export NLTK_DATA=${d}/python/nltk_data`] : []),
    "",
  ].join("\n");
}

/** `env/NAME` values for later buildpacks' staging (staging paths are right here). */
export function envFiles(depsIdxDir: string, facts: LaunchFacts): Record<string, string> {
  const python = join(depsIdxDir, "python");
  return {
    PYTHONHOME: python,
    PYTHONPATH: depsIdxDir,
    LIBRARY_PATH: join(depsIdxDir, "lib"),
    PYTHONUNBUFFERED: "1",
    PYTHONHASHSEED: "random",
    LANG: "en_US.UTF-8",
    ...(facts.nltkData ? { NLTK_DATA: join(python, "nltk_data") } : {}),
  };
}

/** `config.yml`: how the platform names this buildpack in its metadata. */
export function configYaml(facts: LaunchFacts): string {
  return `name: python\nversion: ${facts.buildpackVersion}\nconfig: {}\n`;
}

/** Write env/, profile.d/python.sh and config.yml into `deps/<IDX>`. */
export async function writeLaunchFiles(depsIdxDir: string, facts: LaunchFacts): Promise<void> {
  await Deno.mkdir(join(depsIdxDir, "env"), { recursive: true });
  await Deno.mkdir(join(depsIdxDir, "profile.d"), { recursive: true });
  for (const [name, value] of Object.entries(envFiles(depsIdxDir, facts))) {
    await Deno.writeTextFile(join(depsIdxDir, "env", name), value);
  }
  await Deno.writeTextFile(join(depsIdxDir, "profile.d", "python.sh"), profileScript(facts));
  await Deno.writeTextFile(join(depsIdxDir, "config.yml"), configYaml(facts));
}

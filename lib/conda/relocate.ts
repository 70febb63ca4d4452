/**
 * Making the staged conda installation work from where the droplet runs.
 *
 * conda writes its install prefix into text files (shebangs of `bin/conda`
 * and of every console script, `bin/activate`, `etc/profile.d/conda.sh`,
 * `conda-meta/*`). Staging installs into `/tmp/contentsN/deps/<IDX>/conda`;
 * the app runs from `$DEPS_DIR/<IDX>/conda`, whose value is only known at
 * launch (`/home/vcap/deps` on the platform, elsewhere in the emulator). So,
 * like the official buildpack, the rewrite happens at launch; unlike it, the
 * files to rewrite are found once at staging (the official profile script
 * greps the whole conda tree on every start) and the profile script names no
 * staging path: it reads the prefix to replace from
 * `deps/<IDX>/conda-relocation/prefix` and records the new one there, so it
 * runs once per container. Binary files (compiled code, `.pyc`) are left
 * alone, as the official buildpack leaves them.
 * @module
 */
import { join, relative } from "../path.ts";
import { ENV_NAME } from "./env_update.ts";

/** Dir in `deps/<IDX>` with the relocation's `files` and `prefix`. */
export const RELOCATION_DIR = "conda-relocation";

/** `deps/<IDX>/profile.d/` script name. */
export const PROFILE_SCRIPT = "conda.sh";

/**
 * `profile.d/conda.sh`: rewrite the listed files from the recorded prefix to
 * `$DEPS_DIR/<IDX>` when they differ, then `source .../conda/bin/activate
 * dep_env`. Pure.
 */
export function profileScript(depsIdx: string): string {
  return `# Written by the Python buildpack: activates the app's conda environment (environment.yml).
# conda writes its install prefix into scripts and metadata. The text files that name the
# prefix staging used were listed at staging in ${RELOCATION_DIR}/files; they are rewritten
# to this container's \$DEPS_DIR/${depsIdx} once (${RELOCATION_DIR}/prefix records which
# prefix they name now), then ${ENV_NAME} is activated.
__bp_conda="$DEPS_DIR/${depsIdx}"
__bp_conda_from="$(cat "$__bp_conda/${RELOCATION_DIR}/prefix")"
if [ "$__bp_conda_from" != "$__bp_conda" ]; then
  __bp_conda_re="$(printf '%s\\n' "$__bp_conda_from" | sed -e 's/[\\.*^$|[]/\\\\&/g')"
  __bp_conda_to="$(printf '%s\\n' "$__bp_conda" | sed -e 's/[\\&|]/\\\\&/g')"
  if (cd "$__bp_conda" && xargs -0 -r sed -i -e "s|$__bp_conda_re|$__bp_conda_to|g" <${RELOCATION_DIR}/files); then
    printf '%s\\n' "$__bp_conda" >"$__bp_conda/${RELOCATION_DIR}/prefix"
  else
    echo "conda: could not rewrite $__bp_conda_from to $__bp_conda in $__bp_conda/conda" >&2
  fi
fi
source "$__bp_conda/conda/bin/activate" ${ENV_NAME}
unset __bp_conda __bp_conda_from __bp_conda_re __bp_conda_to
`;
}

/**
 * Text files under `<depsIdxDir>/conda` that contain `depsIdxDir`, relative
 * to `depsIdxDir` (GNU grep: recursive, fixed string, binary files skipped,
 * symlinks not followed).
 */
export async function prefixedTextFiles(depsIdxDir: string): Promise<string[]> {
  const out = await new Deno.Command("grep", {
    args: ["-rlIZF", "--", depsIdxDir, join(depsIdxDir, "conda")],
    env: { LC_ALL: "C", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code > 1) {
    throw new Error(
      `grep over ${depsIdxDir}/conda failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout).split("\0").filter(Boolean)
    .map((p) => relative(depsIdxDir, p)).sort();
}

/** Write `conda-relocation/files` (NUL-separated) and `conda-relocation/prefix`. */
export async function writeRelocation(depsIdxDir: string, files: string[]): Promise<void> {
  const dir = join(depsIdxDir, RELOCATION_DIR);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "files"), files.map((f) => f + "\0").join(""));
  await Deno.writeTextFile(join(dir, "prefix"), depsIdxDir + "\n");
}

/**
 * The launch environment of every deps dir: `000_multi-supply.sh` (the
 * launcher does not source the deps dirs' profile.d, so the final buildpack does
 * it) and copies of each `deps/<i>/profile.d/NAME` into the profile dir.
 * @module
 */
import { join } from "../path.ts";
import { depsIndexes } from "./staging_env.ts";
import { byCodeUnit } from "../compare.ts";

const LAUNCH_VARS: [string, string[]][] = [
  ["bin", ["PATH"]],
  ["lib", ["LD_LIBRARY_PATH", "LIBRARY_PATH"]],
];

/**
 * `000_multi-supply.sh` for deps indexes that have `bin`/`lib`; later
 * buildpacks first, so the final buildpack's programs win. Pure.
 */
export function multiSupplyScript(dirs: { idx: string; subdirs: string[] }[]): string {
  const lines: string[] = [];
  for (const [sub, vars] of LAUNCH_VARS) {
    const paths = dirs.filter((d) => d.subdirs.includes(sub)).map((d) =>
      `$DEPS_DIR/${d.idx}/${sub}`
    )
      .reverse();
    if (!paths.length) continue;
    for (const v of vars) {
      lines.push(`export ${v}=${paths.join(":")}$([[ ! -z "\${${v}:-}" ]] && echo ":$${v}")`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Write `000_multi-supply.sh` and copy each `deps/<i>/profile.d/NAME` as `<i>_NAME`. */
export async function writeProfileDir(depsDir: string, profileDir: string): Promise<string[]> {
  await Deno.mkdir(profileDir, { recursive: true });
  const dirs = depsIndexes(depsDir).map((idx) => ({
    idx,
    subdirs: ["bin", "lib"].filter((s) => {
      try {
        return Deno.statSync(join(depsDir, idx, s)).isDirectory;
      } catch {
        return false;
      }
    }),
  }));
  await Deno.writeTextFile(join(profileDir, "000_multi-supply.sh"), multiSupplyScript(dirs));
  const copied: string[] = [];
  for (const { idx } of dirs) {
    const src = join(depsDir, idx, "profile.d");
    let entries: Deno.DirEntry[];
    try {
      entries = (await Array.fromAsync(Deno.readDir(src))).sort((a, b) =>
        byCodeUnit(a.name, b.name)
      );
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isFile) continue;
      await Deno.copyFile(join(src, e.name), join(profileDir, `${idx}_${e.name}`));
      copied.push(`${idx}_${e.name}`);
    }
  }
  return copied;
}

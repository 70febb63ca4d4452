/**
 * Miniforge from the manifest: which `miniforge` dependency the stack gets
 * (pure), and running its `.sh` installer in batch mode into
 * `deps/<IDX>/conda`.
 * @module
 */
import type { Dependency, Manifest } from "../manifest.ts";
import { defaultVersion, dependenciesFor } from "../manifest.ts";
import { compareVersions, matchVersion } from "../python/version.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { condaInstallFailed, condaNotOffered } from "../errors.ts";

/** The manifest dependency name of the conda installer. */
export const MINIFORGE = "miniforge";

/**
 * The miniforge dependency for `stack`: the `default_versions` match if the
 * manifest names one, else the highest version.
 * @throws BuildpackError naming the stacks that have one when none fits
 */
export function chooseMiniforge(manifest: Manifest, stack: string): Dependency {
  const offered = dependenciesFor(manifest, MINIFORGE, stack);
  if (offered.length === 0) {
    const stacks = new Set<string>();
    for (const d of manifest.dependencies) {
      if (d.name !== MINIFORGE) continue;
      for (const s of d.cfStacks.length ? d.cfStacks : [manifest.stack ?? ""]) {
        if (s) stacks.add(s);
      }
    }
    throw condaNotOffered(stack, [...stacks].sort());
  }
  const wanted = defaultVersion(manifest, MINIFORGE);
  const versions = offered.map((d) => d.version);
  let version: string | undefined;
  try {
    version = wanted === undefined ? undefined : matchVersion(wanted, versions);
  } catch {
    version = undefined;
  }
  version ??= versions.sort(compareVersions).at(-1)!;
  return offered.find((d) => d.version === version)!;
}

/**
 * Fetch the verified installer and run `bash <installer> -b -p <condaDir>`
 * (the installer is read, not executed, so a read-only cached buildpack
 * works), its output streamed into the log.
 */
export async function installMiniforge(
  dep: Dependency,
  options: {
    installer: DependencyInstaller;
    condaDir: string;
    env: Record<string, string>;
    log: Logger;
  },
): Promise<void> {
  const { log } = options;
  log.step(`Installing ${MINIFORGE} ${dep.version}`);
  const file = await options.installer.fetch(dep);
  log.step("Installing Miniforge");
  await Deno.remove(options.condaDir, { recursive: true }).catch(() => {});
  const res = await run("bash", [file, "-b", "-p", options.condaDir], {
    cwd: "/",
    env: options.env,
    log,
  });
  if (res.code !== 0) throw condaInstallFailed(res.code);
}

/**
 * Build backends for vendored source distributions: with no index and no
 * build isolation, pip builds sdists in vendor/ with whatever the runtime
 * has, so setuptools, wheel, flit-core and poetry-core are installed first
 * from the manifest's dependencies (their files, no network).
 * @module
 */
import { join } from "../path.ts";
import { dependenciesFor, type Dependency, type Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import { compareVersions } from "./version.ts";
import { type PipContext, runPip } from "./pip.ts";
import { findLinks } from "./pip_version.ts";
import { BUILD_BACKENDS } from "./vendor.ts";

/** The newest manifest dependency of each build backend for the stack, in install order. Pure. */
export function backendDependencies(manifest: Manifest, stack: string): Dependency[] {
  return BUILD_BACKENDS.flatMap((name) => {
    const deps = dependenciesFor(manifest, name, stack)
      .sort((a, b) => compareVersions(a.version, b.version));
    return deps.length ? [deps[deps.length - 1]] : [];
  });
}

/** Install the manifest's build backends into the runtime with `--no-index`. */
export async function installBuildBackends(
  pip: PipContext,
  options: {
    manifest: Manifest;
    stack: string;
    installer: DependencyInstaller;
    scratchDir: string;
  },
): Promise<void> {
  const deps = backendDependencies(options.manifest, options.stack);
  if (!deps.length) {
    pip.log.warning(
      "vendor/ holds source distributions, but this buildpack's manifest has no build backends " +
        `(${BUILD_BACKENDS.join(", ")}): they must be in vendor/ or the runtime to build them`,
    );
    return;
  }
  pip.log.info(
    `Installing build backends for the source distributions in vendor/: ${
      deps.map((d) => `${d.name} ${d.version}`).join(", ")
    }`,
  );
  const links: string[] = [];
  for (const dep of deps) {
    const dir = join(options.scratchDir, "backends", dep.name);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await options.installer.install(dep, dir);
    links.push(...await findLinks(dir));
  }
  await runPip(pip, [
    "install",
    ...deps.map((d) => `${d.name}==${d.version}`),
    "--no-index",
    "--no-deps",
    "--exists-action=w",
    "--no-warn-script-location",
    ...links.map((d) => `--find-links=${d}`),
  ]);
}

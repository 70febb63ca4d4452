/**
 * `BP_PIP_VERSION`: which pip stages the app. Unset: the runtime's own pip
 * module; `latest`: the manifest's pip dependency for the stack, installed
 * from its file with no index (no network); anything else is an error.
 * @module
 */
import { join } from "../path.ts";
import { dependenciesFor, type Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import { invalidPipVersion, pipNotInManifest } from "../errors.ts";
import { type PipContext, runPip } from "./pip.ts";
import { sitePackagesDir } from "./site_packages.ts";
import { compareVersions } from "./version.ts";
import { pathExists } from "../path_exists.ts";

/** What `BP_PIP_VERSION` asks for. */
export type PipChoice = "runtime" | "manifest";

/**
 * Read `BP_PIP_VERSION` (surrounding whitespace ignored).
 * @throws BuildpackError for any value other than unset/empty or `latest`
 */
export function pipChoice(value: string | undefined): PipChoice {
  const v = value?.trim() ?? "";
  if (v === "") return "runtime";
  if (v === "latest") return "manifest";
  throw invalidPipVersion(v);
}

/**
 * Put the pip `BP_PIP_VERSION` asks for in place: log `Using python's pip
 * module`, or install the manifest's newest pip for the stack from its file
 * (`--no-index --find-links`), unless that version is already installed.
 */
export async function preparePip(
  value: string | undefined,
  options: {
    manifest: Manifest;
    stack: string;
    installer: DependencyInstaller;
    pip: PipContext;
    scratchDir: string;
  },
): Promise<void> {
  const { pip } = options;
  if (pipChoice(value) === "runtime") {
    pip.log.info("Using python's pip module");
    return;
  }
  const deps = dependenciesFor(options.manifest, "pip", options.stack)
    .sort((a, b) => compareVersions(a.version, b.version));
  const dep = deps.pop();
  if (!dep) throw pipNotInManifest(options.stack);
  const sp = sitePackagesDir(pip.pythonDir);
  if (sp && await pathExists(join(sp, `pip-${dep.version}.dist-info`))) {
    options.installer.keep(dep);
    pip.log.info(
      `pip ${dep.version} from the buildpack is already installed (BP_PIP_VERSION=latest)`,
    );
    return;
  }
  pip.log.info(`Installing pip ${dep.version} from the buildpack (BP_PIP_VERSION=latest)`);
  const dir = join(options.scratchDir, "pip");
  await options.installer.install(dep, dir);
  await runPip(pip, [
    "install",
    `pip==${dep.version}`,
    "--exists-action=w",
    "--no-index",
    "--force-reinstall",
    "--no-deps",
    ...(await findLinks(dir)).map((d) => `--find-links=${d}`),
  ]);
}

/** `dir` and its direct subdirectories: a dependency tarball may wrap its files in one. */
export async function findLinks(dir: string): Promise<string[]> {
  const out = [dir];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(join(dir, e.name));
  }
  return out;
}

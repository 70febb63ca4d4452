/**
 * Locking a Pipfile that came without Pipfile.lock, with the manifest's
 * `pipenv` dependency: its archive of wheels is installed into a scratch
 * target outside the runtime, and `python -m pipenv lock` runs on a copy of
 * the Pipfile in a scratch dir (the app dir is never written). The lock it
 * writes then takes the Pipfile.lock path (see `withPipfileLock`).
 * @module
 */
import { join } from "../path.ts";
import { dependenciesFor, type Dependency, type Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import { run } from "../process.ts";
import { pipenvLockFailed } from "../errors.ts";
import { compareVersions } from "./version.ts";
import type { PipContext } from "./pip.ts";
import { findLinks } from "./pip_version.ts";

/** The newest `pipenv` dependency of the manifest for the stack, if any. Pure. */
export function pipenvDependency(manifest: Manifest, stack: string): Dependency | undefined {
  const deps = dependenciesFor(manifest, "pipenv", stack)
    .sort((a, b) => compareVersions(a.version, b.version));
  return deps.at(-1);
}

/** Scratch paths of one lock run. */
export interface LockPaths {
  /** Where pipenv and its dependencies are installed (`pip install --target`). */
  lib: string;
  /** The copied Pipfile (Pipfile.lock is written beside it). */
  pipfile: string;
  /** pipenv's virtualenv home. */
  workonHome: string;
  /** The staged `python3`. */
  python: string;
}

/** The environment `python -m pipenv lock` runs with: the pip env plus pipenv's settings. Pure. */
export function pipenvLockEnv(
  pipEnv: Record<string, string>,
  paths: LockPaths,
): Record<string, string> {
  return {
    ...pipEnv,
    PYTHONPATH: paths.lib,
    PIPENV_PIPFILE: paths.pipfile,
    PIPENV_VENV_IN_PROJECT: "0",
    PIPENV_IGNORE_VIRTUALENVS: "1",
    PIPENV_YES: "1",
    PIPENV_NOSPIN: "1",
    WORKON_HOME: paths.workonHome,
    PIPENV_PYTHON: paths.python,
  };
}

/** The `pip install` arguments that put pipenv into `lib` from the extracted wheels. Pure. */
export function pipenvInstallArgs(lib: string, links: string[]): string[] {
  return [
    "-m",
    "pip",
    "install",
    "--no-index",
    ...links.map((l) => `--find-links=${l}`),
    "--target",
    lib,
    "--no-warn-script-location",
    "--disable-pip-version-check",
    "--quiet",
    "pipenv",
  ];
}

/**
 * Lock `pipfileText` with the manifest's pipenv `dependency` and return the
 * text of the Pipfile.lock it wrote. Everything happens under `scratchDir`.
 * @throws BuildpackError with pipenv's output when installing or locking fails
 */
export async function lockPipfile(
  pipfileText: string,
  options: {
    pip: PipContext;
    dependency: Dependency;
    installer: DependencyInstaller;
    scratchDir: string;
  },
): Promise<string> {
  const { pip, dependency } = options;
  const version = dependency.version;
  pip.log.step(`Locking Pipfile with pipenv ${version}`);
  const root = join(options.scratchDir, "pipenv");
  await Deno.remove(root, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(root, "project"), { recursive: true });
  const dist = join(root, "dist");
  await options.installer.install(dependency, dist);
  const python = join(pip.pythonDir, "bin", "python3");
  const paths: LockPaths = {
    lib: join(root, "pipenv-lib"),
    pipfile: join(root, "project", "Pipfile"),
    workonHome: join(root, "venvs"),
    python,
  };
  const install = await run(python, pipenvInstallArgs(paths.lib, await findLinks(dist)), {
    cwd: root,
    env: pip.env,
  });
  if (install.code !== 0) {
    throw pipenvLockFailed(version, { step: "install", output: install.output });
  }
  await Deno.writeTextFile(paths.pipfile, pipfileText);
  const lock = await run(python, ["-m", "pipenv", "lock"], {
    cwd: join(root, "project"),
    env: pipenvLockEnv(pip.env, paths),
  });
  if (lock.code !== 0) throw pipenvLockFailed(version, { step: "lock", output: lock.output });
  try {
    const text = await Deno.readTextFile(join(root, "project", "Pipfile.lock"));
    pip.log.info("Locked the Pipfile in a scratch dir (the app's files are not changed)");
    return text;
  } catch {
    throw pipenvLockFailed(version, {
      step: "lock",
      output: `${lock.output}\n(pipenv lock exited 0 but wrote no Pipfile.lock)`,
    });
  }
}

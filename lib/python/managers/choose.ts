/**
 * Which package manager installs the app, decided in one place from the
 * app's top-level files. Pure: the caller says which files exist and what
 * pyproject.toml contains.
 * @module
 */
import {
  lockFileIgnored,
  lockFileMissing,
  lockWithoutPyproject,
  pyprojectNotInstallable,
  severalLockFiles,
} from "../../errors.ts";

/** The ways the buildpack installs an app's packages (conda has its own path). */
export type ManagerName = "requirements" | "uv" | "poetry" | "pipfile" | "project" | "none";

/** Lock files, in the order they are named in messages. */
export const LOCK_FILES = ["uv.lock", "poetry.lock", "Pipfile.lock"] as const;

/** The files the choice looks at, for detect and for reading the app. */
export const MANAGER_FILES = [
  "requirements.txt",
  ...LOCK_FILES,
  "Pipfile",
  "pyproject.toml",
  "setup.py",
] as const;

/** What pyproject.toml says, as far as the choice cares. */
export interface PyprojectTables {
  /** Has a `[project]` table (PEP 621). */
  project: boolean;
  /** Has a `[build-system]` table. */
  buildSystem: boolean;
  /** Has a `[tool.poetry]` table. */
  toolPoetry: boolean;
  /** Has a `[tool.uv]` table. */
  toolUv: boolean;
}

/** What the app has. */
export interface AppFiles {
  /** Names of the app's top-level regular files among {@link MANAGER_FILES}. */
  present: ReadonlySet<string>;
  /** pyproject.toml's tables, when it exists. */
  pyproject?: PyprojectTables;
}

/** The manager chosen, the file that decided, and warnings for the log. */
export interface ManagerChoice {
  /** The manager. */
  manager: ManagerName;
  /** The file that decided (`requirements.txt`, `uv.lock`, ...); empty for `none`. */
  decidedBy: string;
  /** Warning texts (files present but ignored). */
  warnings: string[];
}

/**
 * Choose the package manager: requirements.txt, else exactly one lock file
 * (uv.lock, poetry.lock, Pipfile.lock), else setup.py or an installable
 * pyproject.toml installed as a project, else a Pipfile (locked during
 * staging), else nothing.
 * @throws BuildpackError for several lock files, a lock without pyproject.toml,
 * a uv/Poetry project without its lock, or a pyproject.toml pip cannot install
 */
export function chooseManager(app: AppFiles): ManagerChoice {
  const has = (f: string) => app.present.has(f);
  const locks = LOCK_FILES.filter(has);
  if (has("requirements.txt")) {
    return {
      manager: "requirements",
      decidedBy: "requirements.txt",
      warnings: locks.map(lockFileIgnored),
    };
  }
  if (locks.length > 1) throw severalLockFiles(locks);
  const [lock] = locks;
  if ((lock === "uv.lock" || lock === "poetry.lock") && !app.pyproject) {
    throw lockWithoutPyproject(lock);
  }
  if (lock === "uv.lock") return { manager: "uv", decidedBy: lock, warnings: [] };
  if (lock === "poetry.lock") return { manager: "poetry", decidedBy: lock, warnings: [] };
  if (lock === "Pipfile.lock") return { manager: "pipfile", decidedBy: lock, warnings: [] };
  if (app.pyproject?.toolPoetry) throw lockFileMissing("poetry");
  if (app.pyproject?.toolUv) throw lockFileMissing("uv");
  if (has("setup.py")) return { manager: "project", decidedBy: "setup.py", warnings: [] };
  const installable = app.pyproject && (app.pyproject.project || app.pyproject.buildSystem);
  if (installable) return { manager: "project", decidedBy: "pyproject.toml", warnings: [] };
  // A Pipfile without lock next to setup.py is often only for development: setup.py wins.
  if (has("Pipfile")) return { manager: "pipfile", decidedBy: "Pipfile", warnings: [] };
  if (app.pyproject) throw pyprojectNotInstallable();
  return { manager: "none", decidedBy: "", warnings: [] };
}

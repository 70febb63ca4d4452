/**
 * What every lock-file manager (uv.lock, poetry.lock, Pipfile.lock) turns a
 * lock into: the exact list of distributions to install for the staging
 * Python, each with how pip gets it and the hashes the lock lists. The
 * buildpack installs them with pip (`--require-hashes --no-deps` for the
 * hashable ones), so no uv or Poetry is needed. Pure types.
 * @module
 */

/** How pip obtains one locked distribution. */
export type LockedSourceKind =
  | "registry" // name==version from an index
  | "url" // a direct archive URL (hash-checked when the lock lists one)
  | "git" // a git repository at the locked commit (cannot be hash-checked)
  | "path" // a local archive (wheel or sdist) inside the app
  | "directory" // a local source tree inside the app, installed normally
  | "editable"; // a local source tree inside the app, installed editable

/** One distribution the lock says to install. */
export interface LockedDistribution {
  /** PEP 503 normalised name (`flask`, `typing-extensions`). */
  name: string;
  /** The locked version, when the lock names one. */
  version?: string;
  /** Where it comes from. */
  kind: LockedSourceKind;
  /**
   * What pip is given, without hashes: `flask==3.1.3` (registry),
   * `name @ https://host/x.whl` (url), `name @ git+https://host/repo@<commit>`
   * (git, with `#subdirectory=` when needed), `./libs/x` or `./dist/x.whl`
   * (path/directory/editable: relative to the app dir, always starting `./`).
   */
  requirement: string;
  /** `sha256:<hex>` entries the lock lists for its files (empty for git and local trees). */
  hashes: string[];
  /** For `registry`: the index URL the lock names (as written, no credentials). */
  index?: string;
}

/** An index a lock names. */
export interface LockIndex {
  /** The name the project gives it (`[[tool.uv.index]] name`, `[[tool.poetry.source]] name`). */
  name?: string;
  /** Its URL as written in the project or lock (no credentials added). */
  url: string;
  /**
   * Added by the lock readers: the variables the tool reads this index's
   * credentials from (`UV_INDEX_<NAME>_USERNAME`/`_PASSWORD`,
   * `POETRY_HTTP_BASIC_<NAME>_USERNAME`/`_PASSWORD`), for named indexes only.
   */
  credentialEnv?: { username: string; password: string };
  /** pip must trust the host without TLS verification (Pipfile `verify_ssl = false`). */
  trustedHost?: boolean;
}

/** The result of reading a lock for one target Python. */
export interface LockedInstall {
  /** The lock file read (`uv.lock`, `poetry.lock`, `Pipfile.lock`). */
  lockFile: string;
  /** Distributions to install, sorted by name (the project itself excluded). */
  distributions: LockedDistribution[];
  /** The project itself, when the lock says to install it: `.` or editable `.`. */
  project?: { editable: boolean };
  /** Indexes the lock or project names, in the order the project lists them. */
  indexes: LockIndex[];
  /** Lines for the log (how the lock was read, what was left out and why). */
  notes: string[];
}

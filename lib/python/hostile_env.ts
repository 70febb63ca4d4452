/**
 * Which variables of the staging environment the buildpack keeps away from
 * the Python processes it starts (pip, collectstatic, NLTK, conda's pip,
 * hooks): those that redirect an install somewhere the droplet does not ship
 * (`PIP_TARGET`, `PIP_USER`, `PYTHONUSERBASE`), change what gets installed
 * behind the buildpack's back (`PIP_NO_DEPS`, `PIP_DRY_RUN`), or change how
 * the interpreter starts and where it looks (`PYTHONPATH`, `PYTHONINSPECT`,
 * `PYTHONPLATLIBDIR`). Pure: no I/O.
 *
 * The decisions follow pip's option list (every long option `--x-y` is also
 * read from `PIP_X_Y`) and CPython's environment variables; each name below
 * says why it goes.
 * @module
 */

/**
 * `PIP_*` variables that are removed. Everything else of pip (index, cert,
 * proxy, timeout, retries, cache, constraint, binary/source preferences,
 * verbosity) is the user's to tune and is kept.
 */
export const IGNORED_PIP_VARIABLES: ReadonlyMap<string, string> = new Map([
  // Where: the packages would land outside deps/<IDX>/python and not ship.
  ["PIP_TARGET", "installs into another directory"],
  ["PIP_PREFIX", "installs under another prefix"],
  ["PIP_ROOT", "installs under another root"],
  ["PIP_USER", "installs into the user site (~/.local), which does not ship"],
  ["PIP_SRC", "checks editable VCS requirements out outside deps/<IDX>/src"],
  // Which interpreter: pip must serve the runtime the buildpack installed.
  ["PIP_PYTHON", "makes pip install for another interpreter"],
  ["PIP_REQUIRE_VIRTUALENV", "makes pip refuse to install into the runtime"],
  ["PIP_ISOLATED", "makes pip ignore the index, cert and proxy settings"],
  // What: the buildpack reads the app's files and its reuse logic relies on
  // pip installing exactly what they require.
  ["PIP_REQUIREMENT", "adds requirements the app's files do not name"],
  ["PIP_EDITABLE", "adds editable requirements the app's files do not name"],
  ["PIP_GROUP", "adds dependency groups the app's files do not name"],
  ["PIP_NO_DEPS", "leaves dependencies uninstalled"],
  ["PIP_DRY_RUN", "installs nothing"],
  // Target-platform options: pip refuses them without --target, and they
  // would pick wheels for another platform.
  ["PIP_PLATFORM", "selects wheels for another platform"],
  ["PIP_PYTHON_VERSION", "selects wheels for another Python"],
  ["PIP_IMPLEMENTATION", "selects wheels for another implementation"],
  ["PIP_ABI", "selects wheels for another ABI"],
]);

/**
 * `PYTHON*` variables that are kept, and the values they may have: they only
 * tune buffering, bytecode writing, fault reports and hashing. An invalid
 * value makes CPython abort at startup, so it is ignored too. Every other
 * `PYTHON*` (and `PYTHON_*`) changes where the interpreter looks
 * (`PYTHONHOME`, `PYTHONPATH`, `PYTHONPLATLIBDIR`, `PYTHONUSERBASE`,
 * `PYTHONPYCACHEPREFIX`, `PYTHONSAFEPATH`) or how it runs (`PYTHONINSPECT`,
 * `PYTHONSTARTUP`, `PYTHONOPTIMIZE`, `PYTHONWARNINGS`, `PYTHONMALLOC`,
 * `PYTHONIOENCODING`, `PYTHONVERBOSE`, ...), and is removed.
 */
const KEPT_PYTHON_VARIABLES: ReadonlyMap<string, (value: string) => boolean> = new Map([
  ["PYTHONUNBUFFERED", () => true],
  ["PYTHONDONTWRITEBYTECODE", () => true],
  ["PYTHONFAULTHANDLER", () => true],
  [
    "PYTHONHASHSEED",
    (v: string) => v === "random" || (/^\d{1,10}$/.test(v) && Number(v) <= 4294967295),
  ],
  ["PYTHONUTF8", (v: string) => v === "0" || v === "1"],
  // Set to 1 below anyway.
  ["PYTHONNOUSERSITE", () => true],
]);

/**
 * Not `PYTHON*` but as bad: CPython's cross-build hooks change the platform
 * tag pip selects wheels for and where sysconfig is read from, and
 * `VIRTUAL_ENV` names an environment the runtime is not.
 */
const IGNORED_OTHER = /^(_PYTHON_[A-Z_]+|VIRTUAL_ENV)$/;

/** Values set for every Python process, whatever the environment says. */
export const FORCED_PYTHON_VARIABLES: Readonly<Record<string, string>> = {
  // ~/.local must not add packages to what staging sees.
  PYTHONNOUSERSITE: "1",
};

/** Whether the variable `name` with `value` is kept away from the buildpack's Python processes. */
export function isIgnoredVariable(name: string, value: string): boolean {
  if (IGNORED_PIP_VARIABLES.has(name) || IGNORED_OTHER.test(name)) return true;
  if (!name.startsWith("PYTHON")) return false;
  const kept = KEPT_PYTHON_VARIABLES.get(name);
  return kept === undefined || !kept(value);
}

/**
 * The names in `env` that the buildpack ignores for its Python processes,
 * sorted, for one log line (see {@link ignoredVariablesMessage}).
 * Variables set to the empty string count too: CPython and pip read some of
 * them even when empty.
 */
export function ignoredVariables(env: Record<string, string>): string[] {
  return Object.keys(env).filter((k) => isIgnoredVariable(k, env[k])).sort();
}

/** `env` without the ignored variables and with {@link FORCED_PYTHON_VARIABLES}. */
export function withoutIgnoredVariables(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!isIgnoredVariable(k, v)) out[k] = v;
  return { ...out, ...FORCED_PYTHON_VARIABLES };
}

/**
 * The log line for the ignored names, or `undefined` when there are none:
 * `Ignoring PIP_TARGET, PYTHONPATH for the buildpack's Python processes (they would redirect or break the install)`.
 */
export function ignoredVariablesMessage(names: string[]): string | undefined {
  if (names.length === 0) return undefined;
  return `Ignoring ${names.join(", ")} for the buildpack's Python processes ` +
    `(${names.length === 1 ? "it" : "they"} would redirect or break the install; ` +
    "the app still sees them at runtime)";
}

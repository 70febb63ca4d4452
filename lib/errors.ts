/**
 * Every user-facing error text of the buildpack, in one place.
 *
 * Each function returns a {@link BuildpackError} whose message says which file
 * or variable is wrong, what was expected and how to fix it. The phases print
 * it with `**ERROR**` and exit non-zero.
 * @module
 */

/** An error meant for the person reading the staging log. */
export class BuildpackError extends Error {
  /** Exit code the phase ends with. */
  readonly exitCode: number;

  /** @param options.exitCode defaults to 1 */
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BuildpackError";
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Wrong usage of the executable itself. */
export function usage(command: string | undefined): BuildpackError {
  return new BuildpackError(
    `${command === undefined ? "No command given" : `Unknown command '${command}'`}.\n` +
      "Usage: buildpack <detect|supply|finalize|release|compile|version> [ARGS...]\n" +
      "  detect   BUILD_DIR\n" +
      "  supply   BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX\n" +
      "  finalize BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX PROFILE_DIR\n" +
      "  release  BUILD_DIR\n" +
      "  compile  BUILD_DIR CACHE_DIR\n" +
      "Installed as bin/detect, bin/supply, ... the command is taken from the program name.",
    { exitCode: 2 },
  );
}

/** A phase was called with the wrong number of arguments. */
export function phaseArguments(phase: string, expected: string, got: string[]): BuildpackError {
  return new BuildpackError(
    `bin/${phase} expects arguments ${expected}, got ${got.length}: ${JSON.stringify(got)}.`,
    { exitCode: 2 },
  );
}

/** The buildpack's own files are missing or broken. */
export function buildpackFile(path: string, problem: string): BuildpackError {
  return new BuildpackError(
    `The buildpack's ${path} ${problem}.\n` +
      "The buildpack itself is damaged: reinstall it from its release zip.",
  );
}

/** `CF_STACK` names a stack the manifest has no dependencies for. */
export function stackNotSupported(stack: string, stacks: string[]): BuildpackError {
  return new BuildpackError(
    `Stack not supported by buildpack: required stack ${stack} was not found.\n` +
      `This buildpack supports: ${stacks.join(", ") || "(none)"}. ` +
      "Push the app with one of those stacks (cf push -s STACK) or use a buildpack built for this one.",
  );
}

/** A dependency's bytes do not match the manifest (CF's grep-able wording first). */
export function sha256Mismatch(name: string, expected: string, actual: string): BuildpackError {
  return new BuildpackError(
    `Could not install ${name}: dependency sha256 mismatch: expected sha256 ${expected}, actual sha256 ${actual}\n` +
      "The downloaded file is not the one the manifest names; it was deleted and not installed.\n" +
      "If a proxy or mirror serves this URL, check that it returns the original file; " +
      "if the manifest (or an override.yml) is wrong, correct its sha256.",
  );
}

/** A dependency could not be fetched. `uri` must already be redacted. */
export function downloadFailed(
  name: string,
  uri: string,
  details: { reason: string; attempts: number },
): BuildpackError {
  const { reason, attempts } = details;
  return new BuildpackError(
    `Could not install ${name}: could not download ${uri}: ${reason} (${attempts} attempt${
      attempts === 1 ? "" : "s"
    }).\n` +
      "Check the network and proxy settings of the staging environment " +
      "(http_proxy, https_proxy, no_proxy), or use the cached (offline) buildpack.",
  );
}

/** A manifest.yml or override.yml is malformed; `problem` names the field. */
export function manifestInvalid(file: string, problem: string): BuildpackError {
  const fix = /(^|\/)override\.yml$/.test(file)
    ? "override.yml is written by an earlier buildpack of a multi-buildpack push: " +
      "fix what that buildpack writes, or remove it from the push."
    : "The buildpack itself is damaged: fix its manifest.yml or reinstall it from its release zip.";
  return new BuildpackError(`${file}: ${problem}.\n${fix}`);
}

/** What is wrong with a Python version file (see {@link versionFileInvalid}). */
export type VersionFileProblem =
  | "utf16"
  | "not_utf8"
  | "invisible"
  | "not_version"
  | "empty"
  | "multiple_lines";

const VERSION_FILE_PROBLEMS: Record<VersionFileProblem, string> = {
  utf16: "is saved as UTF-16 (or holds NUL bytes), not UTF-8",
  not_utf8: "is not valid UTF-8",
  invisible: "contains invisible or control characters",
  not_version: "does not look like a Python version request",
  empty: "is empty",
  multiple_lines: "names more than one version",
};

/** How a version request is written in each version file. */
function versionFileExample(file: string): string {
  if (/requires-python/.test(file)) return '">=3.12"';
  if (/(^|\/)runtime\.txt$/.test(file)) return "python-3.13.x";
  return "3.13";
}

/**
 * A Python version file of the app cannot be read.
 * @param options.found what was found, already escaped (`"\ufeff3.11"`, `bytes ff fe 33 00`)
 */
export function versionFileInvalid(
  file: string,
  options: { problem: VersionFileProblem; found: string },
): BuildpackError {
  return new BuildpackError(
    `Could not read the Python version from ${file}: it ${
      VERSION_FILE_PROBLEMS[options.problem]
    }; found ${options.found}.\n` +
      `Save ${file} as UTF-8 containing one line such as ${versionFileExample(file)}.`,
  );
}

/** `Pipfile.lock` is not valid JSON or not shaped like a Pipenv lock file. */
export function pipfileLockInvalid(file: string, detail: string): BuildpackError {
  return new BuildpackError(
    `Could not read the Python version from ${file}: ${detail}.\n` +
      `Regenerate it with \`pipenv lock\`, or add a .python-version file (such as 3.13), ` +
      `which takes precedence over ${file}.`,
  );
}

function versionChangeHint(file: string, line: string): string {
  if (/requires-python/.test(file)) {
    return `Change requires-python in ${file.replace(/ \(requires-python\)$/, "")} so that ` +
      `one of the versions above satisfies it (for example ">=${line}"), or add a ` +
      ".python-version file (such as " + line + "), which takes precedence over it.";
  }
  if (/(^|\/)Pipfile\.lock$/.test(file)) {
    return `Set [requires] python_version = "${line}" in Pipfile and run \`pipenv lock\`, ` +
      "or add a .python-version file, which takes precedence over Pipfile.lock.";
  }
  if (/(^|\/)\.python-version$/.test(file)) {
    return `Change ${file} to one of the versions above, or a version line such as ${line}.`;
  }
  return `Change ${file} to one of the versions above, or a range such as ${line}.x.`;
}

/**
 * The app asks for a Python version the manifest does not offer for the stack.
 * Keeps CF's grep-able first line `Could not install python: no match found for ...`.
 * @param options.line a `major.minor` the buildpack offers, for the example fix
 */
export function versionNotOffered(
  file: string,
  request: string,
  options: { stack: string; available: string[]; line: string },
): BuildpackError {
  return new BuildpackError(
    `Could not install python: no match found for ${request} in [${
      options.available.join(" ")
    }]\n` +
      `${file} asks for python ${request}, which this buildpack does not offer for stack ${options.stack}.\n` +
      versionChangeHint(file, options.line),
  );
}

/** A version file asks for a Python the project's `requires-python` excludes. */
export function versionConflict(
  asked: { file: string; request: string },
  required: { file: string; request: string; version: string },
): BuildpackError {
  const project = required.file.replace(/ \(requires-python\)$/, "");
  return new BuildpackError(
    `Could not install python: ${asked.file} asks for python ${asked.request} ` +
      `(python ${required.version}), but ${project} has requires-python = "${required.request}", ` +
      "which excludes it.\n" +
      `Make them agree: change ${asked.file} to a version that satisfies "${required.request}", ` +
      `or change requires-python in ${project} (and lock again if a lock file is made from it).`,
  );
}

/**
 * The app's version request is not a version or range (`abc`, `^3.12`).
 * @param options.hint why it is wrong or what to write instead (`^ is Poetry/npm syntax...`)
 */
export function improperConstraint(
  file: string,
  request: string,
  options: { hint?: string } = {},
): BuildpackError {
  return new BuildpackError(
    `Could not install python: improper constraint: ${request}\n` +
      `${file} asks for python "${request}", which is not a version or a version range` +
      (options.hint ? `: ${options.hint}.\n` : ".\n") +
      `Write a version such as ${versionFileExample(file)} in ${file}` +
      " (forms accepted: 3.13, 3.13.x, 3.13.5, >=3.12, ~=3.12, >=3.11,<3.14, ==3.13.*," +
      " ~3.12, 3.13.x || 3.12.x).",
  );
}

/** Neither the app nor the manifest's `default_versions` names a version. */
export function noDefaultVersion(name: string): BuildpackError {
  return new BuildpackError(
    `Could not install ${name}: the buildpack's manifest has no default version of ${name}` +
      " (default_versions) and the app does not ask for one.\n" +
      "Add a runtime.txt (python-3.13.x) or .python-version (3.13) file to the app, " +
      "or reinstall the buildpack from its release zip.",
  );
}

/** The manifest's default version matches no dependency for the stack. */
export function defaultVersionNotOffered(
  name: string,
  request: string,
  options: { stack: string; available: string[] },
): BuildpackError {
  return new BuildpackError(
    `Could not install ${name}: no match found for ${request} in [${
      options.available.join(" ")
    }]\n` +
      `The buildpack's default ${name} ${request} (default_versions) is not offered for stack ${options.stack}.\n` +
      `Ask for one of the versions above in the app's runtime.txt or .python-version, ` +
      "or reinstall the buildpack from its release zip.",
  );
}

/** Warning text (not thrown) for a misspelled version file such as `runtime.text`. */
export function misspelledVersionFile(found: string, meant: string): string {
  return `Found ${found} in the app: did you mean ${meant}? ` +
    `The buildpack reads the Python version from ${meant}; ${found} is ignored.`;
}

/** Warning text (not thrown) for a virtualenv pushed with the app. */
export function virtualenvIgnored(dir: string): string {
  return `Found ${dir}/ in the app: it is not used. The buildpack installs the app's packages ` +
    `into its own Python environment (a virtualenv made on another machine would not run here). ` +
    `Add ${dir}/ to .cfignore to push less.`;
}

/** pip exited non-zero. `output` is already redacted. */
export function pipFailed(
  args: string[],
  output: string,
  options: { shown: boolean },
): BuildpackError {
  const tail = output.trimEnd().split("\n").slice(-20).join("\n");
  return new BuildpackError(
    `Could not install packages: pip ${args[0]} failed.\n` +
      (options.shown ? "" : `pip's output ends with:\n${tail}\n`) +
      "Read pip's output above for the package that failed. Check requirements.txt (or " +
      "setup.py/pyproject.toml) for typos and versions that do not exist, and that the " +
      "package index is reachable from staging (PIP_INDEX_URL, proxies).",
  );
}

/**
 * An archive entry would be written outside the extraction directory (absolute
 * path, `..`, through or as a symlink leading out, a hard link to outside) or
 * is a device/FIFO node.
 */
export function archiveEntryEscapes(
  archive: string,
  entry: string,
  reason: string,
): BuildpackError {
  const name = archive.slice(archive.lastIndexOf("/") + 1);
  return new BuildpackError(
    `Refusing to extract ${name}: its entry '${entry}' ${reason}.\n` +
      "The archive is unsafe and was not installed. An archive may only create files inside " +
      "the directory it is extracted to: check where this one came from.",
  );
}

/** An archive is corrupt, truncated or not in a supported format. */
export function archiveInvalid(archive: string, format: string, reason: string): BuildpackError {
  const name = archive.slice(archive.lastIndexOf("/") + 1);
  return new BuildpackError(
    `${name} is not a valid ${format} archive: ${reason}.\n` +
      "The file is probably truncated or corrupt (an interrupted download or a wrong URL): " +
      "download it again.",
  );
}

/** Writing an extracted entry to disk failed (disk full, permissions, a path clash). */
export function archiveWriteFailed(archive: string, entry: string, reason: string): BuildpackError {
  const name = archive.slice(archive.lastIndexOf("/") + 1);
  return new BuildpackError(
    `Could not extract '${entry}' from ${name}: ${reason}.\n` +
      "Check that the disk is not full and that the target directory is writable.",
  );
}

/** An app hook (`bin/pre_compile`, `bin/post_compile`) failed. */
export function hookFailed(hook: string, code: number): BuildpackError {
  return new BuildpackError(
    `The app's ${hook} hook failed with exit code ${code} (its output is above).\n` +
      `Fix ${hook} in the app, or remove it if the app no longer needs it.`,
  );
}

/** Django's collectstatic failed (CF's wording, plus the switch to turn it off). */
export function collectstaticFailed(managePy: string): BuildpackError {
  return new BuildpackError(
    `Error while running '$ python ${managePy} collectstatic --noinput'.\n` +
      "See traceback above for details.\n" +
      "You may need to update application code to resolve this error.\n" +
      "Or, you can disable collectstatic for this application:\n" +
      "   $ cf set-env <app> DISABLE_COLLECTSTATIC 1",
  );
}

/** `BP_PIP_VERSION` is neither unset nor `latest` (CF's grep-able first line). */
export function invalidPipVersion(value: string): BuildpackError {
  return new BuildpackError(
    `Could not install pip: invalid pip version: ${value}\n` +
      "BP_PIP_VERSION accepts only `latest` (the pip shipped with this buildpack); " +
      "leave it unset to use the pip of the Python runtime.\n" +
      "Fix it with `cf set-env <app> BP_PIP_VERSION latest` or `cf unset-env <app> BP_PIP_VERSION`, then restage.",
  );
}

/** `BP_PIP_VERSION=latest` but the manifest has no pip for the stack. */
export function pipNotInManifest(stack: string): BuildpackError {
  return new BuildpackError(
    `Could not install pip: BP_PIP_VERSION is latest, but this buildpack's manifest has no pip dependency for stack ${stack}.\n` +
      "Unset BP_PIP_VERSION (`cf unset-env <app> BP_PIP_VERSION`) to use the pip of the Python " +
      "runtime, or use a buildpack release that ships pip for this stack.",
  );
}

/** A vendored (no index) pip install failed; `missing` are the names pip could not find. */
export function vendoredInstallFailed(
  missing: string[],
  options: { output: string; shown: boolean },
): BuildpackError {
  const tail = options.output.trimEnd().split("\n").slice(-20).join("\n");
  return new BuildpackError(
    "Running pip install failed. You need to include all dependencies in the vendor directory.\n" +
      (missing.length
        ? `Not found in vendor/: ${missing.join(", ")}.\n`
        : "pip's output above names the package that failed.\n") +
      (options.shown ? "" : `pip's output ends with:\n${tail}\n`) +
      "Run `pip download -r requirements.txt -d vendor --only-binary=:all:` for the stack's " +
      "Python version and platform (--python-version, --platform manylinux2014_x86_64), " +
      "then push again; or remove vendor/ to install from the package index.",
  );
}

/** The app has a Pipfile but no Pipfile.lock (and no requirements.txt). */
export function pipfileWithoutLock(): BuildpackError {
  return new BuildpackError(
    "Could not install packages: the app has a Pipfile but no Pipfile.lock (and no requirements.txt).\n" +
      "Staging installs exactly what Pipfile.lock pins, so that every staging gets the same packages; " +
      "this buildpack does not resolve a Pipfile itself.\n" +
      "Run `pipenv lock` in the app directory and push Pipfile.lock with the app " +
      "(or push a requirements.txt: `pipenv requirements > requirements.txt`).",
  );
}

/** Pipfile.lock cannot be turned into requirements. */
export function pipfileLockUnusable(file: string, detail: string): BuildpackError {
  return new BuildpackError(
    `Could not install packages from ${file}: ${detail}.\n` +
      `Regenerate it with \`pipenv lock\` and push it again` +
      (/\$\{/.test(detail)
        ? ", or set the variable with `cf set-env <app> NAME VALUE` and restage."
        : "."),
  );
}

// --- Package managers: which file decides, and lock files ---------------------------------

/** Warning text (not thrown): a lock file next to requirements.txt is not used. */
export function lockFileIgnored(lock: string): string {
  return `${lock} is ignored: requirements.txt decides what is installed when both are present. ` +
    `Delete requirements.txt to install exactly what ${lock} pins, or delete ${lock} if the app ` +
    "no longer uses it.";
}

/** Two or more lock files of different tools and no requirements.txt. */
export function severalLockFiles(locks: string[]): BuildpackError {
  return new BuildpackError(
    `Could not decide how to install packages: the app has ${locks.join(", ")}, ` +
      "and each of them would decide what is installed.\n" +
      "Keep the lock file of the tool the project uses and delete the others " +
      "(or add a requirements.txt, which takes precedence over every lock file).",
  );
}

/** `pyproject.toml` configures uv or Poetry but the lock is not pushed. */
export function lockFileMissing(tool: "uv" | "poetry"): BuildpackError {
  const lock = tool === "uv" ? "uv.lock" : "poetry.lock";
  const table = tool === "uv" ? "[tool.uv]" : "[tool.poetry]";
  return new BuildpackError(
    `Could not install packages: pyproject.toml has a ${table} table but the app has no ${lock}.\n` +
      `Staging installs exactly what ${lock} pins, so that every staging gets the same packages; ` +
      `this buildpack does not resolve dependencies itself.\n` +
      `Run \`${tool} lock\` in the app directory and push ${lock} with the app ` +
      "(check that .cfignore does not exclude it).",
  );
}

/** A lock file without the pyproject.toml it was made from. */
export function lockWithoutPyproject(lock: string): BuildpackError {
  const tool = lock === "uv.lock" ? "uv" : "poetry";
  return new BuildpackError(
    `Could not install packages: the app has ${lock} but no pyproject.toml.\n` +
      `${lock} is made from pyproject.toml, and both are needed to install the project. ` +
      `Push pyproject.toml with the app (check .cfignore), or run \`${tool} lock\` again.`,
  );
}

/** `pyproject.toml` alone, with neither `[project]` nor `[build-system]`. */
export function pyprojectNotInstallable(): BuildpackError {
  return new BuildpackError(
    "Could not install packages: pyproject.toml has neither a [project] table nor a " +
      "[build-system] table, so pip cannot install the app from it.\n" +
      "Add a [project] table with name, version and dependencies (PEP 621), or list the " +
      "dependencies in a requirements.txt, or lock them with uv (`uv lock`) or Poetry " +
      "(`poetry lock`) and push the lock file.",
  );
}

/** `pyproject.toml` (or another TOML file of the app) is not valid TOML. */
export function tomlInvalid(file: string, detail: string): BuildpackError {
  return new BuildpackError(
    `Could not read ${file}: it is not valid TOML (${detail}).\n` +
      `Fix the syntax of ${file} and push again (\`python3 -c "import tomllib; ` +
      `tomllib.load(open('${file}', 'rb'))"\` shows the problem).`,
  );
}

/** Warning text (not thrown): Pipfile.lock was made from another Pipfile. */
export function pipfileLockStale(recorded: string, actual: string): string {
  return `Pipfile.lock is out of date: its _meta.hash (${
    recorded.slice(0, 12)
  }...) does not match ` +
    `Pipfile (${actual.slice(0, 12)}...). Installing what Pipfile.lock pins anyway; ` +
    "run `pipenv lock` and push the new Pipfile.lock so that the app gets what Pipfile asks for.";
}

/** The runtime's pip cannot report what it installed (`pip install --report`). */
export function pipTooOld(version: string, needed: string): BuildpackError {
  return new BuildpackError(
    `Could not update the reused Python environment: the runtime's pip ${version} is older than ` +
      `${needed}, which the buildpack needs to tell what an install added (pip install --report).\n` +
      "Set BP_PIP_VERSION=latest (`cf set-env <app> BP_PIP_VERSION latest`) to use the pip shipped " +
      "with this buildpack, or restage with BP_CLEAN_INSTALL=1 for a fresh environment.",
  );
}

/** `python -m nltk.downloader` failed for the ids in nltk.txt. `server` is redacted here. */
export function nltkDownloadFailed(
  ids: string[],
  options: { detail: string; server?: string },
): BuildpackError {
  const server = options.server
    ? options.server.replace(/\/\/[^/@\s]*@/, "//-redacted-@")
    : "the NLTK default index (raw.githubusercontent.com)";
  const listed = ids.join(" ");
  return new BuildpackError(
    `Could not download the NLTK packages listed in nltk.txt (${listed}): ${options.detail}\n` +
      `The downloader used ${server}.\n` +
      "Check the package ids in nltk.txt, that the index is reachable from staging (proxies), " +
      "or point NLTK_DOWNLOAD_URL at a reachable index.xml (`cf set-env <app> NLTK_DOWNLOAD_URL URL`).",
  );
}

/** The app has an environment.yml but the manifest offers no miniforge for the stack. */
export function condaNotOffered(stack: string, stacks: string[]): BuildpackError {
  return new BuildpackError(
    `Could not install conda: this buildpack's manifest has no miniforge dependency for stack ${stack}` +
      ` (it has one for: ${stacks.join(", ") || "no stack"}).\n` +
      "The app has an environment.yml, so it is staged with conda (Miniforge). Push it with one of " +
      "those stacks (cf push -s STACK), use a buildpack whose manifest offers miniforge for " +
      `${stack}, or replace environment.yml with a requirements.txt to install with pip.`,
  );
}

/** The Miniforge installer exited non-zero (its output is in the log). */
export function condaInstallFailed(code: number): BuildpackError {
  return new BuildpackError(
    `Could not install conda: Error installing miniforge: exit status ${code}\n` +
      "The Miniforge installer's output is above. Check that the disk is not full and that the " +
      "manifest's miniforge dependency is a Miniforge installer (.sh) for this stack.",
  );
}

/** `conda env update` or `conda clean` exited non-zero (its output is in the log). */
export function condaEnvUpdateFailed(
  command: "conda env update" | "conda clean",
  code: number,
): BuildpackError {
  const fix = command === "conda env update"
    ? "Read conda's output above for the package that failed. Check environment.yml for typos " +
      "and for packages or versions its channels do not have, that the channels (and any pip " +
      "index) are reachable from staging (http_proxy, https_proxy; CONDA_SSL_VERIFY for a " +
      "channel with its own CA), and that its pip: section installs (PIP_* variables reach pip)."
    : "conda's output is above. Check that the disk is not full; restaging usually helps.";
  return new BuildpackError(
    `Could not update conda env: Could not run ${command}: exit status ${code}\n${fix}`,
  );
}

/** `deno task package` was called wrongly. */
export function packageUsage(problem: string): BuildpackError {
  return new BuildpackError(
    `package: ${problem}.\n` +
      "Usage: deno task package --stack STACK|any [--cached] [--version V] [--out FILE]\n" +
      "         [--binary PATH] [--dependency-dir DIR] [--download-cache DIR]\n" +
      "         [--bytecode all|default|none]",
    { exitCode: 2 },
  );
}

/** `--stack` names a stack the manifest has no dependencies for. */
export function packageStackUnknown(file: string, stack: string, stacks: string[]): BuildpackError {
  return new BuildpackError(
    `package: ${file} has no dependencies for stack '${stack}'.\n` +
      `Its stacks are: ${stacks.join(", ") || "(none)"}. ` +
      "Pass one of them to --stack, or --stack any for a zip that serves every stack.",
    { exitCode: 2 },
  );
}

/** `deno compile` has no denort base binary and cannot download one. */
export function packageDenortMissing(
  options: { denoVersion: string; target: string; cachePath: string; reason: string },
): BuildpackError {
  const { denoVersion, target, cachePath, reason } = options;
  const zip = `denort-${target}.zip`;
  return new BuildpackError(
    `package: cannot compile bin/buildpack: 'deno compile' needs the denort runtime of Deno ${denoVersion} for ${target}, and there is none here:\n` +
      "  - DENORT_BIN is not set\n" +
      `  - ${cachePath} does not exist\n` +
      `  - https://dl.deno.land is not reachable (${reason})\n` +
      "Nothing was built. Provide denort in one of these ways and run the packager again:\n" +
      `  1. On a connected machine download https://dl.deno.land/release/v${denoVersion}/${zip}\n` +
      `     (or https://github.com/denoland/deno/releases/download/v${denoVersion}/${zip}) and bring it here, then\n` +
      `     either put the zip unchanged at ${cachePath}\n` +
      `     or unzip it and set DENORT_BIN=/path/to/denort (the denort executable of exactly Deno ${denoVersion}, NOT the deno CLI).\n` +
      "  2. Or build bin/buildpack elsewhere and package it with --binary PATH.",
  );
}

/** `DENORT_BIN` points at something that is not a usable denort. */
export function packageDenortInvalid(path: string, problem: string): BuildpackError {
  return new BuildpackError(
    `package: DENORT_BIN=${path} ${problem}.\n` +
      "Set DENORT_BIN to the unzipped denort executable of the same Deno version " +
      "(from denort-<target>.zip on dl.deno.land), or unset it.",
  );
}

/** The zip's timestamp cannot be determined. */
export function packageSourceDate(problem: string): BuildpackError {
  return new BuildpackError(
    `package: ${problem}.\n` +
      "Set SOURCE_DATE_EPOCH to the release's time in seconds since 1970 (for example " +
      "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)), so every build of it is byte-identical.",
  );
}

/** A file listed in the manifest's `include_files` is missing. */
export function packageIncludeFileMissing(file: string, entry: string): BuildpackError {
  return new BuildpackError(
    `package: ${file} include_files lists '${entry}', which does not exist.\n` +
      "Create it, or remove it from include_files.",
  );
}

/** `--dependency-dir` lacks files of the stack's dependencies. */
export function packageDependenciesMissing(
  dir: string,
  missing: { name: string; version: string; uri: string; file: string }[],
): BuildpackError {
  return new BuildpackError(
    `package: --dependency-dir ${dir} lacks ${missing.length} of the dependencies this cached zip needs:\n` +
      missing.map((m) => `  - ${m.file} (${m.name} ${m.version}, from ${m.uri})`).join("\n") +
      "\nCopy those files (by their basename, or under <md5 of uri>/) into the directory, " +
      "or package on a machine that can download them.",
  );
}

/**
 * An online zip could not fetch a runtime whose bytecode it was to carry
 * (`--bytecode default|all`, default `default`); `problem` is the fetch's error.
 */
export function packageBytecodeRuntimeUnavailable(
  runtime: string,
  problem: string,
): BuildpackError {
  return new BuildpackError(
    `package: could not fetch ${runtime} to compile the bytecode this online zip carries for it:\n` +
      `  ${problem.split("\n")[0].replace(/^Could not install [^:]+: /, "")}\n` +
      "Package on a machine that can download it, give its tarball with --dependency-dir DIR, " +
      "or leave the bytecode out with --bytecode none (an app's first staging then compiles " +
      "pip's imports itself).",
  );
}

/** `deno compile` failed. */
export function packageCompileFailed(code: number): BuildpackError {
  return new BuildpackError(
    `package: 'deno compile' failed with exit code ${code} (its output is above).\n` +
      "Fix the reported problem, or package an executable built elsewhere with --binary PATH.",
  );
}

/** `--binary` does not name an executable file. */
export function packageBinaryInvalid(path: string, problem: string): BuildpackError {
  return new BuildpackError(
    `package: --binary ${path} ${problem}.\n` +
      "Pass the path of the compiled buildpack executable (or a wrapper script).",
    { exitCode: 2 },
  );
}

/** `pipenv lock` (or installing the manifest's pipenv to run it) failed for a Pipfile without lock. */
export function pipenvLockFailed(
  version: string,
  options: { step: "install" | "lock"; output: string },
): BuildpackError {
  const tail = options.output.trimEnd().split("\n").slice(-30).join("\n");
  const what = options.step === "install"
    ? `installing pipenv ${version} from the buildpack's pipenv dependency failed`
    : `\`pipenv lock\` (pipenv ${version}) failed`;
  return new BuildpackError(
    `Could not install packages: the app has a Pipfile but no Pipfile.lock, and ${what}.\n` +
      (tail ? `pipenv's output ends with:\n${tail}\n` : "") +
      "Check the Pipfile's [packages] and [[source]] (names, versions, a reachable index), " +
      "or run `pipenv lock` locally and push Pipfile.lock with the app.",
  );
}

// Lock files: uv.lock, poetry.lock, Pipfile.lock

/**
 * A lock file no longer matches the project file it was made from.
 * `toolLine` is the tool's own refusal, kept first so logs grep the same;
 * `difference` says in words what differs; `command` regenerates the lock.
 */
export function lockOutOfSync(
  lockFile: string,
  options: { manifest: string; difference: string; command: string; toolLine: string },
): BuildpackError {
  return new BuildpackError(
    `${options.toolLine}\n` +
      `Could not install packages: ${lockFile} is out of date with ${options.manifest}: ` +
      `${options.difference}.\n` +
      `Staging installs exactly what ${lockFile} pins and never re-resolves. Run ` +
      `\`${options.command}\` in the app directory, commit the updated ${lockFile} and push again.`,
  );
}

/** A lock file cannot be read: `problem` says what is wrong, `fix` how to repair it. */
export function lockInvalid(file: string, problem: string, fix: string): BuildpackError {
  return new BuildpackError(`Could not install packages: ${file} ${problem}.\n${fix}`);
}

// Hardening: reading app files, requirement includes, I/O errors, download timeouts, stacks.

/** What a path of the app is when it is not a regular file (`a directory`, `a named pipe (FIFO)`). */
export function appFileNotRegular(file: string, kind: string): BuildpackError {
  return new BuildpackError(
    `Could not read ${file}: it is ${kind}, not a regular file.\n` +
      `The buildpack reads ${file} as a text file: replace it with a regular file, ` +
      "or remove it from the app.",
  );
}

/** An app file is larger than the buildpack reads for its kind. */
export function appFileTooLarge(
  file: string,
  options: { size: number; maxBytes: number },
): BuildpackError {
  return new BuildpackError(
    `Could not read ${file}: it is ${options.size} bytes, more than the ${options.maxBytes} ` +
      `bytes the buildpack reads from such a file.\n` +
      `Check that ${file} is the file you meant to push (not a generated or binary file), ` +
      "and shorten it.",
  );
}

/** An app path (or the symlink it is) leads outside the app dir. */
export function appFileOutsideApp(file: string, target: string): BuildpackError {
  return new BuildpackError(
    `Refusing to read ${file}: it leads outside the app directory (to ${target}).\n` +
      `Keep ${file} inside the app: replace the symbolic link with a copy of the file.`,
  );
}

/** An app file exists but the OS refuses to read it (permissions, I/O error). */
export function appFileUnreadable(file: string, reason: string): BuildpackError {
  return new BuildpackError(
    `Could not read ${file}: ${reason}.\n` +
      `Make ${file} readable (chmod a+r ${file}) before pushing, or remove it from the app.`,
  );
}

/** An app text file is not UTF-8; `found` shows the bytes at `offset`. */
export function appFileNotUtf8(
  file: string,
  options: { offset: number; found: string },
): BuildpackError {
  return new BuildpackError(
    `Could not read ${file}: it is not valid UTF-8; found ${options.found} at offset ${options.offset}.\n` +
      `Save ${file} as UTF-8 (for example with \`iconv -f latin1 -t utf-8\`) and push again.`,
  );
}

/** A `-r`/`-c` line of a requirements file names a file outside the app. */
export function requirementIncludeOutside(
  file: string,
  options: { line: number; include: string },
): BuildpackError {
  return new BuildpackError(
    `${file} line ${options.line} includes '${options.include}', which is outside the app directory.\n` +
      "Keep included requirements files inside the app: copy the file into the app and " +
      "name it with a path relative to the including file.",
  );
}

/** A `-r`/`-c` line of a requirements file names a file that does not exist. */
export function requirementIncludeMissing(
  file: string,
  options: { line: number; include: string },
): BuildpackError {
  return new BuildpackError(
    `${file} line ${options.line} includes '${options.include}', which does not exist in the app.\n` +
      "Push the included file with the app (paths are relative to the including file), " +
      "or remove the line.",
  );
}

/** Requirements files include each other in a loop; `chain` ends with the file repeated. */
export function requirementIncludeLoop(chain: string[], line: number): BuildpackError {
  return new BuildpackError(
    `${chain[chain.length - 2]} line ${line} includes ${
      chain[chain.length - 1]
    } again: the requirements files include each other in a loop (${chain.join(" -> ")}).\n` +
      "Remove one of the -r/-c lines so that every file is included once.",
  );
}

const IO_FIXES: Record<string, string> = {
  ENOSPC: "Free space on the staging disk: push with a larger disk quota (cf push -k 4G) " +
    "or make the app and its cache smaller.",
  EDQUOT: "The disk quota is exhausted: push with a larger disk quota (cf push -k 4G).",
  EROFS: "That path is on a read-only file system: stage into a writable directory.",
  EIO: "The disk reported an error: restage; if it persists, tell the platform operator.",
  EACCES: "Check the permissions of that path (the staging user must be able to use it).",
  EPERM: "Check the permissions and ownership of that path.",
};

/**
 * An OS-level error (disk full, read-only, permissions, I/O) during a step of
 * staging. `reason` is the OS's wording (`no space left on device`).
 */
export function ioFailed(
  code: string,
  options: { reason: string; doing: string; path?: string },
): BuildpackError {
  const writes = code === "ENOSPC" || code === "EDQUOT" || code === "EROFS";
  const where = options.path === undefined ? "" : `${writes ? " into" : " at"} ${options.path}`;
  return new BuildpackError(
    `${options.reason} while ${options.doing}${where}.\n` +
      (IO_FIXES[code] ?? "Check the disk and permissions of the staging container."),
  );
}

/** A download got no bytes (or no connection) within the configured time, on every attempt. */
export function downloadTimedOut(
  name: string,
  options: {
    uri: string;
    what: "connect" | "idle";
    seconds: number;
    variable: string;
    proxy: string | undefined;
    attempts: number;
  },
): BuildpackError {
  const { uri, seconds, variable, proxy, attempts } = options;
  const what = options.what === "connect"
    ? `no response within ${seconds} s of connecting`
    : `no data received for ${seconds} s`;
  return new BuildpackError(
    `Could not install ${name}: could not download ${uri}: ${what} ` +
      `(${attempts} attempt${attempts === 1 ? "" : "s"}, ${
        proxy ? `through proxy ${proxy}` : "no proxy"
      }).\n` +
      `On a slow link, raise the limit with ${variable} (seconds, e.g. cf set-env <app> ${variable} ${
        seconds * 4
      }); ` +
      "otherwise check the network and proxy settings of the staging environment " +
      "(http_proxy, https_proxy, no_proxy), or use the cached (offline) buildpack.",
  );
}

/** A timeout variable is not a positive number of seconds. */
export function timeoutVariableInvalid(variable: string, value: string): BuildpackError {
  return new BuildpackError(
    `${variable} is '${value}', not a positive number of seconds.\n` +
      `Set it to a number such as 120 (cf set-env <app> ${variable} 120), or unset it for the default.`,
  );
}

/** `CF_STACK` is not set (the platform always sets it). */
export function stackNotSet(): BuildpackError {
  return new BuildpackError(
    "CF_STACK is not set: the buildpack cannot tell which stack it stages for.\n" +
      "Cloud Foundry sets it during staging; when staging by hand, set CF_STACK " +
      "(for example CF_STACK=cflinuxfs4).",
  );
}

/** The manifest lists no dependencies at all, so no stack can be served. */
export function manifestWithoutDependencies(file: string): BuildpackError {
  return new BuildpackError(
    `The buildpack's ${file} lists no dependencies, so it cannot install python on any stack.\n` +
      "The buildpack itself is damaged: reinstall it from its release zip.",
  );
}

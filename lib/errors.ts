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
  multiple_lines: "has more than one line",
};

/** How a version request is written in each version file. */
function versionFileExample(file: string): string {
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

/** The app's version request is not a version or range (`abc`). */
export function improperConstraint(file: string, request: string): BuildpackError {
  return new BuildpackError(
    `Could not install python: improper constraint: ${request}\n` +
      `${file} asks for python "${request}", which is not a version or a version range.\n` +
      `Write a version such as ${versionFileExample(file)} in ${file}` +
      " (forms accepted: 3.13, 3.13.x, 3.13.5, >=3.12, ~3.12, 3.13.x || 3.12.x).",
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

/** Extracting an archive needs a command the stack does not have. */
export function archiveToolMissing(archive: string, tool: string, pkg: string): BuildpackError {
  const name = archive.slice(archive.lastIndexOf("/") + 1);
  return new BuildpackError(
    `Extracting ${name} needs the '${tool}' command, which was not found on PATH.\n` +
      `Install it (Debian/Ubuntu package ${pkg}) or use a .tgz version of the archive.`,
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

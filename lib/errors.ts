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

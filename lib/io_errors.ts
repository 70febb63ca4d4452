/**
 * Turning OS-level errors (disk full, read-only file system, permissions, I/O)
 * into errors that say what the buildpack was doing and on which path, instead
 * of "could not download" or "Unexpected failure".
 * @module
 */
import { BuildpackError, ioFailed } from "./errors.ts";

/** The OS error codes that are the environment's fault, not the buildpack's. */
const OS_REASONS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EIO: "input/output error",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
};

/** The errno name (`ENOSPC`) of an OS-level error the environment caused, else undefined. */
export function osErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code in OS_REASONS) return code;
  // Deno names some of them only in the message: "... (os error 28)".
  const errno = err.message.match(/\(os error (\d+)\)/)?.[1];
  const byNumber: Record<string, string> = {
    "1": "EPERM",
    "5": "EIO",
    "13": "EACCES",
    "28": "ENOSPC",
    "30": "EROFS",
    "122": "EDQUOT",
  };
  return errno === undefined ? undefined : byNumber[errno];
}

/** The OS's reason without Deno's `(os error N): op 'path'` tail (`Permission denied`). */
export function osReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\(os error \d+\).*$/s, "");
}

/** The path Deno names in an OS error message (`... writefile '/x'`), if any. */
function pathInMessage(err: Error): string | undefined {
  return err.message.match(/\(os error \d+\): \w+ '([^']+)'/)?.[1];
}

/**
 * A clear error for an OS-level failure (`no space left on device while
 * installing python 3.11.7 into /deps/0/python`), or `undefined` when `err`
 * is not one (a bug, a BuildpackError, a network error).
 * @param options.doing what the buildpack was doing, lower case (`downloading python`)
 * @param options.path where; defaults to the path the OS error names
 */
export function describeIoError(
  err: unknown,
  options: { doing: string; path?: string },
): BuildpackError | undefined {
  if (err instanceof BuildpackError) return undefined;
  const code = osErrorCode(err);
  if (code === undefined) return undefined;
  return ioFailed(code, {
    reason: OS_REASONS[code],
    doing: options.doing,
    path: options.path ?? pathInMessage(err as Error),
  });
}

/**
 * A step header as the object of "while ...": `Installing python 3.11.7` ->
 * `installing python 3.11.7`; a header that is no action is quoted.
 */
export function activityPhrase(step: string | undefined): string {
  if (step === undefined || step === "") return "staging";
  if (/^[A-Z][a-z]+ing\b/.test(step)) return step[0].toLowerCase() + step.slice(1);
  return `staging (step "${step}")`;
}

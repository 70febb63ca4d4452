/**
 * Extracting in a child process of the buildpack's own executable
 * (`<root>/bin/buildpack extract ARCHIVE TARGET`). The tar reader's code,
 * what V8 compiles of it and its buffers then count in the child's memory
 * peak, not in supply's, which also runs pip, saves the cache and writes the
 * SBOM after it (issue 9: supply's peak under 64 MiB). The child reports a
 * failure as one JSON line on stdout, rebuilt here as the same error, so
 * messages and exit codes are those of an extraction in this process.
 * @module
 */
import { BuildpackError } from "../errors.ts";

/** A failure as the child reports it. */
export type ChildFailure =
  | { kind: "buildpack"; message: string; exitCode: number }
  | { kind: "error"; name: string; message: string; code?: string };

/** The record for an error thrown by the extraction in the child. Pure. */
export function failureRecord(err: unknown): ChildFailure {
  if (err instanceof BuildpackError) {
    return { kind: "buildpack", message: err.message, exitCode: err.exitCode };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return {
    kind: "error",
    name: e.name,
    message: e.message,
    ...(typeof code === "string" ? { code } : {}),
  };
}

/** The error a record stands for (OS errors keep their code and message). Pure. */
export function errorFromRecord(record: ChildFailure): Error {
  if (record.kind === "buildpack") {
    return new BuildpackError(record.message, { exitCode: record.exitCode });
  }
  const err = new Error(record.message);
  err.name = record.name;
  if (record.code !== undefined) (err as { code?: string }).code = record.code;
  return err;
}

/** Parse the child's stdout: its failure record, if it printed one. Pure. */
export function parseFailure(stdout: string): ChildFailure | undefined {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    const value = JSON.parse(line);
    if (value?.kind === "buildpack" && typeof value.message === "string") {
      return { kind: "buildpack", message: value.message, exitCode: Number(value.exitCode) || 1 };
    }
    if (value?.kind === "error" && typeof value.message === "string") {
      return {
        kind: "error",
        name: String(value.name ?? "Error"),
        message: value.message,
        ...(typeof value.code === "string" ? { code: value.code } : {}),
      };
    }
  } catch { /* not a record */ }
  return undefined;
}

/**
 * Extract `archive` into `target` with `executable extract ARCHIVE TARGET`.
 * Returns false when the child cannot be started at all (the caller then
 * extracts in its own process); throws the child's error when it fails or
 * is stopped by `options.signal`.
 */
export async function extractInChild(
  executable: string,
  archive: string,
  target: string,
  options: { signal?: AbortSignal } = {},
): Promise<boolean> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(executable, {
      args: ["extract", archive, target],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Aborting kills the child (the caller's sha256 check of the archive failed).
      signal: options.signal,
    }).output();
  } catch {
    return false;
  }
  if (out.success) return true;
  const record = parseFailure(new TextDecoder().decode(out.stdout));
  if (record) throw errorFromRecord(record);
  const stderr = new TextDecoder().decode(out.stderr).trim();
  throw new Error(
    `extracting ${archive} in a child process failed (${
      out.signal ? `signal ${out.signal}` : `exit code ${out.code}`
    })${stderr ? `: ${stderr}` : ""}`,
  );
}

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
  return outcome(out, archive);
}

/** True for a child that succeeded; else the error it reported or its exit. */
function outcome(out: Deno.CommandOutput, archive: string): true {
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

/** The job a waiting child reads from stdin: one JSON line. Pure. */
export function jobLine(archive: string, target: string): string {
  return JSON.stringify({ archive, target }) + "\n";
}

/** The job in what a waiting child read (undefined: no job, stdin closed empty). Pure. */
export function parseJob(text: string): { archive: string; target: string } | undefined {
  if (text.trim() === "") return undefined;
  const job = JSON.parse(text);
  if (typeof job?.archive !== "string" || typeof job?.target !== "string") {
    throw new Error(`not an extract job: ${text.trim().slice(0, 200)}`);
  }
  return { archive: job.archive, target: job.target };
}

/** How long {@link WaitingChild.close} waits for an unused child before killing it. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * An extract child started before its archive is known
 * (`executable extract --stdin`): it loads the tar reader (~35 ms of module
 * loading) while supply reads the manifest and plans the install. It waits
 * for one job on stdin; stdin closed without one (or supply gone), it exits.
 */
export class WaitingChild {
  #child: Deno.ChildProcess;
  #used = false;
  #exited = false;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    child.status.then(() => this.#exited = true, () => this.#exited = true);
  }

  /** Whether its process has ended (before its job: it died). */
  get exited(): boolean {
    return this.#exited;
  }

  /** Its process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Start it; undefined when it cannot start. */
  static start(executable: string): WaitingChild | undefined {
    try {
      return new WaitingChild(
        new Deno.Command(executable, {
          args: ["extract", "--stdin"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
      );
    } catch {
      return undefined;
    }
  }

  /**
   * Give it the job and wait for it: false when it could not take the job
   * (it died meanwhile; the caller extracts another way), else like
   * {@link extractInChild}. `options.signal` kills it.
   */
  async run(
    archive: string,
    target: string,
    options: {
      signal?: AbortSignal;
      /** Called once the child has its job. */
      started?: () => void;
    } = {},
  ): Promise<boolean> {
    this.#used = true;
    if (this.#exited) {
      await this.#child.output().catch(() => {});
      return false;
    }
    const kill = () => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* exited */ }
    };
    options.signal?.addEventListener("abort", kill, { once: true });
    try {
      const writer = this.#child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(jobLine(archive, target)));
        await writer.close();
      } catch {
        kill();
        await this.#child.output().catch(() => {});
        return false;
      }
      options.started?.();
      const out = await this.#child.output();
      options.signal?.throwIfAborted();
      return outcome(out, archive);
    } finally {
      options.signal?.removeEventListener("abort", kill);
    }
  }

  /** Let an unused child go (it exits on the closed stdin; killed if it has not in 5 s). */
  async close(): Promise<void> {
    if (this.#used) return;
    this.#used = true;
    await this.#child.stdin.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* exited */ }
    }, CLOSE_TIMEOUT_MS);
    await this.#child.output().catch(() => {});
    clearTimeout(timer);
  }
}

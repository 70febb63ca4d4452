/**
 * Spawning platform processes: buildpack scripts during staging and the app
 * at launch. Every child gets a clean environment and its own process group
 * (so the whole group can be signalled), and its output is split into lines
 * as it arrives.
 * @module
 */

/** Path of bash: the stacks have `/bin/bash`. */
export function bashPath(): string {
  for (const candidate of ["/bin/bash", "/usr/bin/bash"]) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* next */ }
  }
  return "bash";
}

/** Feed a byte stream to `onLine` line by line (a last partial line included). */
export async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const reader = stream.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ""));
        pending = pending.slice(nl + 1);
      }
    }
  } catch {
    /* stream cancelled */
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
  pending += decoder.decode();
  if (pending.length) onLine(pending.replace(/\r$/, ""));
}

/** Send a signal to a process group, ignoring "no such process". */
export function killGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch { /* already gone */ }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolve with `promise`, or with undefined after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Working directory. */
  cwd: string;
  /** The complete environment (nothing else is inherited). */
  env: Record<string, string>;
  /** Receives every output line (stderr only when `captureStdout`). */
  onLine: (line: string) => void;
  /** Collect stdout instead of logging it (detect, release). */
  captureStdout?: boolean;
  /** Kill the script's process group after this long. */
  timeoutMs?: number;
}

/** Outcome of {@link runScript}. */
export interface RunScriptResult {
  /** Exit code (128+n when killed by signal n, as a shell reports it). */
  code: number;
  /** Captured stdout (with `captureStdout`). */
  stdout: string;
  /** Whether the timeout fired. */
  timedOut: boolean;
  /** Go-style description: `exit status N` or `signal: killed`. */
  status: string;
}

/**
 * Run `script args...` like the builder's `exec.Command`: argv[0] is the
 * script path. Through `bash -c 'exec "$@"'` so a missing or non-executable
 * script becomes exit 126/127 with bash's message instead of a spawn error;
 * without `captureStdout`, stderr is merged into stdout (`2>&1`) so the log
 * keeps the order the script wrote in. When the script ends, whatever it left
 * running in its process group is killed.
 */
export async function runScript(
  script: string,
  args: string[],
  options: RunScriptOptions,
): Promise<RunScriptResult> {
  const wrapper = options.captureStdout ? 'exec "$@"' : 'exec "$@" 2>&1';
  const child = new Deno.Command(bashPath(), {
    args: ["-c", wrapper, "bash", script, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const stdoutLines: string[] = [];
  const abort = new AbortController();
  const pumps = [
    pumpLines(
      child.stdout,
      options.captureStdout ? (l) => stdoutLines.push(l) : options.onLine,
      { signal: abort.signal },
    ),
    pumpLines(child.stderr, options.onLine, { signal: abort.signal }),
  ];
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, Math.max(options.timeoutMs, 0));
  }
  const status = await child.status;
  clearTimeout(timer);
  killGroup(child.pid, "SIGKILL");
  // A process that left the group may still hold the pipes: stop reading then.
  if (await within(Promise.all(pumps), 2000) === undefined) abort.abort();
  await Promise.all(pumps);
  const stdout = stdoutLines.map((l) => l + "\n").join("");
  const code = status.signal ? 128 + signalNumber(status.signal) : status.code;
  return {
    code,
    stdout,
    timedOut,
    status: status.signal ? `signal: ${status.signal}` : `exit status ${status.code}`,
  };
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 0;
}

/** Wait until `port` on 127.0.0.1 accepts a TCP connection, or `stop()` says to give up. */
export async function waitForPort(
  port: number,
  options: { timeoutMs: number; stop: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.stop()) return false;
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

/** A port nobody listens on: bind port 0, read it, close. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether `port` can be bound on 0.0.0.0 right now. */
export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "0.0.0.0", port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Running subprocesses with their output streamed into the staging log.
 * @module
 */
import { basename } from "./path.ts";
import type { Logger } from "./log.ts";
import { redactUrls } from "./redact.ts";

/** Options of {@link run}. */
export interface RunOptions {
  /** Working directory. */
  cwd?: string;
  /** The complete environment of the child (not merged with ours). */
  env: Record<string, string>;
  /** Stream output into this log, indented. Omit to stay quiet. */
  log?: Logger;
  /** Drop output lines matching this from the log (still kept in `output`). */
  filter?: RegExp;
  /**
   * How long to keep reading output after the child exited (default 2000 ms):
   * a background process it started may hold its pipes open forever.
   */
  graceMs?: number;
}

/** What a finished subprocess left. */
export interface RunResult {
  /** Exit code (signal deaths count as 128+n). */
  code: number;
  /** stdout and stderr interleaved, credentials redacted (last 64 KiB). */
  output: string;
  /** The child exited but something it started still held its output open. */
  backgroundLeft: boolean;
}

const KEEP = 64 * 1024;
const DEFAULT_GRACE_MS = 2000;

/**
 * Run `cmd args`, streaming redacted output lines to the log as they come.
 * Waits for the child process, not for its pipes to close: what a background
 * process of it still writes after a short grace is not waited for.
 */
export async function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const readers: ReadableStreamDefaultReader<string>[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    readers.push(reader);
    let pending = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += value;
        const cut = pending.lastIndexOf("\n");
        if (cut < 0) continue;
        emit(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
    } catch { /* cancelled after the grace period */ }
    if (pending) emit(pending + "\n");
  };
  const emit = (chunk: string) => {
    const clean = redactUrls(chunk);
    output = (output + clean).slice(-KEEP);
    if (!options.log) return;
    const lines = options.filter
      ? clean.split("\n").filter((l) => !options.filter!.test(l)).join("\n")
      : clean;
    options.log.output(lines);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = await child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    pumps.then(() => true),
    new Promise<boolean>((r) =>
      timer = setTimeout(() => r(false), options.graceMs ?? DEFAULT_GRACE_MS)
    ),
  ]);
  clearTimeout(timer);
  if (!drained) {
    await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
    await pumps;
    options.log?.warning(
      `${basename(cmd)} exited but left a background process running that keeps its output open; ` +
        "staging continues without waiting for it (redirect its output, e.g. `cmd >/dev/null 2>&1 &`, " +
        "or do not start background processes during staging).",
    );
  }
  const code = status.signal ? 128 + signalNumber(status.signal) : status.code;
  return { code, output, backgroundLeft: !drained };
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
  return numbers[signal] ?? 1;
}

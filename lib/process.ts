/**
 * Running subprocesses with their output streamed into the staging log.
 * @module
 */
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
}

/** What a finished subprocess left. */
export interface RunResult {
  /** Exit code (signal deaths count as 128+n). */
  code: number;
  /** stdout and stderr interleaved, credentials redacted (last 64 KiB). */
  output: string;
}

const KEEP = 64 * 1024;

/** Run `cmd args`, streaming redacted output lines to the log as they come. */
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
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) continue;
      emit(pending.slice(0, cut + 1));
      pending = pending.slice(cut + 1);
    }
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
  await Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = await child.status;
  return { code: status.signal ? 128 + signalNumber(status.signal) : status.code, output };
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
  return numbers[signal] ?? 1;
}

/**
 * The staging log: buildpack output verbatim plus the emulator's own lines,
 * prefixed `[stage] `; streamed to a sink and collected.
 * @module
 */

const encoder = new TextEncoder();

/** Write text to stdout synchronously (keeps ordering with child output). */
export function writeStdout(text: string): void {
  const data = encoder.encode(text);
  let written = 0;
  while (written < data.length) written += Deno.stdout.writeSync(data.subarray(written));
}

/** Prefix of every line the emulator itself writes. */
export const PREFIX = "[stage] ";

/** Collects the log and streams every chunk to `output`. */
export class StageLog {
  #output: (chunk: string) => void;
  #text = "";

  /** @param output where each chunk is streamed (default stdout) */
  constructor(output: (chunk: string) => void = writeStdout) {
    this.#output = output;
  }

  /** Everything logged so far. */
  get text(): string {
    return this.#text;
  }

  /** One line of buildpack output, verbatim. */
  line(text: string): void {
    this.#write(text + "\n");
  }

  /** One or more emulator lines, each prefixed `[stage] `. */
  info(message: string): void {
    this.#write(message.split("\n").map((l) => PREFIX + l + "\n").join(""));
  }

  #write(chunk: string): void {
    this.#text += chunk;
    this.#output(chunk);
  }
}

/** Seconds with two decimals, for timings. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Cloud Foundry buildpack log format, as libbuildpack writes it.
 *
 * Pure formatting lives in {@link formatLine}; {@link Logger} adds the sink.
 * @module
 */
import { redactUrls } from "./redact.ts";

/** Indent every buildpack log line except step headers carry. */
export const INDENT = "       ";

/** Kinds of log line. */
export type LineKind = "step" | "info" | "warning" | "error" | "debug";

const RED_BOLD = "\x1b[31;1m";
const RESET = "\x1b[0m";

/**
 * Format one message of the given kind. Multi-line messages get every
 * continuation line indented by 7 spaces, as libbuildpack does.
 */
export function formatLine(kind: LineKind, message: string): string {
  const lines = message.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
  const rest = lines.slice(1).map((l) => INDENT + l);
  switch (kind) {
    case "step":
      return ["-----> " + lines[0], ...rest].join("\n");
    case "info":
      return [INDENT + lines[0], ...rest].join("\n");
    case "warning":
      return [`${INDENT}${RED_BOLD}**WARNING**${RESET} ${lines[0]}`, ...rest].join("\n");
    case "error":
      return [`${INDENT}${RED_BOLD}**ERROR**${RESET} ${lines[0]}`, ...rest].join("\n");
    case "debug":
      return [`${INDENT}DEBUG: ${lines[0]}`, ...rest].join("\n");
  }
}

/** Indent subprocess output so it nests under the step that ran it. */
export function indentOutput(text: string): string {
  return text.split("\n").map((l) => (l.length ? INDENT + l : l)).join("\n");
}

/** Where log lines go; tests capture them in memory. */
export interface LogSink {
  /** Write one already formatted chunk (no trailing newline handling). */
  write(text: string): void;
}

const encoder = new TextEncoder();

/** Writes synchronously to stdout so lines interleave correctly with child output. */
export const stdoutSink: LogSink = {
  write(text: string) {
    const data = encoder.encode(text);
    let written = 0;
    while (written < data.length) written += Deno.stdout.writeSync(data.subarray(written));
  },
};

/**
 * Buildpack logger: `-----> step`, indented info, `**WARNING**`, `**ERROR**`,
 * `DEBUG:`. Every line is redacted here, whatever its source (an error's
 * stack, Deno's own `Invalid URL: '...'`), so no caller can leak a password.
 */
export class Logger {
  #sink: LogSink;
  #debug: boolean;
  #activity: string | undefined;

  /** @param options.debug emit `DEBUG:` lines (BP_DEBUG non-empty) */
  constructor(sink: LogSink = stdoutSink, options: { debug?: boolean } = {}) {
    const out = sink;
    this.#sink = { write: (text) => out.write(redactUrls(text)) };
    this.#debug = options.debug ?? false;
  }

  /** The last step header (`Installing python 3.11.7`): what an unexpected OS error interrupted. */
  get activity(): string | undefined {
    return this.#activity;
  }

  /** Whether debug lines are written. */
  get debugEnabled(): boolean {
    return this.#debug;
  }

  /** A step header: `-----> text`. */
  step(message: string): void {
    this.#activity = redactUrls(message);
    this.#sink.write(formatLine("step", message) + "\n");
  }

  /** An indented info line. */
  info(message: string): void {
    this.#sink.write(formatLine("info", message) + "\n");
  }

  /** A `**WARNING**` line; surrounded by blank lines like libbuildpack. */
  warning(message: string): void {
    this.#sink.write(formatLine("warning", message) + "\n");
  }

  /** An `**ERROR**` line. */
  error(message: string): void {
    this.#sink.write(formatLine("error", message) + "\n");
  }

  /** A `DEBUG:` line, only when debug is enabled. */
  debug(message: string): void {
    if (this.#debug) this.#sink.write(formatLine("debug", message) + "\n");
  }

  /** Raw output (e.g. a subprocess's), indented 7 spaces. */
  output(text: string): void {
    if (text.length) this.#sink.write(indentOutput(text.endsWith("\n") ? text : text + "\n"));
  }
}

/** A sink that collects output in memory, for tests. */
export class MemorySink implements LogSink {
  /** Everything written so far. */
  text = "";
  /** Append text. */
  write(text: string): void {
    this.text += text;
  }
}

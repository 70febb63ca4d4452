import assert from "node:assert/strict";
import { formatLine, Logger, MemorySink } from "./log.ts";

Deno.test("formatLine matches libbuildpack's format", () => {
  assert.equal(formatLine("step", "Installing python 3.11.9"), "-----> Installing python 3.11.9");
  assert.equal(formatLine("info", "Download [x]"), "       Download [x]");
  assert.equal(formatLine("warning", "careful"), "       \x1b[31;1m**WARNING**\x1b[0m careful");
  assert.equal(formatLine("error", "broken"), "       \x1b[31;1m**ERROR**\x1b[0m broken");
  assert.equal(formatLine("debug", "detail"), "       DEBUG: detail");
  assert.equal(formatLine("error", "a\r\nb\n"), "       \x1b[31;1m**ERROR**\x1b[0m a\n       b");
});

Deno.test("Logger writes debug lines only when enabled and indents output", () => {
  const quiet = new MemorySink();
  new Logger(quiet).debug("hidden");
  assert.equal(quiet.text, "");
  const sink = new MemorySink();
  const log = new Logger(sink, { debug: true });
  log.debug("shown");
  log.output("line 1\n\nline 2");
  assert.equal(sink.text, "       DEBUG: shown\n       line 1\n\n       line 2\n");
});

Deno.test("Logger redacts credentials in every kind of line", () => {
  const sink = new MemorySink();
  const log = new Logger(sink, { debug: true });
  const url = "https://user:s3cret@pypi.example.com/simple";
  log.step(`Using ${url}`);
  log.info(url);
  log.warning(url);
  log.error(`Unexpected failure: TypeError: Invalid URL: '${url}'\n    at parse (${url})`);
  log.debug(url);
  log.output(url);
  assert.ok(!sink.text.includes("s3cret"), sink.text);
  assert.equal(sink.text.match(/-redacted-:-redacted-@pypi/g)?.length, 7);
});

Deno.test("Logger remembers the current step as the activity", () => {
  const log = new Logger(new MemorySink());
  assert.equal(log.activity, undefined);
  log.step("Installing python 3.11.7");
  log.info("Download [x]");
  assert.equal(log.activity, "Installing python 3.11.7");
});

import assert from "node:assert/strict";
import { Logger, MemorySink } from "./log.ts";
import { run } from "./process.ts";

Deno.test({
  name: "run returns when the child exits, even if a background process keeps its stdout",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sink = new MemorySink();
    const started = performance.now();
    const res = await run("/bin/sh", ["-c", "sleep 600 & echo bg=$!; printf 'partial'"], {
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      log: new Logger(sink),
      graceMs: 300,
    });
    const pid = Number(res.output.match(/bg=(\d+)/)?.[1]);
    try {
      assert.ok(performance.now() - started < 5000, "bounded by the grace period");
      assert.equal(res.code, 0);
      assert.equal(res.backgroundLeft, true);
      assert.match(res.output, /partial/, "buffered output is kept");
      assert.match(sink.text, /left a background process running/);
    } finally {
      if (pid > 0) Deno.kill(pid, "SIGKILL");
    }
  },
});

Deno.test("run waits for the output of a child that closes its pipes", async () => {
  const res = await run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], {
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  });
  assert.equal(res.code, 3);
  assert.equal(res.backgroundLeft, false);
  assert.match(res.output, /out/);
  assert.match(res.output, /err/);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger, MemorySink } from "../log.ts";
import { runHook } from "./hooks.ts";

Deno.test({
  name: "a hook that leaves a background process holding stdout does not hang staging",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hook-" });
    let pid = 0;
    try {
      await Deno.mkdir(join(dir, "bin"));
      await Deno.writeTextFile(
        join(dir, "bin", "pre_compile"),
        "#!/bin/sh\nsleep 600 &\necho $! > bg.pid\necho hook ran\n",
      );
      const sink = new MemorySink();
      const started = performance.now();
      const ran = await runHook("pre_compile", {
        buildDir: dir,
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        log: new Logger(sink),
      });
      pid = Number(await Deno.readTextFile(join(dir, "bg.pid")));
      assert.ok(ran);
      assert.ok(performance.now() - started < 10_000, "finished within seconds");
      assert.match(sink.text, /-----> Running pre_compile hook\n {7}hook ran\n/);
      assert.match(sink.text, /pre_compile exited but left a background process running/);
    } finally {
      if (pid > 0) Deno.kill(pid, "SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

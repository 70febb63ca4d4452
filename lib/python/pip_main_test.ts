import assert from "node:assert/strict";
import { join } from "node:path";
import { PIP_MAIN, pipInterpreterArgs } from "./pip_main.ts";
import { pythonRuntime, unpackRuntime } from "../../tests/support/runtimes.ts";

const runtime = await pythonRuntime("3.11");

Deno.test("pipInterpreterArgs: the -c script, then pip's own arguments", () => {
  assert.deepEqual(pipInterpreterArgs(["install", "-r", "r.txt"]), [
    "-c",
    PIP_MAIN,
    "install",
    "-r",
    "r.txt",
  ]);
});

Deno.test(
  "pip started by PIP_MAIN prints and exits as python -m pip does, its --log file complete",
  { ignore: runtime === undefined },
  async () => {
    const work = await Deno.makeTempDir({ prefix: "pip_main_test_" });
    try {
      const { py, env } = await unpackRuntime(runtime!, work);
      const python = async (args: string[]) => {
        const out = await new Deno.Command(join(py, "bin", "python3"), {
          args,
          cwd: work,
          env: {
            ...env,
            PIP_DISABLE_PIP_VERSION_CHECK: "1",
            PIP_CONFIG_FILE: "/dev/null",
            PIP_NO_INDEX: "1",
          },
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };
      const both = async (args: (log: string) => string[]) => ({
        main: await python(pipInterpreterArgs(args("main.log"))),
        m: await python(["-m", "pip", ...args("m.log")]),
      });

      // Success, with output on stdout.
      const version = await both(() => ["--version"]);
      assert.equal(version.main.code, 0);
      assert.match(version.main.stdout, /^pip \d+\.\d+/);
      assert.deepEqual(version.main, version.m);
      // pip's own failure: the same message and exit code, and a --log file with every line.
      const failed = await both((log) => ["install", "--log", join(work, log), "no-such-dist-x"]);
      assert.notEqual(failed.main.code, 0);
      assert.match(failed.main.stderr, /No matching distribution found for no-such-dist-x/);
      assert.deepEqual(failed.main, failed.m);
      const log = await Deno.readTextFile(join(work, "main.log"));
      assert.match(log, /No matching distribution found for no-such-dist-x/);
      assert.equal(
        log.split("\n").length,
        (await Deno.readTextFile(join(work, "m.log"))).split("\n").length,
      );
      // A usage error exits 2, as pip's do.
      const usage = await both(() => ["install", "--no-such-option"]);
      assert.equal(usage.main.code, 2);
      assert.match(usage.main.stderr, /no such option: --no-such-option/);
      assert.deepEqual(usage.main, usage.m);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

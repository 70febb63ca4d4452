import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compilerTimeoutMs,
  installArgs,
  type PipContext,
  pythonEnv,
  startCompiler,
} from "./pip.ts";
import type { InstallPlan } from "./install_plan.ts";
import { Logger, MemorySink } from "../log.ts";
import { pythonRuntime, unpackRuntime } from "../../tests/support/runtimes.ts";

Deno.test("pythonEnv drops hostile variables and puts the runtime first", () => {
  const env = pythonEnv({
    PATH: "/usr/bin",
    PIP_TARGET: "/tmp/x",
    PIP_USER: "1",
    PIP_REQUIRE_VIRTUALENV: "1",
    PIP_PYTHON: "/bin/false",
    PIP_INDEX_URL: "https://i/simple",
    PYTHONPATH: "/invalid",
    PYTHONINSPECT: "1",
    PYTHONPLATLIBDIR: "nope",
    PYTHONUNBUFFERED: "1",
  }, { cacheDir: "/c", depsIdxDir: "/d/0", caBundleExists: false });
  for (const k of ["PIP_TARGET", "PIP_USER", "PIP_REQUIRE_VIRTUALENV", "PIP_PYTHON"]) {
    assert.equal(env[k], undefined, k);
  }
  for (const k of ["PYTHONPATH", "PYTHONINSPECT", "PYTHONPLATLIBDIR"]) {
    assert.equal(env[k], undefined, k);
  }
  assert.equal(env.PIP_INDEX_URL, "https://i/simple");
  assert.equal(env.PYTHONUNBUFFERED, "1");
  assert.equal(env.PYTHONNOUSERSITE, "1");
  assert.equal(env.PATH, "/d/0/python/bin:/usr/bin");
  assert.equal(env.XDG_CACHE_HOME, "/c/pip_cache");
  assert.equal(env.LD_LIBRARY_PATH, "/d/0/python/lib:/d/0/python/usr/lib/x86_64-linux-gnu");
  assert.equal(env.LIBRARY_PATH, "/d/0/python/lib");
  assert.equal(env.CPATH, undefined, "no runtime installed yet: no include dir");
});

Deno.test("pythonEnv puts the runtime's include/python3.X on CPATH, before the stack's", async () => {
  const deps = await Deno.makeTempDir({ prefix: "pip-env-test-" });
  try {
    const include = join(deps, "python", "include", "python3.11");
    await Deno.mkdir(include, { recursive: true });
    const env = pythonEnv({ CPATH: "/other/include", LIBRARY_PATH: "/other/lib" }, {
      cacheDir: "/c",
      depsIdxDir: deps,
    });
    assert.equal(env.CPATH, `${include}:/other/include`);
    assert.equal(env.LIBRARY_PATH, `${join(deps, "python", "lib")}:/other/lib`);
  } finally {
    await Deno.remove(deps, { recursive: true });
  }
});

const CTX: PipContext = {
  pythonDir: "/nonexistent/deps/0/python",
  depsIdxDir: "/nonexistent/deps/0",
  buildDir: "/nonexistent/app",
  env: {},
  log: new Logger(new MemorySink()),
  scratchDir: "/nonexistent/scratch",
};

const LOCK_PLAN: InstallPlan = {
  manager: "uv",
  source: "uv.lock",
  inputs: [],
  localPaths: [],
  hasRequirements: true,
  installs: [{
    requirements: { path: "locked/hashed.txt", scratch: true },
    flags: ["--require-hashes", "--no-deps"],
  }],
};

Deno.test("installArgs: --no-compile only when the buildpack compiles beside pip", () => {
  const install = LOCK_PLAN.installs[0];
  assert.deepEqual(installArgs(CTX, LOCK_PLAN, install, { noCompile: true }), [
    "install",
    "-r",
    "/nonexistent/scratch/locked/hashed.txt",
    "--require-hashes",
    "--no-deps",
    "--no-compile",
    "--exists-action=w",
    "--src=/nonexistent/deps/0/src",
    "--no-warn-script-location",
  ]);
  assert.ok(!installArgs(CTX, LOCK_PLAN, install).includes("--no-compile"));
});

const runtime = await pythonRuntime("3.11");

Deno.test(
  "startCompiler: for every install, but never against pip's own setting",
  { ignore: runtime === undefined },
  async () => {
    // Without a runtime there is no site-packages: no compiler (pip compiles).
    assert.equal(startCompiler(CTX), undefined);
    const work = await Deno.makeTempDir({ prefix: "pip_test_" });
    try {
      const { py: pythonDir, env } = await unpackRuntime(runtime!, work);
      const ctx = { ...CTX, pythonDir, env };
      for (const name of ["PIP_NO_COMPILE", "PIP_COMPILE"]) {
        assert.equal(
          startCompiler({ ...ctx, env: { ...ctx.env, [name]: "0" } }),
          undefined,
        );
      }
      const compiler = startCompiler(ctx);
      assert.ok(compiler, "no compiler for a lock plan");
      const done = await compiler.finish(30_000);
      assert.deepEqual({ compiled: done.compiled, complete: done.complete }, {
        compiled: 0,
        complete: true,
      });
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

Deno.test("compilerTimeoutMs: two minutes, or as long as pip took", () => {
  assert.equal(compilerTimeoutMs(1_000), 120_000);
  assert.equal(compilerTimeoutMs(300_000), 300_000);
});

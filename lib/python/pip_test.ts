import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonEnv } from "./pip.ts";

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

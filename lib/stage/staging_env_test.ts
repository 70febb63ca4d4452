import assert from "node:assert/strict";
import { join } from "node:path";
import { stagingEnv } from "./staging_env.ts";

Deno.test("stagingEnv leaves out the platform's hostile variables but keeps deps env files", async () => {
  const deps = await Deno.makeTempDir({ prefix: "staging-env-test-" });
  try {
    await Deno.mkdir(join(deps, "0", "env"), { recursive: true });
    await Deno.writeTextFile(join(deps, "0", "env", "PYTHONHOME"), "/deps/0/python");
    const env = stagingEnv(deps, {
      PATH: "/usr/bin",
      PIP_TARGET: "/tmp/x",
      PYTHONPATH: "/invalid",
      PIP_INDEX_URL: "https://i/simple",
    });
    assert.equal(env.PIP_TARGET, undefined);
    assert.equal(env.PYTHONPATH, undefined);
    assert.equal(env.PIP_INDEX_URL, "https://i/simple");
    assert.equal(env.PYTHONHOME, "/deps/0/python");
    assert.equal(env.PATH, "/usr/bin");
  } finally {
    await Deno.remove(deps, { recursive: true });
  }
});

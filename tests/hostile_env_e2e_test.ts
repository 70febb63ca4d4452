/**
 * End to end: a staging environment set up to redirect or break pip
 * (Heroku's builds run with such variables on purpose) still stages an app
 * that runs: the buildpack decides the environment of its Python processes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { assertStaged, cleanup, get, REPO, stageApp, withRunningApp } from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("hostile environment");

Deno.test(
  "PIP_TARGET, PIP_USER, PIP_REQUIRE_VIRTUALENV, PIP_PYTHON, PYTHONPATH, PYTHONINSPECT, PYTHONPLATLIBDIR do not reach pip",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const target = await Deno.makeTempDir({ prefix: "e2e-pip-target-" });
    const result = await stageApp(join(REPO, "examples", "flask_app"), {
      manifest: testManifest([rt]),
      env: {
        PIP_REQUIRE_VIRTUALENV: "1",
        PIP_TARGET: target,
        PIP_USER: "1",
        PYTHONPATH: "/invalid",
        PYTHONINSPECT: "1",
        PYTHONPLATLIBDIR: "nope",
        PIP_PYTHON: "/bin/false",
      },
    });
    try {
      const droplet = assertStaged(result);
      assert.match(
        result.log,
        /\*\*WARNING\*\*\S* Ignoring [A-Z_, ]*PIP_TARGET[A-Z_, ]* for the buildpack's Python/,
      );
      assert.match(result.log, /Ignoring [A-Z_, ]*PYTHONPATH/);
      assert.deepEqual([...Deno.readDirSync(target)], [], "nothing was installed into PIP_TARGET");
      await withRunningApp(droplet, async (url, log) => {
        const hello = await get(url + "/");
        assert.equal(hello.status, 200, log());
        assert.equal(hello.body, "Hello, World!\n");
      });
    } finally {
      await cleanup(result);
      await Deno.remove(target, { recursive: true });
    }
  },
);

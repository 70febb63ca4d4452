/**
 * End to end: an app with a Pipfile and no Pipfile.lock, staged with a
 * manifest that has a `pipenv` dependency, is locked during staging (in a
 * scratch dir, the app dir untouched) and installed from the lock with hash
 * checking; a Pipfile pipenv cannot lock fails with pipenv's output. pipenv
 * itself cannot be obtained here: the dependency is the STAND-IN pipenv of
 * tests/support/stand_in_pipenv.ts (a real wheel whose `lock` resolves with
 * real pip against this machine's mirror).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { copy, treeDigest } from "./support/files.ts";
import { mirrorEnv } from "./support/pip_mirror.ts";
import { packStandInPipenv, pipenvEntry } from "./support/stand_in_pipenv.ts";
import {
  assertStaged,
  cleanup,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("pipenv lock");

async function manifestWithStandInPipenv(dir: string): Promise<string> {
  const standIn = await packStandInPipenv(dir);
  return testManifest([(await pythonRuntime("3.11"))!], { extra: pipenvEntry(standIn) });
}

Deno.test(
  "a Pipfile without lock is locked with the manifest's pipenv (stand-in)",
  opts,
  async () => {
    const work = await Deno.makeTempDir({ prefix: "e2e-pipenv-" });
    const app = await copy(fixture("pipfile_app"));
    try {
      const manifest = await manifestWithStandInPipenv(work);
      const mirror = (await mirrorEnv()) ?? {};
      const before = await treeDigest(app);
      const result = await stageApp(app, {
        manifest,
        noMirror: true,
        env: { MIRROR_INDEX_URL: mirror.PIP_INDEX_URL ?? "", PIP_RETRIES: "0" },
      });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /-----> Locking Pipfile with pipenv 2026\.7\.1/);
        assert.match(result.log, /Generating 'requirements\.txt' from Pipfile\.lock/);
        assert.match(result.log, /Successfully installed .*flask-/);
        assert.doesNotMatch(result.log, /pytest/, "develop packages are not installed");
        assert.equal(await treeDigest(app), before, "nothing is written into the app dir");
        await withRunningApp(droplet, async (url) => {
          assert.equal((await get(url)).body, "Hello, World!\n");
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
);

Deno.test("a Pipfile pipenv cannot lock fails with pipenv's output", opts, async () => {
  const work = await Deno.makeTempDir({ prefix: "e2e-pipenv-" });
  const app = await copy(fixture("pipfile_app"));
  try {
    const pipfile = join(app, "Pipfile");
    const text = await Deno.readTextFile(pipfile);
    await Deno.writeTextFile(pipfile, text.replace('flask = "*"', 'flask = "==0.0.999"'));
    const mirror = (await mirrorEnv()) ?? {};
    const result = await stageApp(app, {
      manifest: await manifestWithStandInPipenv(work),
      noMirror: true,
      env: { MIRROR_INDEX_URL: mirror.PIP_INDEX_URL ?? "", PIP_RETRIES: "0" },
    });
    try {
      assert.notEqual(result.exitCode, 0);
      assert.match(
        result.log,
        /\*\*ERROR\*\*\S* Could not install packages: the app has a Pipfile but no Pipfile\.lock, and `pipenv lock` \(pipenv 2026\.7\.1\) failed/,
      );
      assert.match(result.log, /pipenv's output ends with:[\s\S]*flask==0\.0\.999/);
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});

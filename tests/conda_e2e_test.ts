/**
 * End to end: an environment.yml app staged with conda. No conda
 * distribution can be downloaded here, so the manifest's `miniforge`
 * dependency is a STAND-IN installer (tests/support/stand_in_miniforge.sh,
 * built by tests/support/conda_stand_in.ts around a real CPython 3.11) that
 * takes real Miniforge's command lines; its env's pip installs flask and
 * gunicorn from the local mirror. The droplet starts at another root, so the
 * conda prefix baked in at staging must be relocated by profile.d.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { miniforgeEntry, standInMiniforge } from "./support/conda_stand_in.ts";
import { copy } from "./support/files.ts";
import {
  assertStaged,
  cleanup,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("conda");

async function condaManifest() {
  const standIn = (await standInMiniforge())!;
  const runtime = (await pythonRuntime("3.11"))!;
  return { standIn, text: testManifest([runtime], { extra: miniforgeEntry(standIn) }) };
}

function assertInOrder(log: string, lines: string[]): void {
  let at = 0;
  for (const line of lines) {
    const found = log.indexOf(line, at);
    assert.ok(found >= 0, `missing or out of order: ${line}\n${log}`);
    at = found + line.length;
  }
}

Deno.test("an environment.yml app is staged with conda and runs from dep_env", opts, async () => {
  const m = await condaManifest();
  const result = await stageApp(fixture("conda_app"), {
    manifest: m.text,
    env: { CONDA_SSL_VERIFY: "/etc/ssl/certs/ca-certificates.crt" },
  });
  try {
    const droplet = assertStaged(result);
    assertInOrder(result.log, [
      "-----> Supplying conda",
      "-----> Installing miniforge 24.7.1",
      `Download [${m.standIn.uri}]`,
      "-----> Installing Miniforge",
      "-----> Installing Dependencies",
      "-----> Installing conda environment from environment.yml",
      // conda gets the staging env: the channels and CONDA_SSL_VERIFY reach it.
      "stand-in conda: channels conda-forge, nodefaults; " +
      "CONDA_SSL_VERIFY=/etc/ssl/certs/ca-certificates.crt",
      "Successfully installed",
      "-----> Done",
    ]);
    assert.match(result.log, /Successfully installed .*flask-3/);
    assert.doesNotMatch(result.log, /-----> Installing python|Running Pip Install/);
    await withRunningApp(droplet, async (url, log) => {
      const hello = await get(url + "/");
      assert.equal(hello.status, 200, log());
      assert.equal(hello.body, "Hello, World!\n");
      const info = JSON.parse((await get(url + "/python")).body);
      assert.equal(info.version, m.standIn.pythonVersion);
      assert.match(info.prefix, /\/home\/vcap\/deps\/0\/conda\/envs\/dep_env$/);
      assert.equal(info.conda_env, "dep_env");
      assert.equal(info.conda_prefix, info.prefix);
      assert.doesNotMatch(info.executable, /contents\d/, "no staging path at runtime");
    });
  } finally {
    await cleanup(result);
  }
});

Deno.test("a failing conda env update fails staging with conda's output", opts, async () => {
  const m = await condaManifest();
  const app = await copy(fixture("conda_app"));
  try {
    await Deno.writeTextFile(
      join(app, "environment.yml"),
      "dependencies:\n  - python=3.11\n  - no-such-package=1.0\n  - pip\n",
    );
    await Deno.writeTextFile(join(app, "runtime.txt"), "python-3.11.x\n");
    const result = await stageApp(app, { manifest: m.text });
    try {
      assert.notEqual(result.exitCode, 0, result.log);
      assert.equal(result.dropletPath, undefined);
      assertInOrder(result.log, [
        "you have specified the version of Python runtime both in 'runtime.txt' and 'environment.yml'. You should remove one of the two versions",
        "-----> Installing conda environment from environment.yml",
        "PackagesNotFoundError: The following packages are not available from current channels:",
        "  - no-such-package=1.0",
        "**ERROR**\x1b[0m Could not update conda env: Could not run conda env update: exit status 1",
        "Check environment.yml",
      ]);
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});
